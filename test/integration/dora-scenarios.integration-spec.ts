import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFixture, refreshDora, type DoraFixture } from '../factories/dora-factory.js';
import { resetData, startTestApp, type TestApp } from '../support/test-app.js';
import {
  DORA_QUERY,
  figuresOfPeriod,
  figuresOfRow,
  sqlReport,
  staleFacts,
  type GqlPeriod,
  type SqlFilter,
} from './dora-support.js';

/**
 * One scenario per fixture in test/fixtures/dora/: its hand-computed figures (the `explanation`
 * of each file) must come out of GraphQL, and Grafana's SQL (dora_report) must give the same.
 */
const dir = join(import.meta.dirname, '..', 'fixtures', 'dora');
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({
    file,
    fixture: JSON.parse(readFileSync(join(dir, file), 'utf8')) as DoraFixture,
  }));

/** Expected numbers match to 1e-6 (p90 of [.., 14400, 86400] is 64800.000000000015 in float8). */
function approximately(value: unknown): unknown {
  if (typeof value === 'number') return expect.closeTo(value, 6);
  if (Array.isArray(value)) return value.map(approximately);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, approximately(v)]));
  }
  return value;
}

describe('DORA scenarios', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('has scenarios', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(8);
  });

  describe.each(fixtures)('$file', ({ fixture }) => {
    const queries = (fixture.query as { queries?: Record<string, unknown>[] } | undefined)
      ?.queries ?? [fixture.query ?? {}];
    const expectations = (fixture.expected as { queries?: Record<string, unknown>[] } | undefined)
      ?.queries ?? [fixture.expected ?? {}];

    beforeAll(async () => {
      await resetData(t.db);
      await loadFixture(t.db.dataSource, fixture);
    });

    it.each(queries.map((query, i) => ({ query, expected: expectations[i], i })))(
      `${fixture.name} (query $i)`,
      async ({ query, expected }) => {
        const res = await t.gql(DORA_QUERY, { filter: query });
        expect(res.errors).toBeUndefined();
        const report = res.data!.doraMetrics as {
          window: Record<string, unknown>;
          buckets: Record<string, unknown>[];
          definitionVersion: string;
        };
        expect(report.definitionVersion).toBe('shipwatch-dora/5');
        expect(report).toMatchObject(approximately(expected) as object);

        // Grafana's SQL over the same data gives the same figures.
        const rows = await sqlReport(t.db.dataSource, query as unknown as SqlFilter);
        expect(rows.map(figuresOfRow)).toEqual(
          [report.window, ...report.buckets].map((p) => figuresOfPeriod(p as unknown as GqlPeriod)),
        );
      },
    );

    it('keeps its materialised facts equal to the definitions', async () => {
      await refreshDora(t.db.dataSource);
      expect(await staleFacts(t.db.dataSource)).toEqual([]);
    });
  });
});
