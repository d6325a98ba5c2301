/**
 * Every query of every generated dashboard (panels, annotations, variables) runs against real data
 * and returns some: Shipwatch with a month of history recorded through GraphQL, its /metrics and a
 * demo workload scraped by a real Prometheus every second, and the SQL run on the test database
 * (PGlite, or PostgreSQL with TEST_DATABASE_URL). Queries are read from the committed JSON, i.e.
 * exactly what Grafana loads, with Grafana's macros expanded (grafana-macros.ts).
 */
import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARDS } from '../../grafana/src/dashboards.js';
import {
  allQueries,
  type DashboardJson,
  type DashboardQuery,
} from '../../grafana/src/panel-queries.js';
import { startDemoApp, type DemoApp } from '../../src/demo/demo-app.js';
import { DoraRefreshService } from '../../src/dora/dora-refresh.service.js';
import { OutboxDispatcher } from '../../src/remediation/outbox.dispatcher.js';
import { VerificationService } from '../../src/verification/verification.service.js';
import {
  freePort,
  startPrometheus,
  type RunningPrometheus,
} from '../../src/demo/prometheus-process.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/signed-webhook-receiver.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import {
  expandPromQL,
  expandSql,
  type MacroContext,
  type VariableValue,
} from './grafana-macros.js';
import { PRODUCTION, seedDeliveryHistory } from './grafana-seed.js';

jest.setTimeout(300_000);

const DIR = join(import.meta.dirname, '..', '..', 'grafana', 'dashboards');
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

const dashboards = DASHBOARDS.map((d) => {
  const json = JSON.parse(readFileSync(join(DIR, d.file), 'utf8')) as DashboardJson;
  const allValues = Object.fromEntries(
    (json.templating?.list ?? [])
      .filter((v) => v.allValue !== undefined)
      .map((v) => [v.name!, v.allValue!]),
  );
  return { file: d.file, json, allValues, queries: allQueries(json) };
});

interface PromResult {
  resultType: 'vector' | 'matrix' | 'scalar' | 'string';
  result: unknown;
}

