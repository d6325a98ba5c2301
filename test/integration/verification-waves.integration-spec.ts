/**
 * Multi-target releases (issue 22 part 4) through a REAL Prometheus holding backfilled
 * OpenTelemetry HTTP metrics with a `region` label (promtool create-blocks-from openmetrics):
 * `2.0.0` of one service goes to regions a, b and d in waves. Region b regresses (8 % errors),
 * a does not, d never reports. Under a policy with `targetLabel: region` each wave is verified
 * on its own series — a HEALTHY, b FAILED and rolled back, d UNVERIFIED (no evidence, never a
 * rollback) — the gate for the next wave (c) denies with WAVE_FAILED, and DORA counts the
 * release once, failed once, while `releaseTargets` still lists every wave.
 */
import { DataSource } from 'typeorm';
import { startPrometheus, type RunningPrometheus } from '../../src/demo/prometheus-process.js';
import { VerificationService } from '../../src/verification/verification.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { DORA_PERIOD_FIELDS, staleFacts } from './dora-support.js';
import { openMetricsHistory, type ServiceHistory } from './verification-history.js';

const STEP = 15;
const NOW = Math.floor(Date.now() / 1000 / STEP) * STEP;
/** The first wave finished 40 minutes ago; history starts an hour before it. */
const T0 = NOW - 40 * 60;
const START = T0 - 3600;
const at = (s: number): Date => new Date(s * 1000);
const SERVICE = 'waves-shop';
const OLD = '1.9.0';
const NEW = '2.0.0';

const steady = (x: number) => () => x;
/** One region's traffic: 20 requests/s of 1.9.0, then of 2.0.0 from T0 at `newErrors`. */
const region = (name: string, newErrors: number): ServiceHistory => ({
  service: SERVICE,
  namespace: '',
  environment: 'production',
  layout: 'labels',
  labels: { region: name },
  versions: [
    {
      version: OLD,
      from: START,
      to: T0,
      rps: steady(20),
      errorRatio: steady(0.001),
      slowRatio: steady(0.005),
    },
    {
      version: NEW,
      from: T0,
      to: NOW + STEP,
      rps: steady(20),
      errorRatio: steady(newErrors),
      slowRatio: steady(0.005),
    },
  ],
});
// Region d never reports (no series at all); c has not received 2.0.0 yet.
const HISTORY = openMetricsHistory([region('a', 0.001), region('b', 0.08)]);

const DEPLOYMENT = `mutation($input: DeploymentInput!) { recordDeployment(input: $input) { result entityId } }`;
const SAVE = `mutation($input: SaveVerificationPolicyInput!) { saveVerificationPolicy(input: $input) { id targetLabel } }`;
const GATE = `query($target: String) { deploymentGate(service: "${SERVICE}", environment: "production", version: "${NEW}", target: $target) {
  decision target reasons { code level message } waves { target deploymentId status verification } } }`;

interface Gate {
  decision: string;
  target: string | null;
  reasons: { code: string; level: string; message: string }[];
  waves: { target: string; deploymentId: string; status: string; verification: string | null }[];
}

