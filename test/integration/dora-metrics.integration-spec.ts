import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { DoraGaugesService } from '../../src/dora/dora-gauges.service.js';
import { DoraRefreshService } from '../../src/dora/dora-refresh.service.js';
import { loadFixture, type DoraFixture } from '../factories/dora-factory.js';
import { resetData, startTestApp, type TestApp } from '../support/test-app.js';
import { DORA_QUERY } from './dora-support.js';

const fixture = (name: string): DoraFixture =>
  JSON.parse(
    readFileSync(join(import.meta.dirname, '..', 'fixtures', 'dora', name), 'utf8'),
  ) as DoraFixture;

/** The value of one series in the /metrics text, 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('DORA on /metrics', () => {
  let t: TestApp;
  const metrics = async (): Promise<string> =>
    (await request(t.http).get('/metrics').expect(200)).text;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('counts failures, recoveries and lead times once each, as facts change', async () => {
    await resetData(t.db);
    const refresher = t.app.get(DoraRefreshService);
    await refresher.refresh(); // the reset removed dora_state: this first refresh rebuilds
    await loadFixture(t.db.dataSource, fixture('03-rolled-back-two-incidents.json'));
    const before = await metrics();
    await refresher.refresh();
    const after = await metrics();
    const delta = (series: string): number => sample(after, series) - sample(before, series);
    const labels = '{service="cart",environment="production"}';
    // d1 failed once although two incidents name it; recovered in 1380 s; lead times of d1 and d2.
    expect(delta(`shipwatch_change_failures_total${labels}`)).toBe(1);
    expect(delta(`shipwatch_recovery_time_seconds_count${labels}`)).toBe(1);
    expect(delta(`shipwatch_recovery_time_seconds_sum${labels}`)).toBe(1380);
    expect(delta(`shipwatch_lead_time_seconds_count${labels}`)).toBe(2);
    expect(delta(`shipwatch_lead_time_seconds_sum${labels}`)).toBe(7200 + 10800);
    expect(sample(after, 'shipwatch_dora_pending_changes')).toBe(0);

    // A new incident naming d1 changes nothing: d1 had already failed and recovered.
    await t.db.dataSource.query(
      `INSERT INTO incidents (source, external_id, detected_at, last_event_at)
       VALUES ('test', 'i3', '2026-03-03T10:50:00Z', '2026-03-03T10:50:00Z')`,
    );
    await t.db.dataSource.query(
      `INSERT INTO incident_causes (incident_id, deployment_source, deployment_external_id)
       SELECT id, 'test', 'd1' FROM incidents WHERE external_id = 'i3'`,
    );
    await refresher.refresh();
    expect(sample(await metrics(), `shipwatch_change_failures_total${labels}`)).toBe(
      sample(after, `shipwatch_change_failures_total${labels}`),
    );
  });

  it('exports 30-day gauges per service, computed by one replica and read by all', async () => {
    await resetData(t.db);
    await loadFixture(t.db.dataSource, fixture('04-hotfix.json'));
    await t.app.get(DoraRefreshService).refresh();
    const gauges = t.app.get(DoraGaugesService);
    expect(await gauges.update(new Date('2026-03-10T00:00:00Z'))).toBe(true);
    // A second replica ticking at the same time finds a fresh snapshot and only exports it.
    expect(await gauges.update(new Date('2026-03-10T00:00:10Z'))).toBe(false);
    const text = await metrics();
    // 5 deployments over 30 days; d1 failed (1/5); h1 and h2 are rework (2/5); d1 recovered in 9000 s.
    expect(sample(text, 'shipwatch_dora_deployment_frequency_30d{service="api"}')).toBeCloseTo(
      5 / 30,
      12,
    );
    expect(sample(text, 'shipwatch_dora_change_failure_rate_30d{service="api"}')).toBe(0.2);
    expect(sample(text, 'shipwatch_dora_rework_rate_30d{service="api"}')).toBe(0.4);
    expect(sample(text, 'shipwatch_dora_recovery_time_p50_30d_seconds{service="api"}')).toBe(9000);
    expect(sample(text, 'shipwatch_dora_lead_time_p50_30d_seconds{service="api"}')).toBe(12600);
  });

  it('counts deployment transitions as ingestion commits them, and reports them in doraMetrics', async () => {
    await resetData(t.db);
    const counter =
      'shipwatch_deployments_total{service="shop/cart",environment="production",status="SUCCEEDED"}';
    const before = sample(await metrics(), counter);
    const res = await t.gql(
      `mutation($input: DeploymentInput!) { recordDeployment(input: $input) { result errors { field message } } }`,
      {
        input: {
          source: 'ci',
          eventId: 'deploy-1-finished',
          deploymentId: 'deploy-1',
          service: 'cart',
          namespace: 'shop',
          team: 'payments',
          environment: 'production',
          status: 'SUCCEEDED',
          finishedAt: '2026-03-03T10:00:00Z',
          occurredAt: '2026-03-03T10:00:00Z',
        },
      },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ recordDeployment: { result: 'ACCEPTED', errors: [] } });
    expect(sample(await metrics(), counter) - before).toBe(1);

    const report = await t.gql(DORA_QUERY, {
      filter: { from: '2026-03-02T00:00:00Z', to: '2026-03-09T00:00:00Z', teams: ['payments'] },
    });
    expect(report.errors).toBeUndefined();
    expect(report.data).toMatchObject({
      doraMetrics: {
        scope: { services: ['shop/cart'] },
        window: { deploymentFrequency: { deployments: 1 } },
      },
    });
  });
});
