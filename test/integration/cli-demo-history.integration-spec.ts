/**
 * The demo's synthetic 90 days (src/demo/history.generator.ts) through the real ingestEvents
 * mutation and DORA queries: every event is valid, and every one of the five metrics has a value,
 * so that the demo's closing report shows real figures. The NDJSON lines the demo imports are
 * exactly these events.
 */
import { generateHistory } from '../../src/demo/history.generator.js';
import { INGEST_EVENTS, type IngestOutcome } from '../../src/cli/operations.js';
import { DORA_METRICS, type DoraMetricsView } from '../../src/cli/operations.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('the demo history through ingestion and DORA', () => {
  let t: TestApp;
  const now = new Date();
  const history = generateHistory({ now, seed: 2026 });

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('is accepted in batches of 1000, and a second pass is all DUPLICATE', async () => {
    const results: Record<string, number> = {};
    for (let i = 0; i < history.events.length; i += 1000) {
      const res = await t.gql(INGEST_EVENTS, { events: history.events.slice(i, i + 1000) });
      expect(res.errors).toBeUndefined();
      for (const o of res.data!.ingestEvents as IngestOutcome[]) {
        results[o.result] = (results[o.result] ?? 0) + 1;
        if (o.result === 'REJECTED') throw new Error(`rejected: ${JSON.stringify(o.errors)}`);
      }
    }
    expect(results).toEqual({ ACCEPTED: history.events.length });
    const again = await t.gql(INGEST_EVENTS, { events: history.events.slice(0, 200) });
    expect(new Set((again.data!.ingestEvents as IngestOutcome[]).map((o) => o.result))).toEqual(
      new Set(['DUPLICATE']),
    );
  });

  it('gives all five DORA metrics a value, per service too', async () => {
    const filter = (services: string[] | null) => ({
      services,
      environment: 'PRODUCTION',
      from: new Date(now.getTime() - 90 * 86_400_000).toISOString(),
      to: now.toISOString(),
      timezone: 'UTC',
      granularity: 'WEEK',
    });
    for (const services of [null, ['checkout'], ['search'], ['payments']]) {
      const res = await t.gql(DORA_METRICS, { filter: filter(services), buckets: false });
      expect(res.errors).toBeUndefined();
      const w = (res.data!.doraMetrics as DoraMetricsView).window;
      expect([services, w.deploymentFrequency.deployments > 0]).toEqual([services, true]);
      expect([services, w.changeLeadTime.p50Seconds]).toEqual([services, expect.any(Number)]);
      expect([services, w.changeFailureRate.ratio]).toEqual([services, expect.any(Number)]);
      expect([services, w.failedDeploymentRecoveryTime.p50Seconds]).toEqual([
        services,
        expect.any(Number),
      ]);
      expect([services, w.deploymentReworkRate.ratio]).toEqual([services, expect.any(Number)]);
    }
    const all = await t.gql(DORA_METRICS, { filter: filter(null), buckets: false });
    const w = (all.data!.doraMetrics as DoraMetricsView).window;
    expect(w.deploymentFrequency.deployments).toBe(history.counts.deployments);
    // Every bad release got an incident and a hotfix or rollback: each counts as failed once.
    expect(w.changeFailureRate.failed).toBe(history.counts.incidents);
    expect(w.deploymentReworkRate.reworked).toBe(history.counts.incidents);
  });
});
