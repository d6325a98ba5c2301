/**
 * Release verification against a REAL Prometheus holding backfilled OpenTelemetry HTTP metrics
 * (promtool create-blocks-from openmetrics): the client, policy checks, the default policy in
 * both label layouts, whole verifications driven tick by tick at past instants (runDueTicks(now)),
 * their consequences (outbox, ROLLED_BACK, incident opened and resolved) and backtests.
 */
import { VerificationService } from '../../src/verification/verification.service.js';
import {
  PrometheusClient,
  PrometheusQueryError,
  PrometheusUnavailableError,
} from '../../src/verification/prometheus.client.js';
import {
  freePort,
  startPrometheus,
  type RunningPrometheus,
} from '../../src/demo/prometheus-process.js';
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { probeScrape } from '../../src/verification/analysis/counter-reading.js';
import { extrapolatedRate, irate } from '../../src/verification/analysis/prometheus-functions.js';
import { DEFAULT_SLIS } from '../../src/verification/default-slis.js';
import { PrometheusSignalSource } from '../../src/verification/prometheus.source.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import {
  openMetricsHistory,
  type ServiceHistory,
  type VersionTraffic,
} from './verification-history.js';

interface SliEvidenceJson {
  name: string;
  baselineKind: string;
  pValue: number;
  canary: { ratio: number; total: number };
  queries: { canary: string[] };
}

const STEP = 15;
const MIN_EVALUATED_TICKS = 5;
const NOW = Math.floor(Date.now() / 1000 / STEP) * STEP;
/** The deploys happened 40 minutes ago; history starts an hour before them. */
const T0 = NOW - 40 * 60;
const START = T0 - 60 * 60;
const at = (s: number): Date => new Date(s * 1000);
const iso = (s: number): string => at(s).toISOString();

const constant = (x: number) => () => x;
const traffic = (
  version: string,
  from: number,
  to: number,
  rps: number,
  errorRatio: (t: number) => number,
  slow = 0.005,
): VersionTraffic => ({
  version,
  from,
  to,
  rps: constant(rps),
  errorRatio,
  slowRatio: constant(slow),
});

/** A release of all the traffic at once (20 requests/s) at T0, labels layout. */
const allAtOnce = (
  service: string,
  [previous, next]: [string, string],
  errorRatio: number,
): ServiceHistory => ({
  service,
  namespace: '',
  environment: 'production',
  layout: 'labels',
  versions: [
    traffic(previous, START, T0, 20, constant(0.001)),
    traffic(next, T0, NOW, 20, constant(errorRatio)),
  ],
});

const HISTORY = openMetricsHistory([
  // Canary at 10 %: both versions healthy.
  {
    service: 'checkout',
    namespace: 'shop',
    environment: 'production',
    layout: 'labels',
    versions: [
      traffic('1.0.0', START, T0, 50, constant(0.001)),
      traffic('1.0.0', T0, NOW, 45, constant(0.001)),
      traffic('1.1.0', T0, NOW, 5, constant(0.001)),
    ],
  },
  // All at once: 2.0.0 answers 8 % 5xx; rolled back to 1.9.0 five minutes later.
  {
    service: 'payments',
    namespace: '',
    environment: 'production',
    layout: 'labels',
    versions: [
      traffic('1.9.0', START, T0, 20, constant(0.001)),
      traffic('2.0.0', T0, T0 + 300, 20, constant(0.08)),
      traffic('1.9.0', T0 + 300, NOW, 20, constant(0.001)),
    ],
  },
  // A dependency outage 20 minutes before the deploy: 5 % everywhere.
  {
    service: 'search',
    namespace: '',
    environment: 'production',
    layout: 'labels',
    versions: [
      traffic('3.0.0', START, NOW, 10, (t) => (t >= T0 - 1200 ? 0.05 : 0.001)),
      traffic('3.1.0', T0, NOW, 10, constant(0.05)),
    ],
  },
  // Canary at 10 % of 200 requests/s: healthy until 350 s after the deploy, then a slow burn
  // (0.4 % errors: 4× the budget, below page rate) that only the whole bake can show.
  {
    service: 'ledger',
    namespace: '',
    environment: 'production',
    layout: 'labels',
    versions: [
      traffic('6.0.0', START, T0, 200, constant(0.001)),
      traffic('6.0.0', T0, NOW, 180, constant(0.001)),
      traffic('6.1.0', T0, NOW, 20, (t) => (t >= T0 + 350 ? 0.004 : 0.001)),
    ],
  },
  // Policies saved by earlier releases: the old default templates (converted when read), and an
  // increase() template that cannot be converted, on a release answering 8 % errors.
  allAtOnce('stored-defaults', ['4.0.0', '4.1.0'], 0.001),
  allAtOnce('stored-legacy', ['5.0.0', '5.1.0'], 0.08),
  // Resource attributes only on target_info (job/instance join).
  {
    service: 'legacy',
    namespace: 'shop',
    environment: 'production',
    layout: 'target_info',
    versions: [
      traffic('0.9.0', START, T0, 20, constant(0.001)),
      traffic('1.0.0', T0, NOW, 20, constant(0.001)),
    ],
  },
]);

