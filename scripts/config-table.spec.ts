import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configTable } from './config-table.js';

describe('README configuration table', () => {
  it('is the table generated from src/config/config.schema.ts (node dist/scripts/config-table.js)', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    expect(readme).toContain(configTable());
  });
});