describe('multi-target releases (waves) through a real Prometheus', () => {
  let prometheus: RunningPrometheus;
  let t: TestApp;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    prometheus = await startPrometheus({ scrapeTargets: [], backfill: HISTORY });
    t = await startTestApp({
      PROMETHEUS_URL: prometheus.url,
      SHIPWATCH_OUTBOUND_PRIVATE_HOSTS: '127.0.0.1:9',
    });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await prometheus?.stop();
  });

  const deploy = async (target: string, finishedAt: number) => {
    const res = await t.gql(DEPLOYMENT, {
      input: {
        source: 'ci',
        eventId: `${SERVICE}-${target}`,
        deploymentId: `${SERVICE}-${NEW}-${target}`,
        service: SERVICE,
        environment: 'production',
        target,
        version: NEW,
        previousVersion: OLD,
        status: 'SUCCEEDED',
        finishedAt: at(finishedAt).toISOString(),
      },
    });
    expect(res.errors).toBeUndefined();
    const outcome = res.data!.recordDeployment as { result: string; entityId: string };
    expect(outcome.result).toBe('ACCEPTED');
    ids.set(target, outcome.entityId);
  };

  const verification = async (target: string) => {
    const res = await t.gql(
      `query($id: ID!) { releaseVerification(deploymentId: $id) { state reason target ticks { evidence } } }`,
      { id: ids.get(target) },
    );
    expect(res.errors).toBeUndefined();
    return res.data!.releaseVerification as {
      state: string;
      reason: string;
      target: string | null;
      ticks: { evidence: { slis?: { queries?: { canary?: string[] } }[] } }[];
    };
  };

  const gate = async (target: string | null): Promise<Gate> => {
    const res = await t.gql(GATE, { target });
    expect(res.errors).toBeUndefined();
    return res.data!.deploymentGate as Gate;
  };

  it('refuses a bad target and a bad targetLabel with coded errors, storing nothing', async () => {
    const bad = await t.gql(DEPLOYMENT, {
      input: {
        source: 'ci',
        eventId: 'bad-target',
        deploymentId: 'bad-target',
        service: SERVICE,
        environment: 'production',
        target: 'eu west',
        status: 'SUCCEEDED',
      },
    });
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0].extensions?.errors).toEqual([
      { field: 'target', message: expect.stringMatching(/letters, digits/) },
    ]);
    const gateRes = await t.gql(GATE, { target: 'a{b}' });
    expect(gateRes.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const policy = await t.gql(SAVE, {
      input: { service: SERVICE, environment: 'production', targetLabel: 'cloud.region' },
    });
    expect(policy.errors?.[0].extensions?.code).toBe('INVALID_POLICY');
    const stored: { n: number }[] = await t.app
      .get(DataSource)
      .query(`SELECT count(*)::int AS n FROM deployments WHERE external_id = 'bad-target'`);
    expect(stored[0].n).toBe(0);
  });

  it('verifies each wave on its own series: a HEALTHY, b FAILED and rolled back, d (silent) UNVERIFIED', async () => {
    const saved = await t.gql(SAVE, {
      input: {
        service: SERVICE,
        environment: 'production',
        mode: 'ENFORCE',
        targetLabel: 'region',
        rollbackTarget: {
          kind: 'WEBHOOK',
          url: 'http://127.0.0.1:9/rollback',
          secret: 'a-very-secret-value',
        },
      },
    });
    expect(saved.errors).toBeUndefined();
    expect(saved.data!.saveVerificationPolicy).toMatchObject({ targetLabel: 'region' });

    await deploy('a', T0);
    await deploy('b', T0 + 30);
    // While a and b are verified, the next wave waits.
    const waiting = await gate('c');
    expect(waiting.decision).toBe('DENY');
    expect(waiting.reasons.filter((r) => r.code === 'WAVE_VERIFYING')).toHaveLength(2);
    await deploy('d', T0 + 60);

    const verifications = t.app.get(VerificationService);
    for (let s = T0 + 30; s <= T0 + 720; s += 30) await verifications.runDueTicks(at(s));

    const [a, b, d] = [await verification('a'), await verification('b'), await verification('d')];
    expect(a.state).toBe('HEALTHY');
    expect(b).toMatchObject({ state: 'FAILED', target: 'b' });
    // A target that never reports is no evidence: UNVERIFIED, never a rollback.
    expect(d.state).toBe('UNVERIFIED');
    expect(d.reason).toContain('with region="d"');
    expect(d.reason).toContain('this target never reported');
    // Each wave read its own region, the new version and the baseline alike.
    const queries = b.ticks
      .flatMap((k) => k.evidence.slis ?? [])
      .flatMap((s) => s.queries?.canary ?? []);
    expect(queries.length).toBeGreaterThan(0);
    for (const q of queries) expect(q).toContain('region="b"');

    const res = await t.gql(
      `query($id: ID!) { deployment(id: $id) { status target releaseTargets { target status verification countsInDora } } }`,
      { id: ids.get('b') },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.deployment).toEqual({
      status: 'ROLLED_BACK',
      target: 'b',
      releaseTargets: [
        { target: 'a', status: 'SUCCEEDED', verification: 'HEALTHY', countsInDora: true },
        { target: 'b', status: 'ROLLED_BACK', verification: 'FAILED', countsInDora: false },
        { target: 'd', status: 'SUCCEEDED', verification: 'UNVERIFIED', countsInDora: false },
      ],
    });
    const dStatus = await t.gql(`query($id: ID!) { deployment(id: $id) { status } }`, {
      id: ids.get('d'),
    });
    expect(dStatus.data!.deployment).toEqual({ status: 'SUCCEEDED' });
  }, 240_000);

  it('denies the next wave (c) on the failed one, naming it; warns of the silent one', async () => {
    const answer = await gate('c');
    expect(answer.decision).toBe('DENY');
    expect(answer.target).toBe('c');
    expect(answer.reasons).toContainEqual({
      code: 'WAVE_FAILED',
      level: 'DENY',
      message: `${SERVICE} ${NEW} in b (deployment ${ids.get('b')}) was rolled back: this wave would ship the same release`,
    });
    expect(answer.reasons.filter((r) => r.code === 'WAVE_UNVERIFIED')).toHaveLength(1);
    expect(answer.reasons.some((r) => r.code === 'WAVE_VERIFYING')).toBe(false);
    expect(answer.waves).toEqual([
      { target: 'a', deploymentId: ids.get('a'), status: 'SUCCEEDED', verification: 'HEALTHY' },
      { target: 'b', deploymentId: ids.get('b'), status: 'ROLLED_BACK', verification: 'FAILED' },
      { target: 'd', deploymentId: ids.get('d'), status: 'SUCCEEDED', verification: 'UNVERIFIED' },
    ]);
    // The wave's error budget is its own target's (c serves no 2.0.0 traffic, b's burn is b's).
    expect(answer.reasons.some((r) => r.code === 'ERROR_BUDGET_BURNING')).toBe(false);
    // Without a target the gate answers as before: no waves, every region's budget.
    const whole = await gate(null);
    expect(whole.waves).toEqual([]);
    expect(whole.reasons.some((r) => r.code.startsWith('WAVE_'))).toBe(false);
    expect(whole.reasons.some((r) => r.code === 'ERROR_BUDGET_BURNING')).toBe(true);
  });

  it('counts the release once in DORA (its first target’s finish), failed once', async () => {
    const res = await t.gql(
      `query($filter: DoraMetricsFilter!) { doraMetrics(filter: $filter) { window { ${DORA_PERIOD_FIELDS} } } }`,
      {
        filter: {
          from: at(T0 - 3600).toISOString(),
          to: at(NOW + 3600).toISOString(),
          services: [SERVICE],
        },
      },
    );
    expect(res.errors).toBeUndefined();
    const window = (
      res.data!.doraMetrics as {
        window: {
          deploymentFrequency: { deployments: number };
          changeFailureRate: { failed: number; total: number };
          deploymentReworkRate: { total: number };
        };
      }
    ).window;
    expect(window.deploymentFrequency.deployments).toBe(1);
    expect(window.changeFailureRate).toMatchObject({ failed: 1, total: 1 });
    expect(window.deploymentReworkRate.total).toBe(1);
    const ds = t.app.get(DataSource);
    const facts: { deployment_id: string; finished_at: Date; failure_evidence: string[] }[] =
      await ds.query(
        `SELECT f.deployment_id, f.finished_at, f.failure_evidence FROM dora_deployment_facts f
           JOIN deployments d ON d.id = f.deployment_id JOIN services s ON s.id = d.service_id
          WHERE s.name = $1`,
        [SERVICE],
      );
    expect(facts).toEqual([
      {
        deployment_id: ids.get('a'),
        finished_at: at(T0),
        failure_evidence: expect.arrayContaining(['ROLLED_BACK']),
      },
    ]);
    // The facts kept up incrementally equal the definitions computed afresh.
    expect(await staleFacts(ds)).toEqual([]);
  });
});
