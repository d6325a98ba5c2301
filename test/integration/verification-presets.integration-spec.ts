/**
 * RPC and messaging presets (issue 22 part 2) through a REAL Prometheus: gRPC servers (the current
 * `rpc.server.call.duration` and the older `rpc.server.duration`), queue consumers
 * (`messaging.process.duration`, `messaging.client.consumed.messages`, resource attributes on
 * target_info) and a worker with only its own counters, backfilled with
 * `promtool tsdb create-blocks-from openmetrics` (test/integration/workload-history.ts). Under
 * the default policy each service is judged on the families it exports (recorded in each tick's
 * evidence, `presets`); the worker, exporting none, is UNVERIFIED with the reason naming what was
 * looked for — and is judged by its own counters under a policy of its own (the example of
 * docs/verification.md "Verifying a worker by its own counters"). Backtests replay each release;
 * the live verifications are ticked through VerificationService as the scheduler would.
 */
import { startPrometheus, type RunningPrometheus } from '../../src/demo/prometheus-process.js';
import { VerificationService } from '../../src/verification/verification.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { workloadHistory, type WorkloadHistory, type WorkloadTraffic } from './workload-history.js';

const STEP = 15;
const NOW = Math.floor(Date.now() / 1000 / STEP) * STEP;
/** Every release deploys 25 minutes before the end of the history. */
const T0 = NOW - 25 * 60;
const at = (s: number): Date => new Date(s * 1000);
const NAMESPACE = 'shop';
const OLD = '1.9.0';
const NEW = '2.0.0';

/** A steady share, `bad` on the new version. */
const onNew =
  (old: number, bad: number) =>
  (version: string): number =>
    version === NEW ? bad : old;

function service(
  name: string,
  layout: WorkloadHistory['layout'],
  traffic: WorkloadTraffic[],
): WorkloadHistory {
  return {
    service: name,
    namespace: NAMESPACE,
    environment: 'production',
    layout,
    versions: [
      { version: OLD, from: T0 - 3600, to: T0 },
      { version: NEW, from: T0, to: NOW + STEP },
    ],
    traffic,
  };
}

const SERVICES = [
  // The older semconv; NOT_FOUND (a caller's error) on 3 % of the new version's calls; an HTTP
  // health endpoint at 0.2 requests/s beside it, too quiet to judge.
  service('grpc-good', 'labels', [
    {
      kind: 'rpc_legacy',
      rps: 40,
      errorRatio: onNew(0.0005, 0.0005),
      clientErrorRatio: onNew(0, 0.03),
    },
    { kind: 'http', rps: 0.2, errorRatio: () => 0 },
  ]),
  service('grpc-bad', 'labels', [{ kind: 'rpc', rps: 40, errorRatio: onNew(0.0005, 0.1) }]),
  service('consumer-good', 'target_info', [
    { kind: 'messaging', rps: 30, errorRatio: onNew(0.0005, 0.0005) },
  ]),
  service('consumer-bad', 'target_info', [
    { kind: 'messaging', rps: 30, errorRatio: onNew(0.0005, 0.08) },
  ]),
  service('worker-good', 'labels', [{ kind: 'jobs', rps: 20, errorRatio: onNew(0.001, 0.001) }]),
  service('worker-bad', 'labels', [{ kind: 'jobs', rps: 20, errorRatio: onNew(0.001, 0.1) }]),
];

/** The worker's SLI of docs/verification.md, as `saveVerificationPolicy` takes it. */
const WORKER_SLI = {
  name: 'jobs',
  objective: 0.999,
  totalQuery:
    'jobs_processed_total{service_name="{{service}}",deployment_environment_name="{{environment}}",service_version=~"{{versionRegex}}"}',
  badQuery:
    'jobs_failed_total{service_name="{{service}}",deployment_environment_name="{{environment}}",service_version=~"{{versionRegex}}"} or vector(0)',
};