const BAD_COUNTER = 'x_total{service_version=~"{{versionRegex}}"} or vector(0)';
const DEPLOYMENT = `mutation($input: DeploymentInput!) { recordDeployment(input: $input) { result entityId errors { field message } } }`;
const SAVE = `mutation($input: SaveVerificationPolicyInput!) {
  saveVerificationPolicy(input: $input) { id mode rollbackTarget { kind url } alertChannels timing { intervalSeconds } }
}`;
const VERIFICATION = `query($id: ID!) { releaseVerification(deploymentId: $id) {
  state verdict reason kind baselineKind rollbackRequestedAt remediatedAt remediatesDeploymentId
  policy { isDefault mode }
  ticks { number classification severity reason windowStart windowEnd evidence }
} }`;

describe('verification against a real Prometheus', () => {
  let prometheus: RunningPrometheus;
  let t: TestApp;
  let verifications: VerificationService;

  beforeAll(async () => {
    prometheus = await startPrometheus({ scrapeTargets: [], backfill: HISTORY });
    t = await startTestApp({
      PROMETHEUS_URL: prometheus.url,
      ALERTMANAGER_URL: 'http://127.0.0.1:9',
      // production deployments and their verdicts are published as Grafana annotations
      PUBLISH_DEPLOYMENTS_TO: 'grafana',
      GRAFANA_URL: 'http://127.0.0.1:9',
      GRAFANA_API_TOKEN: 'glsa_verification_test_0123456789',
      SHIPWATCH_OUTBOUND_PRIVATE_HOSTS: '127.0.0.1:9',
    });
    verifications = t.app.get(VerificationService);
  });
  afterAll(async () => {
    await t?.close();
    await prometheus?.stop();
  });

  async function deploy(input: Record<string, unknown>): Promise<string> {
    const res = await t.gql(DEPLOYMENT, {
      input: { source: 'ci', environment: 'production', status: 'SUCCEEDED', ...input },
    });
    expect(res.errors).toBeUndefined();
    const outcome = res.data!.recordDeployment as { result: string; entityId: string };
    expect(outcome.result).toBe('ACCEPTED');
    return outcome.entityId;
  }

  async function verification(id: string) {
    const res = await t.gql(VERIFICATION, { id });
    expect(res.errors).toBeUndefined();
    return res.data!.releaseVerification as {
      state: string;
      verdict: string | null;
      reason: string;
      kind: string;
      baselineKind: string;
      rollbackRequestedAt: string | null;
      remediatedAt: string | null;
      remediatesDeploymentId: string | null;
      policy: { isDefault: boolean; mode: string };
      ticks: {
        number: number;
        classification: string;
        severity: string | null;
        reason: string;
        evidence: { slis: SliEvidenceJson[] };
      }[];
    };
  }

  /** Drives the scheduler's clock from `from` in 30 s steps until `until`. */
  async function tickUntil(from: number, until: number): Promise<void> {
    for (let s = from; s <= until; s += 30) await verifications.runDueTicks(at(s));
  }

  describe('PrometheusClient', () => {
    it('tells a value, no data and a broken query apart', async () => {
      const client = new PrometheusClient(prometheus.url);
      const total = await client.value(
        `sum(increase(http_server_request_duration_seconds_count{service_name="payments"}[5m]))`,
        at(T0 - 60),
      );
      expect(total).toBeGreaterThan(5000);
      expect(await client.value('sum(nope_total{x="y"})', at(T0))).toBeNull();
      await expect(client.value('sum(rate(', at(T0))).rejects.toBeInstanceOf(PrometheusQueryError);
      await expect(client.value('up[5m]', at(T0))).rejects.toThrow(/expected an instant vector/);
      const ranged = await client.queryRange('vector(1)', at(T0), at(T0 + 60), 15);
      expect(ranged[0].points).toHaveLength(5);
    });

    it('asks for uncompressed answers, which Prometheus then sends as they are', async () => {
      // A pass-through proxy that notes what the client asked for and what Prometheus answered.
      const seen: { asked?: string; sent?: string }[] = [];
      const proxy = createServer((req, res) => {
        const upstream = httpRequest(
          `${prometheus.url}${req.url}`,
          { method: req.method, headers: req.headers },
          (answer) => {
            seen.push({
              asked: req.headers['accept-encoding'],
              sent: answer.headers['content-encoding'],
            });
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        req.pipe(upstream);
      });
      await new Promise<void>((listening) => proxy.listen(0, '127.0.0.1', listening));
      try {
        const { port } = proxy.address() as AddressInfo;
        const client = new PrometheusClient(`http://127.0.0.1:${port}`);
        expect(await client.value('vector(1)', at(T0))).toBe(1);
        expect(seen).toEqual([{ asked: 'identity', sent: undefined }]);
      } finally {
        proxy.close();
      }
    });

    it('reports an unreachable Prometheus as unavailable', async () => {
      const client = new PrometheusClient(`http://127.0.0.1:${await freePort()}`, 2000);
      await expect(client.value('vector(1)', at(T0))).rejects.toBeInstanceOf(
        PrometheusUnavailableError,
      );
    });
  });

  /** Saves a staging policy of one errors SLI with these templates. */
  const saveSli = (totalQuery: string, badQuery = BAD_COUNTER) =>
    t.gql(SAVE, {
      input: {
        service: 'checkout',
        namespace: 'shop',
        environment: 'staging',
        slis: [{ name: 'errors', objective: 0.999, totalQuery, badQuery }],
      },
    });

  describe('policies', () => {
    it('saves a policy after checking every query, never returning the rollback secret', async () => {
      const res = await t.gql(SAVE, {
        input: {
          service: 'payments',
          environment: 'production',
          mode: 'ENFORCE',
          alertChannels: ['ALERTMANAGER'],
          rollbackTarget: {
            kind: 'WEBHOOK',
            url: 'http://127.0.0.1:9/rollback',
            secret: 'a-very-secret-value',
          },
          checks: [
            {
              name: 'success_rate',
              query:
                'sum(rate(http_server_request_duration_seconds_count{service_name="{{service}}",service_version="{{version}}",http_response_status_code!~"5.."}[{{window}}])) / sum(rate(http_server_request_duration_seconds_count{service_name="{{service}}",service_version="{{version}}"}[{{window}}]))',
              successCondition: 'result >= 0.95',
              dryRun: true,
            },
          ],
        },
      });
      expect(res.errors).toBeUndefined();
      expect(res.data!.saveVerificationPolicy).toMatchObject({
        mode: 'ENFORCE',
        rollbackTarget: { kind: 'WEBHOOK', url: 'http://127.0.0.1:9/rollback' },
      });
      expect(JSON.stringify(res)).not.toContain('a-very-secret-value');
      const listed = await t.gql(
        '{ verificationPolicies { service rollbackTarget { kind url repository } } }',
      );
      expect(JSON.stringify(listed)).not.toContain('a-very-secret-value');
    });

    it('refuses a query Prometheus rejects, with INVALID_POLICY and the reason', async () => {
      const res = await saveSli(
        'http_server_request_duration_seconds_count{service_version=~"{{versionRegex}}"} +',
      );
      expect(res.errors?.[0].extensions?.code).toBe('INVALID_POLICY');
      expect(res.errors?.[0].extensions?.problems).toEqual([
        {
          field: 'slis[0].totalQuery',
          message: expect.stringMatching(/Prometheus refused it: .*parse error/),
        },
      ]);
    });

    it('refuses unknown placeholders and aggregating templates before asking Prometheus', async () => {
      const res = await saveSli(
        'sum(x{a="{{servce}}"})',
        'sum by (pod) (y{v=~"{{versionRegex}}"})',
      );
      expect(res.errors?.[0].extensions?.code).toBe('INVALID_POLICY');
      expect(res.errors?.[0].message).toMatch(/unknown placeholder \{\{servce\}\}/);
      expect(res.errors?.[0].message).toMatch(/`sum` aggregates across series/);
    });

    it('refuses templates of earlier releases (increase over {{window}}) with LEGACY_TEMPLATE and the new form', async () => {
      const res = await saveSli(
        'sum(increase(http_server_request_duration_seconds_count{service_version=~"{{versionRegex}}"}[{{window}}]))',
      );
      expect(res.errors?.[0].extensions?.code).toBe('LEGACY_TEMPLATE');
      expect(res.errors?.[0].extensions?.problems).toEqual([
        { field: 'slis[0].totalQuery', message: expect.stringMatching(/per-series counters now/) },
      ]);
    });

    it('refuses templates that read the same series for the new and the previous version (SIDES_OVERLAP)', async () => {
      const res = await saveSli(
        'http_server_request_duration_seconds_count{service_name="{{service}}"}',
      );
      expect(res.errors?.[0].extensions?.code).toBe('SIDES_OVERLAP');
      expect(res.errors?.[0].extensions?.problems).toEqual([
        { field: 'slis[0].totalQuery', message: expect.stringMatching(/\{\{versionRegex\}\}/) },
      ]);
    });

    it('refuses windows shorter than the scrape interval Prometheus shows, naming it', async () => {
      // The history is scraped every 15 s.
      const res = await t.gql(SAVE, {
        input: {
          service: 'checkout',
          namespace: 'shop',
          environment: 'production',
          timing: { intervalSeconds: 10, windowSeconds: 10 },
        },
      });
      expect(res.errors?.[0].extensions).toMatchObject({
        code: 'WINDOW_SHORTER_THAN_SCRAPE_INTERVAL',
        scrapeIntervalSeconds: 15,
        problems: [
          { field: 'timing.windowSeconds', message: expect.stringMatching(/at least 15s/) },
        ],
      });
    });
  });

  describe('verifications', () => {
    let checkout: string;
    let payments: string;
    let search: string;
    let legacy: string;
    let ledger: string;

    beforeAll(async () => {
      checkout = await deploy({
        eventId: 'checkout-1.1.0',
        deploymentId: 'checkout-1.1.0',
        service: 'checkout',
        namespace: 'shop',
        version: '1.1.0',
        previousVersion: '1.0.0',
        startedAt: iso(T0 - 60),
        finishedAt: iso(T0),
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      });
      payments = await deploy({
        eventId: 'payments-2.0.0',
        deploymentId: 'payments-2.0.0',
        service: 'payments',
        version: '2.0.0',
        previousVersion: '1.9.0',
        finishedAt: iso(T0),
      });
      search = await deploy({
        eventId: 'search-3.1.0',
        deploymentId: 'search-3.1.0',
        service: 'search',
        version: '3.1.0',
        previousVersion: '3.0.0',
        finishedAt: iso(T0),
      });
      legacy = await deploy({
        eventId: 'legacy-1.0.0',
        deploymentId: 'legacy-1.0.0',
        service: 'legacy',
        namespace: 'shop',
        version: '1.0.0',
        previousVersion: '0.9.0',
        finishedAt: iso(T0),
      });
      ledger = await deploy({
        eventId: 'ledger-6.1.0',
        deploymentId: 'ledger-6.1.0',
        service: 'ledger',
        version: '6.1.0',
        previousVersion: '6.0.0',
        finishedAt: iso(T0),
      });
      await tickUntil(T0 + 30, T0 + 120);
    });

    it('starts a verification for every production deployment with a policy (default or saved)', async () => {
      expect((await verification(checkout)).policy).toEqual({ isDefault: true, mode: 'ADVISE' });
      expect((await verification(payments)).policy).toEqual({ isDefault: false, mode: 'ENFORCE' });
    });

    it('rolls back the 8 % error release after two CRITICAL ticks, exactly once, and feeds DORA', async () => {
      const v = await verification(payments);
      expect(v).toMatchObject({
        state: 'FAILED',
        verdict: 'FAILED',
        kind: 'RELEASE',
        baselineKind: 'PRE_DEPLOY',
      });
      expect(v.ticks.map((x) => x.classification)).toEqual(['CRITICAL', 'CRITICAL']);
      const errors = v.ticks[0].evidence.slis.find((s) => s.name === 'errors')!;
      expect(errors.canary.ratio).toBeCloseTo(0.08, 2);
      expect(errors.queries.canary[0]).toContain('service_version=~"2\\\\.0\\\\.0"');
      expect(errors.pValue).toBeLessThan(1e-10);
      expect(v.rollbackRequestedAt).not.toBeNull();

      const outbox: { idempotency_key: string; kind: string }[] = await t.db.dataSource.query(
        `SELECT idempotency_key, kind FROM remediation_outbox WHERE deployment_id = $1 ORDER BY id`,
        [payments],
      );
      expect(outbox).toEqual([
        { idempotency_key: `publish:${payments}:GRAFANA`, kind: 'PUBLISH' },
        { idempotency_key: `rollback:${payments}`, kind: 'ROLLBACK' },
        { idempotency_key: `alert:${payments}:FAILED:FIRING:ALERTMANAGER`, kind: 'ALERT' },
        // the verdict, published where the deployment was (in the verdict's transaction)
        { idempotency_key: `publish:${payments}:GRAFANA:FAILED`, kind: 'PUBLISH' },
      ]);
      const [deployment] = await t.db.dataSource.query(
        `SELECT status FROM deployments WHERE id = $1`,
        [payments],
      );
      expect(deployment.status).toBe('ROLLED_BACK');
      const incidents = await t.db.dataSource.query(
        `SELECT i.source, i.resolved_at, c.deployment_source, c.deployment_external_id
           FROM incidents i JOIN incident_causes c ON c.incident_id = i.id`,
      );
      expect(incidents).toEqual([
        {
          source: 'shipwatch',
          resolved_at: null,
          deployment_source: 'ci',
          deployment_external_id: 'payments-2.0.0',
        },
      ]);
      // Ticks keep running for others; this one is final and never ticks or rolls back again.
      await tickUntil(T0 + 150, T0 + 240);
      expect((await verification(payments)).ticks).toHaveLength(2);
    });

    it('verifies the rollback against the period before the failed release and resolves the incident', async () => {
      const rollback = await deploy({
        eventId: 'payments-rollback',
        deploymentId: 'payments-rollback',
        service: 'payments',
        version: '1.9.0',
        previousVersion: '2.0.0',
        kind: 'ROLLBACK',
        finishedAt: iso(T0 + 300),
      });
      await tickUntil(T0 + 330, T0 + 480);
      const v = await verification(rollback);
      expect(v).toMatchObject({
        kind: 'ROLLBACK',
        state: 'HEALTHY',
        remediatesDeploymentId: payments,
      });
      expect(v.ticks.every((x) => x.classification === 'PASS')).toBe(true);
      expect((await verification(payments)).remediatedAt).not.toBeNull();
      const [incident] = await t.db.dataSource.query(`SELECT resolved_at FROM incidents`);
      expect(incident.resolved_at).not.toBeNull();
      const resolved = await t.db.dataSource.query(
        `SELECT idempotency_key FROM remediation_outbox WHERE idempotency_key LIKE '%RESOLVED%'`,
      );
      expect(resolved).toEqual([
        { idempotency_key: `alert:${payments}:FAILED:RESOLVED:ALERTMANAGER` },
      ]);
    });

    it('alerts on a pre-existing incident and never rolls back', async () => {
      const v = await verification(search);
      expect(v.state).toBe('ENV_DEGRADED');
      expect(v.reason).toMatch(/pre-existing incident/);
      expect(v.rollbackRequestedAt).toBeNull();
      const [deployment] = await t.db.dataSource.query(
        `SELECT status FROM deployments WHERE id = $1`,
        [search],
      );
      expect(deployment.status).toBe('SUCCEEDED');
    });

    it('reads services that export their resource attributes on target_info', async () => {
      const v = await verification(legacy);
      expect(v.ticks.length).toBeGreaterThan(0);
      const tick = v.ticks.at(-1)!;
      expect(tick.classification).toBe('PASS');
      const errors = tick.evidence.slis.find((s) => s.name === 'errors')!;
      expect(errors.canary.total).toBeGreaterThan(400);
      expect(errors.baselineKind).toBe('PRE_DEPLOY');
    });

    it('declares a canary of 20 requests/s HEALTHY at 300 s and keeps watching it', async () => {
      const res = await t.gql(
        `query($id: ID!) { releaseVerification(deploymentId: $id) {
          state verdict reason watching nextTickAt ticks { stateAfter } } }`,
        { id: ledger },
      );
      expect(res.errors).toBeUndefined();
      const v = res.data!.releaseVerification as {
        state: string;
        verdict: string;
        reason: string;
        watching: boolean;
        nextTickAt: string | null;
        ticks: { stateAfter: string }[];
      };
      expect(v).toMatchObject({ state: 'HEALTHY', verdict: 'HEALTHY', watching: true });
      expect(v.reason).toMatch(/^sequential test: .*watched until the end of the bake/);
      expect(v.nextTickAt).not.toBeNull();
      expect(v.ticks.filter((x) => x.stateAfter === 'HEALTHY').length).toBeGreaterThan(1);
      // A watched HEALTHY does not hold the deploy gate: no verification of ledger is running.
      const [running] = await t.db.dataSource.query(
        `SELECT count(*)::int AS n FROM release_verifications WHERE state = 'RUNNING' AND deployment_id = $1`,
        [ledger],
      );
      expect(running.n).toBe(0);
    });

    it('declares the healthy canary HEALTHY at the end of the bake, without any action', async () => {
      await tickUntil(T0 + 510, T0 + 630);
      const v = await verification(checkout);
      expect(v.state).toBe('HEALTHY');
      expect(v.baselineKind).toBe('CONCURRENT');
      // Every tick the test drove (30 s apart, a few skipped while other tests ran) passed.
      expect(v.ticks.length).toBeGreaterThanOrEqual(MIN_EVALUATED_TICKS);
      expect(v.ticks.every((x) => x.classification === 'PASS')).toBe(true);
      const outbox = await t.db.dataSource.query(
        `SELECT idempotency_key FROM remediation_outbox WHERE deployment_id = $1 ORDER BY id`,
        [checkout],
      );
      // no action: only the deployment and its verdict published
      expect(outbox).toEqual([
        { idempotency_key: `publish:${checkout}:GRAFANA` },
        { idempotency_key: `publish:${checkout}:GRAFANA:HEALTHY` },
      ]);
    });

    it('turns the watched HEALTHY into DEGRADED when the whole bake shows a slow burn, with a ticket', async () => {
      const v = await verification(ledger);
      expect(v).toMatchObject({ state: 'DEGRADED', verdict: 'DEGRADED' });
      expect(v.reason).toMatch(/whole-bake test is significant for errors/);
      expect(v.rollbackRequestedAt).toBeNull();
      const alerts = await t.db.dataSource.query(
        `SELECT idempotency_key FROM remediation_outbox WHERE deployment_id = $1 ORDER BY id`,
        [ledger],
      );
      // both verdicts published: the early HEALTHY, then the DEGRADED that overturned it
      expect(alerts).toEqual([
        { idempotency_key: `publish:${ledger}:GRAFANA` },
        { idempotency_key: `publish:${ledger}:GRAFANA:HEALTHY` },
        { idempotency_key: `alert:${ledger}:DEGRADED:FIRING:ALERTMANAGER` },
        { idempotency_key: `publish:${ledger}:GRAFANA:DEGRADED` },
      ]);
      const [row] = await t.db.dataSource.query(
        `SELECT next_tick_at FROM release_verifications WHERE deployment_id = $1`,
        [ledger],
      );
      expect(row.next_tick_at).toBeNull();
    });

    it('backtests a policy over past deployments: would it have rolled them back, and when?', async () => {
      const res = await t.gql(
        `query($input: BacktestPolicyInput!) { backtestPolicy(input: $input) {
          mode deployments { deploymentId verdict wouldRollBack secondsToVerdict firstRegressionAt actualStatus } } }`,
        {
          input: {
            service: 'payments',
            environment: 'production',
            deploymentIds: [payments],
            policy: { mode: 'ENFORCE' },
          },
        },
      );
      expect(res.errors).toBeUndefined();
      expect(res.data!.backtestPolicy).toEqual({
        mode: 'ENFORCE',
        deployments: [
          {
            deploymentId: payments,
            verdict: 'FAILED',
            wouldRollBack: true,
            secondsToVerdict: 60,
            firstRegressionAt: iso(T0),
            actualStatus: 'ROLLED_BACK',
          },
        ],
      });
    });

    it('explains a backtest tick by tick, with the evidence releaseVerification shows', async () => {
      const fields = `number at windowStart windowEnd classification severity baselineDegraded
        inWarmUp reason stateAfter durationSeconds evidence`;
      // The saved policy, replayed at the instants the scheduler ran it: the same ticks.
      const res = await t.gql(
        `query($input: BacktestPolicyInput!) { backtestPolicy(input: $input) {
          deployments { deploymentId verdict ticks { ${fields} } } } }`,
        { input: { service: 'payments', environment: 'production', deploymentIds: [payments] } },
      );
      expect(res.errors).toBeUndefined();
      const [replayed] = (
        res.data!.backtestPolicy as {
          deployments: { verdict: string; ticks: Record<string, unknown>[] }[];
        }
      ).deployments;
      const live = await t.gql(
        `query($id: ID!) { releaseVerification(deploymentId: $id) {
        ticks { ${fields} } } }`,
        { id: payments },
      );
      expect(live.errors).toBeUndefined();
      const ran = (live.data!.releaseVerification as { ticks: Record<string, unknown>[] }).ticks;

      expect(replayed.verdict).toBe('FAILED');
      expect(replayed.ticks.map((x) => x.stateAfter)).toEqual(['RUNNING', 'FAILED']);
      expect(replayed.ticks.every((x) => x.durationSeconds === null)).toBe(true);
      expect(ran.every((x) => typeof x.durationSeconds === 'number')).toBe(true);
      const untimed = ({ durationSeconds: _, ...x }: Record<string, unknown>) => x;
      expect(replayed.ticks.map(untimed)).toEqual(ran.map(untimed));

      const errors = (replayed.ticks[0].evidence as { slis: SliEvidenceJson[] }).slis.find(
        (s) => s.name === 'errors',
      )!;
      expect(errors).toMatchObject({
        window: { start: iso(T0), end: iso(T0 + 30) },
        canary: {
          total: expect.any(Number),
          bad: expect.any(Number),
          burnRate: expect.any(Number),
        },
        preDeploy: { total: expect.any(Number), bad: expect.any(Number) },
        pValue: expect.any(Number),
      });
      expect(errors.canary.ratio).toBeCloseTo(0.08, 2);
    });
  });

  describe('policies stored by earlier releases', () => {
    const LEGACY_DEFAULTS = readFileSync(
      join(import.meta.dirname, '../fixtures/verification/legacy-default-slis.json'),
      'utf8',
    );
    const UNCONVERTIBLE = JSON.stringify([
      {
        name: 'errors',
        objective: 0.999,
        totalQuery:
          'sum by (service_version) (increase(http_server_request_duration_seconds_count{service_name="{{service}}",service_version=~"{{versionRegex}}"}[{{window}}]))',
        badQuery:
          'sum by (service_version) (increase(http_server_request_duration_seconds_count{service_name="{{service}}",service_version=~"{{versionRegex}}",http_response_status_code=~"5.."}[{{window}}])) or vector(0)',
      },
    ]);
    let converted: string;
    let unconvertible: string;

    beforeAll(async () => {
      // Saved as earlier releases stored them: the SLI templates written into the row.
      for (const [service, slis] of [
        ['stored-defaults', LEGACY_DEFAULTS],
        ['stored-legacy', UNCONVERTIBLE],
      ]) {
        const saved = await t.gql(SAVE, {
          input: { service, environment: 'production', mode: 'ENFORCE' },
        });
        if (saved.errors) throw new Error(JSON.stringify(saved.errors));
        await t.db.dataSource.query(
          `UPDATE verification_policies SET slis = $1::jsonb WHERE service = $2`,
          [slis, service],
        );
      }
      converted = await deploy({
        eventId: 'stored-defaults-4.1.0',
        deploymentId: 'stored-defaults-4.1.0',
        service: 'stored-defaults',
        version: '4.1.0',
        previousVersion: '4.0.0',
        finishedAt: iso(T0),
      });
      unconvertible = await deploy({
        eventId: 'stored-legacy-5.1.0',
        deploymentId: 'stored-legacy-5.1.0',
        service: 'stored-legacy',
        version: '5.1.0',
        previousVersion: '5.0.0',
        finishedAt: iso(T0),
      });
      await tickUntil(T0 + 30, T0 + 180);
    });

    it('reads the old default templates as the new ones', async () => {
      const v = await verification(converted);
      expect(v.ticks.length).toBeGreaterThanOrEqual(5);
      expect(v.ticks.every((x) => x.classification === 'PASS')).toBe(true);
      const errors = v.ticks[0].evidence.slis.find((s) => s.name === 'errors')!;
      expect(errors.queries.canary[0]).toMatch(
        /^# converted from an increase\(\) template\n\(last_over_time\(http_server_request_duration_seconds_count\{/,
      );
      expect(errors.canary.total).toBeCloseTo(20 * 30, -1);
    });

    it('gives ERROR LEGACY_TEMPLATE ticks for a template it cannot convert: INCONCLUSIVE, never a rollback', async () => {
      const v = await verification(unconvertible);
      expect(v.state).toBe('INCONCLUSIVE');
      expect(v.rollbackRequestedAt).toBeNull();
      expect(v.ticks.every((x) => x.classification === 'ERROR')).toBe(true);
      expect(v.ticks[0].reason).toMatch(
        /canary LEGACY_TEMPLATE: an increase\(\)\/rate\(\) over \{\{window\}\} template/,
      );
    });
  });

  describe('against the real thing', () => {
    const client = () => new PrometheusClient(prometheus.url);
    const closeOrNull = (x: number | null): unknown =>
      x === null ? null : (expect.closeTo(x, 6) as unknown);

    it("models Prometheus' increase(), rate() and irate() on raw samples, resets and extrapolation included", async () => {
      // payments 1.9.0 stops at T0 and comes back from 0 at T0 + 300 (a reset of its counters).
      const selector =
        'http_server_request_duration_seconds_count{service_name="payments",service_version="1.9.0",http_response_status_code="200"}';
      for (const [end, range] of [
        [T0 + 330, 600],
        [T0 + 7, 60],
        [T0 + 340, 45],
        [T0 - 100, 30],
        [T0 + 303, 300],
        [T0 + 100, 30], // no sample: no value
      ] as const) {
        const [raw] = await client().rawSamples(`${selector}[${range}s]`, at(end));
        const samples = (raw?.points ?? []).map((p) => ({
          t: p.time.getTime() / 1000,
          v: p.value,
        }));
        const ask = async (fn: string) => {
          const r = await client().query(`${fn}(${selector}[${range}s])`, at(end));
          return r.type === 'vector' && r.samples.length > 0 ? r.samples[0].value : null;
        };
        expect([
          extrapolatedRate(samples, end, range, false),
          extrapolatedRate(samples, end, range, true),
          irate(samples, end, range),
        ]).toEqual([
          closeOrNull(await ask('increase')),
          closeOrNull(await ask('rate')),
          closeOrNull(await ask('irate')),
        ]);
      }
    });

    it('learns the scrape interval and tells samples stamped after the present', async () => {
      const source = new PrometheusSignalSource(client(), {
        service: 'payments',
        namespace: '',
        environment: 'production',
        version: null,
        previousVersion: null,
        preDeployVersion: null,
      });
      const probe = await probeScrape(source, DEFAULT_SLIS[0], at(T0), at(NOW));
      expect(probe).toMatchObject({ refreshIntervalSeconds: STEP, futureSamples: 0 });
      // Read as if the present were 40 minutes before the deploy: the history after it is "future".
      const skewed = await probeScrape(source, DEFAULT_SLIS[0], at(T0), at(T0 - 2400));
      expect(skewed.futureSamples).toBeGreaterThan(0);
    });
  });
});
