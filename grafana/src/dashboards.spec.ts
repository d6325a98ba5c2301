import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { POSTGRES, PROMETHEUS } from './common.js';
import { DASHBOARDS, renderDashboard } from './dashboards.js';
import { allQueries, type DashboardJson } from './panel-queries.js';

const DIR = join(import.meta.dirname, '..', 'dashboards');

/** Grafana links, bookmarks and the home dashboard use these: renaming one breaks them. */
const STABLE_UIDS: Record<string, string> = {
  'dora-overview.json': 'shipwatch-dora',
  'release-health.json': 'shipwatch-release-health',
  'shipwatch.json': 'shipwatch-self',
};

const rendered = DASHBOARDS.map((d) => ({
  file: d.file,
  text: renderDashboard(d),
}));

describe('generated Grafana dashboards', () => {
  it.each(rendered)('should match the committed grafana/dashboards/$file', ({ file, text }) => {
    const committed = readFileSync(join(DIR, file), 'utf8');
    // On failure: run `npm run grafana:build` and commit the JSON.
    expect(committed).toBe(text);
  });

  it('should commit no dashboard that the builders do not generate', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(rendered.map((r) => r.file).sort());
  });

  it('should keep every dashboard uid stable and unique', () => {
    const uids = Object.fromEntries(
      rendered.map((r) => [r.file, (JSON.parse(r.text) as DashboardJson).uid]),
    );
    expect(uids).toEqual(STABLE_UIDS);
  });

  it('should render the same JSON twice (no clock, no randomness)', () => {
    expect(DASHBOARDS.map((d) => renderDashboard(d))).toEqual(rendered.map((r) => r.text));
  });

  it.each(rendered)(
    'should give every panel of $file a real query on a provisioned datasource',
    ({ text }) => {
      const json = JSON.parse(text) as DashboardJson;
      const queries = allQueries(json);
      expect(queries.length).toBeGreaterThan(0);
      for (const q of queries) {
        expect(q.text).not.toMatch(/testdata|random_walk|TODO|placeholder/i);
      }
      const datasources = new Set<string>();
      JSON.stringify(json, (key, value: unknown) => {
        if (key === 'datasource') datasources.add(JSON.stringify(value));
        return value;
      });
      expect([...datasources].sort()).toEqual(
        [JSON.stringify(POSTGRES), JSON.stringify(PROMETHEUS)].filter((d) => datasources.has(d)),
      );
      expect(datasources.size).toBeGreaterThan(0);
    },
  );
});