async function promApi(prom: RunningPrometheus, path: string): Promise<unknown> {
  const res = await fetch(`${prom.url}${path}`);
  const body = (await res.json()) as { status: string; error?: string; data?: unknown };
  if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? res.status}`);
  return body.data;
}

/** Rows (series, values) a Prometheus query returns, the way Grafana would send it. */
async function runPromQuery(prom: RunningPrometheus, q: DashboardQuery, promql: string, at: Date) {
  if (q.where.startsWith('variable')) {
    // label_values(selector, label): Grafana's variable query, via the labels API.
    const m = /^label_values\((.+),\s*(\w+)\)$/.exec(promql);
    if (!m) throw new Error(`unsupported variable query ${promql}`);
    return (await promApi(
      prom,
      `/api/v1/label/${m[2]}/values?match[]=${encodeURIComponent(m[1])}`,
    )) as string[];
  }
  const data = (await promApi(
    prom,
    `/api/v1/query?query=${encodeURIComponent(promql)}&time=${at.getTime() / 1000}`,
  )) as PromResult;
  if (data.resultType === 'scalar') return [data.result];
  return data.result as { metric: Record<string, string>; value: [number, string] }[];
}

const SECRET = 'whsec-grafana-panels-0123456789';
/** Short verification timings, so that a release is judged in seconds (see release-verification.e2e-spec.ts). */
const TIMING = {
  intervalSeconds: 5,
  windowSeconds: 5,
  warmUpSeconds: 0,
  bakeSeconds: 20,
  maxVerificationSeconds: 120,
  settleWindowSeconds: 15,
  preDeployWindowSeconds: 20,
  cooldownSeconds: 0,
  rollbackVerifyTimeoutSeconds: 60,
};
const ANALYSIS = {
  minRequests: 100,
  minEvaluatedTicks: 3,
  passK: 3,
  consecutiveErrorLimit: 2,
  // Two 5 s windows: the default tolerances (60 s critical, 180 s severe) scaled to these ticks.
  criticalSustainSeconds: 10,
  severeSustainSeconds: 10,
};
interface LiveVerification {
  state: string;
  reason: string | null;
  ticks: { classification: string; reason: string }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Grafana dashboards on real data', () => {
  let demo: DemoApp;
  let prom: RunningPrometheus;
  let receiver: WebhookReceiver;
  let t: TestApp;
  let appTarget: string;
  let live: LiveVerification | undefined;
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);

  /**
   * The live part: checkout 1.6.0 goes out with 8 % errors while Prometheus watches; Shipwatch
   * verifies it against the minutes before (FAILED), requests the rollback from the receiver and
   * keeps the evidence. Driven like the scheduler does, with the real clock.
   */
  async function releaseABadVersion(): Promise<LiveVerification | undefined> {
    const policy = await t.gql(
      `mutation ($input: SaveVerificationPolicyInput!) { saveVerificationPolicy(input: $input) { id } }`,
      {
        input: {
          service: 'checkout',
          environment: PRODUCTION,
          mode: 'ENFORCE',
          timing: TIMING,
          analysis: ANALYSIS,
          alertChannels: [],
          rollbackTarget: { kind: 'WEBHOOK', url: `${receiver.url}/rollback`, secret: SECRET },
        },
      },
    );
    expect(policy.errors).toBeUndefined();
    // The pre-deploy baseline needs that much scraped traffic of the old version.
    await sleep(
      Math.max(0, promStartedAt + (TIMING.preDeployWindowSeconds + 3) * 1000 - Date.now()),
    );
    const at = new Date();
    demo.control({ version: '1.6.0', errorRate: 0.08 });
    const res = await t.gql(
      `mutation ($input: DeploymentInput!) { recordDeployment(input: $input) { result entityId } }`,
      {
        input: {
          source: 'grafana-test-cd',
          eventId: 'checkout-prod-live',
          deploymentId: 'checkout-prod-live',
          service: 'checkout',
          environment: PRODUCTION,
          version: '1.6.0',
          previousVersion: '1.5.0',
          status: 'SUCCEEDED',
          startedAt: at.toISOString(),
          finishedAt: at.toISOString(),
        },
      },
    );
    const deploymentId = (res.data?.recordDeployment as { entityId: string }).entityId;
    const deadline = Date.now() + 120_000;
    for (;;) {
      await t.app.get(VerificationService).runDueTicks(new Date());
      await t.app.get(OutboxDispatcher).dispatchDue(new Date());
      const v = await t.gql(
        `query ($id: ID!) { releaseVerification(deploymentId: $id) { state reason ticks { classification reason } } }`,
        { id: deploymentId },
      );
      const verification = v.data?.releaseVerification as LiveVerification | null;
      const state = verification?.state;
      if ((state && state !== 'RUNNING') || Date.now() > deadline) {
        await t.app.get(OutboxDispatcher).dispatchDue(new Date());
        return verification ?? undefined;
      }
      await sleep(500);
    }
  }

  let promStartedAt = 0;

  beforeAll(async () => {
    receiver = await startWebhookReceiver({ secret: SECRET });
    demo = await startDemoApp({
      service: 'checkout',
      version: '1.5.0',
      environment: PRODUCTION,
      requestsPerSecond: 200,
      errorRate: 0.001,
    });
    const appPort = await freePort();
    appTarget = `127.0.0.1:${appPort}`;
    prom = await startPrometheus({ scrapeTargets: [appTarget, demo.target], scrapeInterval: '1s' });
    promStartedAt = Date.now();
    t = await startTestApp({
      PROMETHEUS_URL: prom.url,
      SHIPWATCH_OUTBOUND_PRIVATE_HOSTS: `127.0.0.1:${receiver.port}`,
    });
    await t.app.listen(appPort, '127.0.0.1');
    await seedDeliveryHistory((query, variables) => t.gql(query, variables), now);
    live = await releaseABadVersion();
    // Fold the history into the DORA facts (the scheduler does this in production).
    await t.app.get(DoraRefreshService).refresh();
    // Let Prometheus scrape the final state a few times.
    const done = Date.now() / 1000;
    for (let i = 0; i < 120; i++) {
      const latest = await prom.query(
        `max(timestamp(shipwatch_build_info{instance="${appTarget}"}))`,
      );
      if ((latest[0]?.value ?? 0) > done + 3) break;
      await sleep(500);
    }
  });

  afterAll(async () => {
    await t?.close();
    await prom?.stop();
    await demo?.stop();
    await receiver?.stop();
  });

  /** The last 30 days, up to now (the live release happened after the seeded history). */
  const range = () => ({ from: new Date(now.getTime() - 30 * DAY), to: new Date() });

  /**
   * What Grafana sends for each variable of a dashboard: the given picks, else the default —
   * "All" (the custom all value, or every option the variable's own query returns), the current
   * value of custom and text box variables.
   */
  async function resolveVariables(
    dashboard: (typeof dashboards)[number],
    picks: Record<string, string[]>,
  ): Promise<Record<string, VariableValue>> {
    const variables: Record<string, VariableValue> = {};
    for (const v of dashboard.json.templating?.list ?? []) {
      const name = v.name!;
      const current = String((v.current as { value: string }).value);
      if (picks[name]) {
        variables[name] = picks[name];
      } else if (v.allValue !== undefined && current === '$__all') {
        variables[name] = 'All';
      } else if (v.type !== 'query') {
        variables[name] = [current];
      } else {
        const sql = expandSql(String(v.query), {
          ...range(),
          variables,
          allValues: dashboard.allValues,
        });
        const rows = await t.db.dataSource.query<Record<string, string>[]>(sql);
        variables[name] = rows.map((r) => Object.values(r)[0]);
      }
    }
    return variables;
  }

  /** The selections every query is tested with: the defaults (mostly "All"), then one of each. */
  const SELECTIONS: { label: string; picks: () => Record<string, string[]> }[] = [
    { label: 'defaults', picks: () => ({ job: ['demo'] }) },
    {
      label: 'one of each',
      picks: () => ({
        job: ['demo'],
        instance: [appTarget],
        team: ['payments'],
        service: ['checkout'],
        environment: [PRODUCTION],
        granularity: ['day'],
        timezone: ['Europe/Berlin'],
        attribution: ['EXPLICIT', 'INFERRED'],
      }),
    },
  ];

  /** Runs one query as Grafana would for a selection; what ran and how many rows/series came back. */
  async function run(
    dashboard: (typeof dashboards)[number],
    q: DashboardQuery,
    picks: Record<string, string[]>,
  ): Promise<{ query: string; results: number }> {
    const context: MacroContext = {
      ...range(),
      variables: await resolveVariables(dashboard, picks),
      allValues: dashboard.allValues,
    };
    if (q.datasource === 'postgres') {
      const sql = expandSql(q.text, context);
      const rows = await t.db.dataSource.query<unknown[]>(sql);
      return { query: sql, results: rows.length };
    }
    const promContext = { ...context, from: new Date(Date.now() - 5 * MINUTE) };
    const promql = expandPromQL(q.text, promContext, { rateInterval: '30s' });
    const result = await runPromQuery(prom, q, promql, new Date());
    return { query: promql, results: result.length };
  }

  describe.each(dashboards)('$file', (dashboard) => {
    const cases = dashboard.queries.map((q) => [`${q.where} (${q.datasource})`, q] as const);

    it.each(cases)('should return data for %s', async (_label, q) => {
      for (const selection of SELECTIONS) {
        const { query, results } = await run(dashboard, q, selection.picks());
        // The message names the selection and the exact query that came back empty.
        expect({ selection: selection.label, query, data: results > 0 }).toEqual({
          selection: selection.label,
          query,
          data: true,
        });
      }
    });
  });

  it('should have judged the live bad release FAILED and requested its rollback', async () => {
    // On failure the ticks say why (their classification and reason).
    expect(live).toMatchObject({ state: 'FAILED' });
    expect(receiver.requests.filter((r) => r.path === '/rollback')).toHaveLength(1);
    const rollbacks = await prom.query(`sum(shipwatch_rollbacks_total{instance="${appTarget}"})`);
    expect(rollbacks[0]?.value).toBe(1);
  });

  it('should see the seeded history in the ingestion metrics', async () => {
    const accepted = await prom.query(
      `sum(shipwatch_events_ingested_total{instance="${appTarget}",result="ACCEPTED"})`,
    );
    const rejected = await prom.query(
      `sum(shipwatch_events_ingested_total{instance="${appTarget}",result="REJECTED"})`,
    );
    expect(accepted[0]?.value).toBeGreaterThan(40);
    expect(rejected[0]?.value).toBe(1);
  });
});
