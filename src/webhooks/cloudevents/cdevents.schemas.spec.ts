import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import { packageRoot, SCHEMA_SETS } from './cdevents.schemas.js';

const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ??
  Ajv2020Module) as typeof Ajv2020Module.default;

const root = join(packageRoot(), 'schemas', 'cdevents');
const jsonIn = (dir: string) =>
  readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.json'))
    .map((e) => join(dir, e.name));

describe('the vendored CDEvents schemas', () => {
  // CdeventsSchemas skips this check at boot: it is done here, once, for every file it loads.
  const files = SCHEMA_SETS.flatMap((release) => {
    const dir = join(root, release);
    const links = readdirSync(dir).includes('links') ? jsonIn(join(dir, 'links')) : [];
    return [...jsonIn(dir), ...links];
  });

  it('are all valid JSON Schema draft 2020-12', () => {
    expect(files.length).toBeGreaterThan(36 + 39 + 4 * 45);
    const ajv = new Ajv2020({ strict: false });
    const invalid = files.filter((file) => {
      const schema = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      return ajv.validateSchema(schema) !== true;
    });
    expect(invalid).toEqual([]);
  });
});
