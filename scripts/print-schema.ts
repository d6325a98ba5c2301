/* `npm run schema:print`: writes the GraphQL schema generated from the code to schema.graphql. */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printAppSchema } from '../src/common/graphql/print-schema.js';

const file = join(import.meta.dirname, '..', '..', 'schema.graphql');
writeFileSync(file, await printAppSchema());
console.log(`wrote ${file}`);
process.exit(0);