const BACKTEST = `query($input: BacktestPolicyInput!) { backtestPolicy(input: $input) {
  deployments { verdict reason wouldRollBack secondsToVerdict ticks { classification reason evidence } } } }`;

interface Presets {
  chosen: string[];
  quiet: string[];
  found: { name: string; series: number | null; error: string | null }[];
  noSignals: string | null;
}
interface Tick {
  classification: string;
  reason: string;
  evidence: { slis: { name: string }[]; presets?: Presets };
}
interface Backtest {
  verdict: string;
  reason: string;
  wouldRollBack: boolean;
  secondsToVerdict: number | null;
  ticks: Tick[];
}

const LOOKED_FOR = [
  'http_server_request_duration_seconds_count',
  'rpc_server_call_duration_seconds_count',
  'rpc_server_duration_milliseconds_count',
  'messaging_process_duration_seconds_count',
  'messaging_client_consumed_messages_total',
];

describe('RPC and messaging presets through a real Prometheus', () => {
  let prometheus: RunningPrometheus;
  let t: TestApp;
  const deployments = new Map<string, string>();

  beforeAll(async () => {
    prometheus = await startPrometheus({ scrapeTargets: [], backfill: workloadHistory(SERVICES) });
    t = await startTestApp({ PROMETHEUS_URL: prometheus.url });
    for (const s of SERVICES) {
      const res = await t.gql(
        `mutation($input: DeploymentInput!) { recordDeployment(input: $input) { result entityId } }`,
        {
          input: {
            source: 'ci',
            eventId: `${s.service}-deploy`,
            deploymentId: `${s.service}-${NEW}`,
            service: s.service,
            namespace: NAMESPACE,
            environment: 'production',
            version: NEW,
            previousVersion: OLD,
            status: 'SUCCEEDED',
            finishedAt: at(T0).toISOString(),
          },
        },
      );
      const outcome = res.data?.recordDeployment as { result: string; entityId: string } | null;
      if (outcome?.result !== 'ACCEPTED') {
        throw new Error(`recordDeployment refused: ${JSON.stringify(res)}`);
      }
      deployments.set(s.service, outcome.entityId);
    }
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await prometheus?.stop();
  });

  async function backtest(name: string, policy: Record<string, unknown>): Promise<Backtest> {
    const res = await t.gql(BACKTEST, {
      input: {
        service: name,
        namespace: NAMESPACE,
        environment: 'production',
        deploymentIds: [deployments.get(name)],
        policy: { mode: 'ENFORCE', ...policy },
      },
    });
    expect(res.errors).toBeUndefined();
    return (res.data!.backtestPolicy as { deployments: Backtest[] }).deployments[0];
  }
  const judgedWith = (b: Backtest): string[] => [
    ...new Set(b.ticks.flatMap((k) => k.evidence.slis.map((s) => s.name))),
  ];

  it('judges a gRPC server on its RPC metrics: the older semconv, a caller error is not a server error, a quiet HTTP endpoint beside it left out', async () => {
    const b = await backtest('grpc-good', {});
    expect(b).toMatchObject({ verdict: 'HEALTHY', wouldRollBack: false });
    const presets = b.ticks.at(-1)!.evidence.presets!;
    expect(presets.chosen).toEqual(['http', 'rpc']);
    expect(presets.quiet).toEqual(['http']);
    expect(presets.found.map((f) => [f.name, f.series! > 0])).toEqual([
      ['http', true],
      ['rpc', true],
      ['messaging', false],
      ['messaging_consumed', false],
    ]);
    expect(judgedWith(b)).toEqual(['rpc_errors', 'rpc_latency']);
  }, 120_000);

  it('rolls back a gRPC release answering UNAVAILABLE (rpc.server.call.duration)', async () => {
    const b = await backtest('grpc-bad', {});
    expect(b).toMatchObject({ verdict: 'FAILED', wouldRollBack: true });
    expect(b.secondsToVerdict).toBeLessThanOrEqual(180);
    expect(b.reason).toMatch(/CRITICAL/);
    const failing = b.ticks.find((k) => k.classification === 'CRITICAL')!;
    expect(failing.evidence.presets!.chosen).toEqual(['rpc']);
    expect(failing.reason).toMatch(/^rpc_errors: critical/);
  }, 120_000);

  it('judges a queue consumer on messaging.process.duration and its consumed messages (target_info layout)', async () => {
    const good = await backtest('consumer-good', {});
    expect(good).toMatchObject({ verdict: 'HEALTHY', wouldRollBack: false });
    expect(good.ticks.at(-1)!.evidence.presets!.chosen).toEqual([
      'messaging',
      'messaging_consumed',
    ]);
    expect(judgedWith(good)).toEqual(['messaging_errors', 'messaging_latency', 'consumed_errors']);

    const bad = await backtest('consumer-bad', {});
    expect(bad).toMatchObject({ verdict: 'FAILED', wouldRollBack: true });
    expect(bad.secondsToVerdict).toBeLessThanOrEqual(180);
  }, 120_000);

  it('leaves a service exporting no default family UNVERIFIED, naming what it looked for', async () => {
    const b = await backtest('worker-bad', {});
    expect(b).toMatchObject({ verdict: 'UNVERIFIED', wouldRollBack: false });
    // The 5th tick after the 60 s warm-up (more than consecutiveErrorLimit, 4, found nothing).
    expect(b.secondsToVerdict).toBe(210);
    for (const metric of LOOKED_FOR) expect(b.reason).toContain(metric);
    expect(b.ticks.at(-1)!.evidence.presets).toMatchObject({ chosen: [], quiet: [] });
  }, 120_000);

  it('verifies a worker by its own counters (the documented policy)', async () => {
    const good = await backtest('worker-good', { slis: [WORKER_SLI] });
    expect(good).toMatchObject({ verdict: 'HEALTHY', wouldRollBack: false });
    // A policy's own SLIs: no preset is looked up.
    expect(good.ticks.every((k) => k.evidence.presets === undefined)).toBe(true);
    const bad = await backtest('worker-bad', { slis: [WORKER_SLI] });
    expect(bad).toMatchObject({ verdict: 'FAILED', wouldRollBack: true });
    expect(bad.reason).toMatch(/CRITICAL/);
  }, 120_000);

  it('live: ticks record the presets, a bad consumer fails, a worker under the default policy ends UNVERIFIED', async () => {
    const verifications = t.app.get(VerificationService);
    for (let s = T0 + 30; s <= T0 + 240; s += 30) await verifications.runDueTicks(at(s));
    const read = async (name: string) => {
      const res = await t.gql(
        `query($id: ID!) { releaseVerification(deploymentId: $id) { state reason ticks { evidence } } }`,
        { id: deployments.get(name) },
      );
      expect(res.errors).toBeUndefined();
      return res.data!.releaseVerification as {
        state: string;
        reason: string;
        ticks: { evidence: { presets?: Presets } }[];
      };
    };
    const worker = await read('worker-good');
    expect(worker.state).toBe('UNVERIFIED');
    for (const metric of LOOKED_FOR) expect(worker.reason).toContain(metric);
    // Each tick looked every family up and found none (ticked as the fair claim allows).
    expect(worker.ticks.length).toBeGreaterThan(0);
    for (const tick of worker.ticks) {
      expect(tick.evidence.presets).toMatchObject({ chosen: [], noSignals: worker.reason });
    }
    const consumer = await read('consumer-bad');
    expect(consumer.state).toBe('FAILED');
    expect(consumer.ticks[0].evidence.presets!.chosen).toEqual(['messaging', 'messaging_consumed']);
    const grpc = await read('grpc-good');
    expect(grpc.state).toBe('RUNNING');
    expect(grpc.ticks.at(-1)!.evidence.presets).toMatchObject({
      chosen: ['http', 'rpc'],
      quiet: ['http'],
    });
  }, 120_000);
});
