/**
 * Writes the generated dashboards to grafana/dashboards/: `npm run grafana:build` (compiles
 * grafana/src with grafana/tsconfig.build.json and runs dist/grafana/src/build.js), then commit the
 * JSON; Grafana provisions it from there.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARDS, renderDashboard } from './dashboards.js';

/** From dist/grafana/src back to the repository's grafana/dashboards. */
const OUT_DIR = join(import.meta.dirname, '..', '..', '..', 'grafana', 'dashboards');

mkdirSync(OUT_DIR, { recursive: true });
for (const dashboard of DASHBOARDS) {
  const path = join(OUT_DIR, dashboard.file);
  writeFileSync(path, renderDashboard(dashboard));
  process.stdout.write(`wrote ${path}\n`);
}
