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
import { startTestApp, type TestApp } from '../support/test-app.js';
import { openMetricsHistory, type VersionTraffic } from './verification-history.js';

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
      SHIPWATCH_OUTBOUND_ALLOWED_HOSTS: '127.0.0.1:9',
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

    it('reports an unreachable Prometheus as unavailable', async () => {
      const client = new PrometheusClient(`http://127.0.0.1:${await freePort()}`, 2000);
      await expect(client.value('vector(1)', at(T0))).rejects.toBeInstanceOf(
        PrometheusUnavailableError,
      );
    });
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
      const res = await t.gql(SAVE, {
        input: {
          service: 'checkout',
          namespace: 'shop',
          environment: 'staging',
          slis: [
            {
              name: 'errors',
              objective: 0.999,
              totalQuery: 'sum(increase(http_server_request_duration_seconds_count[{{window}}])',
              badQuery: 'sum(increase(x[{{window}}])) or vector(0)',
            },
          ],
        },
      });
      expect(res.errors?.[0].extensions?.code).toBe('INVALID_POLICY');
      expect(res.errors?.[0].extensions?.problems).toEqual([
        {
          field: 'slis[0].totalQuery',
          message: expect.stringMatching(/Prometheus refused it: .*parse error/),
        },
      ]);
    });

    it('refuses templates without {{window}} or with unknown placeholders before asking Prometheus', async () => {
      const res = await t.gql(SAVE, {
        input: {
          service: 'checkout',
          environment: 'staging',
          slis: [
            {
              name: 'errors',
              objective: 0.999,
              totalQuery: 'sum(x{a="{{servce}}"})',
              badQuery: 'vector(0)',
            },
          ],
        },
      });
      expect(res.errors?.[0].extensions?.code).toBe('INVALID_POLICY');
      expect(res.errors?.[0].message).toMatch(/unknown placeholder \{\{servce\}\}/);
    });
  });

  describe('verifications', () => {
    let checkout: string;
    let payments: string;
    let search: string;
    let legacy: string;

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
        { idempotency_key: `rollback:${payments}`, kind: 'ROLLBACK' },
        { idempotency_key: `alert:${payments}:FAILED:FIRING:ALERTMANAGER`, kind: 'ALERT' },
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

    it('declares the healthy canary HEALTHY at the end of the bake, without any action', async () => {
      await tickUntil(T0 + 510, T0 + 630);
      const v = await verification(checkout);
      expect(v.state).toBe('HEALTHY');
      expect(v.baselineKind).toBe('CONCURRENT');
      // Every tick the test drove (30 s apart, a few skipped while other tests ran) passed.
      expect(v.ticks.length).toBeGreaterThanOrEqual(MIN_EVALUATED_TICKS);
      expect(v.ticks.every((x) => x.classification === 'PASS')).toBe(true);
      const outbox = await t.db.dataSource.query(
        `SELECT 1 FROM remediation_outbox WHERE deployment_id = $1`,
        [checkout],
      );
      expect(outbox).toEqual([]);
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
  });
});
