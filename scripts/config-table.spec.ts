import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { configTable } from './config-table.js';

describe('README configuration table', () => {
  it('is the table generated from src/config/config.schema.ts (node dist/scripts/config-table.js)', async () => {
    const readmePath = join(import.meta.dirname, '..', 'README.md');
    const options = { ...(await resolveConfig(readmePath)), parser: 'markdown' };
    const expected = (await format(configTable(), options)).trim();
    expect(readFileSync(readmePath, 'utf8')).toContain(expected);
  });
});
