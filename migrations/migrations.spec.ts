import { readdirSync } from 'node:fs';
import { MIGRATIONS } from './index.js';

describe('migrations/index.ts', () => {
  it('lists every migration file, in timestamp order', () => {
    const files = readdirSync(import.meta.dirname)
      .filter((f) => /^\d+-\w+\.ts$/.test(f))
      .sort();
    const names = files.map((f) => {
      const [epoch, name] = f.replace(/\.ts$/, '').split('-');
      return `${name}${epoch}`;
    });
    expect(MIGRATIONS.map((m) => m.name)).toEqual(names);
  });
});
