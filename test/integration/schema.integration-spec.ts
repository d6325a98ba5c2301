import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { printAppSchema } from '../../src/common/graphql/print-schema.js';

describe('schema.graphql', () => {
  it('matches the schema generated from the code (run `npm run schema:print` after changing it)', async () => {
    const committed = readFileSync(join(import.meta.dirname, '..', '..', 'schema.graphql'), 'utf8');
    expect(await printAppSchema()).toBe(committed);
  });
});
