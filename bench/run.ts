/**
 * `npm run bench [-- name...]`: runs the named benchmarks (all when none is named). Each
 * bench/<name>/index.ts exports `main()`, prints a table of ratios against a baseline measured in
 * the same run, and writes bench/results/<name>.json.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const here = import.meta.dirname;
const available = readdirSync(here).filter(
  (name) => name !== 'results' && statSync(join(here, name)).isDirectory(),
);
const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}
for (const name of requested.length > 0 ? requested : available) {
  console.log(`\n=== bench/${name} ===`);
  const mod = (await import(`./${name}/index.js`)) as { main: () => Promise<void> };
  await mod.main();
}
