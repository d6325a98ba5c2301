import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { quickCheckSql } from '../../grafana/src/dora-overview.js';
import { loadFixture, type DoraFixture } from '../factories/dora-factory.js';
import { ADMIN_TOKEN, resetData, startTestApp, type TestApp } from '../support/test-app.js';

const QUERY = `query($filter: DoraMetricsFilter!) {
  doraMetrics(filter: $filter) { definitionVersion benchmark { id url } window { label } }
}`;

describe('doraMetrics over GraphQL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const week = { from: '2026-03-02T00:00:00Z', to: '2026-03-09T00:00:00Z' };

  it('carries the definition version and the benchmark source', async () => {
    const res = await t.gql(QUERY, { filter: week });
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      doraMetrics: {
        definitionVersion: 'shipwatch-dora/5',
        benchmark: { id: 'dora-2023', url: 'https://dora.dev/research/2023/dora-report/' },
        window: { label: 'window' },
      },
    });
  });

  it('scores the window with the DORA Quick Check 2025 beside its industry means', async () => {
    await resetData(t.db);
    const fixture = JSON.parse(
      readFileSync(
        join(import.meta.dirname, '..', 'fixtures', 'dora', '03-rolled-back-two-incidents.json'),
        'utf8',
      ),
    ) as DoraFixture;
    await loadFixture(t.db.dataSource, fixture);
    const figure = 'answer answerLabel score industryMean industryStd';
    const res = await t.gql(
      `query($filter: DoraMetricsFilter!) { doraMetrics(filter: $filter) { window { quickCheck {
        edition industry
        deploymentFrequency { ${figure} } changeLeadTime { ${figure} }
        failedDeploymentRecoveryTime { ${figure} } changeFailureRate { ${figure} }
        deploymentReworkRate { ${figure} }
        throughput { score industryMean } stability { score industryMean } performance { score industryMean }
      } } } }`,
      { filter: { ...week, services: ['cart'] } },
    );
    expect(res.errors).toBeUndefined();
    // The fixture's week (its explanation has the figures): 4 deployments in 7 days, lead time
    // p50 9,000 s, recovery p50 1,380 s, CFR 1/4, rework 1/4.
    const q = (res.data!.doraMetrics as { window: { quickCheck: Record<string, unknown> } }).window
      .quickCheck;
    expect(q).toEqual({
      edition: 'dora-2025',
      industry: 'All industries',
      deploymentFrequency: {
        answer: 4, // 0.57 a day: between once per day and once per week
        answerLabel: 'Between once per day and once per week',
        score: 6,
        industryMean: 4.8,
        industryStd: 2.8,
      },
      changeLeadTime: {
        answer: 5,
        answerLabel: 'Less than one day',
        score: 8,
        industryMean: 5.5,
        industryStd: 2.4,
      },
      failedDeploymentRecoveryTime: {
        answer: 6,
        answerLabel: 'Less than one hour',
        score: 10,
        industryMean: 7.4,
        industryStd: 2.1,
      },
      changeFailureRate: {
        answer: 25,
        answerLabel: '25%',
        score: 7.5,
        industryMean: expect.closeTo(8.1, 9) as number,
        industryStd: 2.1,
      },
      deploymentReworkRate: {
        answer: 25,
        answerLabel: '25%',
        score: 7.5,
        industryMean: expect.closeTo(7.8, 9) as number,
        industryStd: 2.2,
      },
      throughput: { score: 8, industryMean: 6 },
      stability: { score: 7.5, industryMean: expect.closeTo(7.9, 9) as number },
      performance: { score: 7.8, industryMean: expect.closeTo(6.72, 9) as number },
    });

    // Grafana's Quick Check panel, over the same data, shows the same scores and means.
    const rows = await t.db.dataSource.query<{ Metric: string; 'Score (0-10)': string | null }[]>(
      quickCheckSql('dora_report($1, $2, $3, $4, $5, $6, $7)'),
      [week.from, week.to, 'UTC', 'week', 'production', ['cart'], null],
    );
    expect(rows.map((r) => Object.values(r).map((v) => (v === null ? null : String(v))))).toEqual([
      ['Deployment frequency', '6.00', '4.80'],
      ['Change lead time', '8.00', '5.50'],
      ['Failed deployment recovery time', '10.00', '7.40'],
      ['Change failure rate', '7.50', '8.10'],
      ['Deployment rework rate', '7.50', '7.80'],
      ['Throughput', '8.00', '6.00'],
      ['Stability', '7.50', '7.90'],
      ['Performance', '7.80', '6.72'],
    ]);
  });

  it.each([
    [{ ...week, from: week.to, to: week.from }, 'BAD_USER_INPUT'],
    [{ ...week, timezone: 'Mars/Olympus' }, 'BAD_USER_INPUT'],
    [{ ...week, timezone: 'UTC+2' }, 'BAD_USER_INPUT'],
    [{ ...week, to: '2031-01-01T00:00:00Z', granularity: 'DAY' }, 'DORA_TOO_MANY_BUCKETS'],
    [{ ...week, from: '2026-03-02T00:00:00' }, 'BAD_USER_INPUT'],
  ])('refuses %j with %s', async (filter, code) => {
    const res = await t.gql(QUERY, { filter });
    expect(res.errors?.[0].extensions?.code).toBe(code);
  });

  it('needs a token with the read scope', async () => {
    expect((await t.gql(QUERY, { filter: week }, null)).errors?.[0].extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
    const created = await t.gql(
      'mutation { createApiToken(input: { name: "ci", scopes: [INGEST] }) { token } }',
      undefined,
      ADMIN_TOKEN,
    );
    const token = (created.data!.createApiToken as { token: string }).token;
    expect((await t.gql(QUERY, { filter: week }, token)).errors?.[0].extensions?.code).toBe(
      'FORBIDDEN',
    );
  });
});
