/**
 * Starting verifications from deployment events (DeploymentHooks), claiming due ticks with
 * FOR UPDATE SKIP LOCKED so that replicas share them and none runs twice, and what happens when
 * Prometheus does not answer: INCONCLUSIVE, a warning alert, never a rollback.
 */
import request from 'supertest';
import { VerificationRepository } from '../../src/verification/verification.repository.js';
import { VerificationService } from '../../src/verification/verification.service.js';
import { freePort } from '../../src/demo/prometheus-process.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const DEPLOYMENT = `mutation($input: DeploymentInput!) { recordDeployment(input: $input) { result entityId } }`;
const STATE = `query($id: ID!) { releaseVerification(deploymentId: $id) {
  state verdict reason policy { isDefault mode timing { intervalSeconds } } nextTickAt deployFinishedAt
  ticks { number classification reason stateAfter }
} }`;
const ANY = { batch: 10, perSubmitter: 100 };

describe('verification scheduling', () => {
  let t: TestApp;
  let verifications: VerificationService;
  let repo: VerificationRepository;
  const finished = new Date(Date.now() - 5 * 60_000);
  const iso = (d: Date): string => d.toISOString();
  const plus = (d: Date, s: number): Date => new Date(d.getTime() + s * 1000);

  beforeAll(async () => {
    t = await startTestApp({
      // Nobody listens there: Prometheus is down.
      PROMETHEUS_URL: `http://127.0.0.1:${await freePort()}`,
      ALERTMANAGER_URL: 'http://127.0.0.1:9',
    });
    verifications = t.app.get(VerificationService);
    repo = t.app.get(VerificationRepository);
  });
  afterAll(async () => {
    await t?.close();
  });

  let n = 0;
  async function deploy(input: Record<string, unknown>): Promise<string> {
    n++;
    const res = await t.gql(DEPLOYMENT, {
      input: {
        source: 'ci',
        eventId: `e${n}`,
        deploymentId: `d${n}`,
        environment: 'production',
        status: 'SUCCEEDED',
        version: `1.${n}.0`,
        previousVersion: `1.${n - 1}.0`,
        finishedAt: iso(finished),
        ...input,
      },
    });
    expect(res.errors).toBeUndefined();
    return (res.data!.recordDeployment as { entityId: string }).entityId;
  }

  async function state(id: string) {
    const res = await t.gql(STATE, { id });
    expect(res.errors).toBeUndefined();
    return res.data!.releaseVerification as {
      state: string;
      verdict: string | null;
      reason: string | null;
      nextTickAt: string | null;
      deployFinishedAt: string;
      policy: { isDefault: boolean; mode: string };
      ticks: { number: number; classification: string; reason: string; stateAfter: string }[];
    } | null;
  }

  it('refuses to save a policy while Prometheus does not answer: PROMETHEUS_UNAVAILABLE', async () => {
    const res = await t.gql(
      `mutation { saveVerificationPolicy(input: { service: "api", environment: "production" }) { id } }`,
    );
    expect(res.errors?.[0].extensions?.code).toBe('PROMETHEUS_UNAVAILABLE');
  });

  it('needs the admin scope to manage policies', async () => {
    const created = await t.gql(
      'mutation { createApiToken(input: { name: "ci", scopes: [INGEST, READ] }) { token } }',
    );
    const token = (created.data!.createApiToken as { token: string }).token;
    const res = await t.gql('{ verificationPolicies { id } }', undefined, token);
    expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('starts a verification when a production deployment succeeds, with the default policy', async () => {
    const id = await deploy({ service: 'api', startedAt: iso(plus(finished, -60)) });
    const v = await state(id);
    expect(v).toMatchObject({
      state: 'RUNNING',
      verdict: null,
      policy: { isDefault: true, mode: 'ADVISE' },
      deployFinishedAt: iso(finished),
      nextTickAt: iso(plus(finished, 30)),
      ticks: [],
    });
  });

  it('does not verify other tiers without a policy, unfinished deployments, or history imports', async () => {
    const staging = await deploy({ service: 'api', environment: 'staging' });
    const running = await deploy({ service: 'web', status: 'IN_PROGRESS', finishedAt: null });
    const old = await deploy({
      service: 'old',
      finishedAt: iso(new Date(Date.now() - 3 * 3600_000)),
    });
    for (const id of [staging, running, old]) expect(await state(id)).toBeNull();
    expect(await state('999999')).toBeNull();
  });

  it('supersedes a running verification when a newer deployment of the service succeeds', async () => {
    const first = await deploy({ service: 'cart' });
    const second = await deploy({ service: 'cart', finishedAt: iso(plus(finished, 20)) });
    expect((await state(first))!.state).toBe('SUPERSEDED');
    expect((await state(second))!.state).toBe('RUNNING');
  });

  it('lets two replicas claim due verifications without overlap; a lease keeps them claimed', async () => {
    const now = plus(finished, 60);
    const lease = plus(now, 60);
    const [a, b] = await Promise.all([
      repo.claimDue(now, 'replica-a', lease, { batch: 2, perSubmitter: 100 }),
      repo.claimDue(now, 'replica-b', lease, { batch: 10, perSubmitter: 100 }),
    ]);
    const running: { id: string }[] = await t.db.dataSource.query(
      `SELECT id FROM release_verifications WHERE state = 'RUNNING' ORDER BY id`,
    );
    expect(running.length).toBeGreaterThanOrEqual(2);
    expect([...a, ...b].sort()).toEqual(running.map((r) => String(r.id)).sort());
    expect(a.filter((id) => b.includes(id))).toEqual([]);
    // Claimed and leased: not due again for anyone before the lease ends, due after it.
    expect(await repo.claimDue(plus(now, 30), 'replica-c', plus(now, 90), ANY)).toEqual([]);
    const after = await repo.claimDue(plus(lease, 1), 'replica-c', plus(lease, 60), ANY);
    expect(after.sort()).toEqual(running.map((r) => String(r.id)).sort());
  });

  it('runs each due tick once even when two schedulers fire together', async () => {
    // The leases taken above end at +181 s.
    const now = plus(finished, 200);
    const runs = await Promise.all([
      verifications.runDueTicks(now),
      verifications.runDueTicks(now),
    ]);
    const ids = runs.flat().map((r) => r.verificationId);
    expect(new Set(ids).size).toBe(ids.length);
    const ticks: { verification_id: string; count: string }[] = await t.db.dataSource.query(
      `SELECT verification_id, count(*) AS count FROM verification_ticks GROUP BY verification_id`,
    );
    expect(ticks.length).toBe(ids.length);
    expect(ticks.every((x) => Number(x.count) === 1)).toBe(true);
  });

  it('turns query errors into INCONCLUSIVE after 5 blind ticks: a warning, never a rollback', async () => {
    const id = await deploy({ service: 'search' });
    for (let s = 30; s <= 150; s += 30) await verifications.runDueTicks(plus(finished, s));
    const v = (await state(id))!;
    expect(v.ticks.map((x) => x.classification)).toEqual(Array(5).fill('ERROR'));
    expect(v.ticks[0].reason).toMatch(/unavailable/);
    expect(v).toMatchObject({ state: 'INCONCLUSIVE', verdict: 'INCONCLUSIVE' });
    const outbox = await t.db.dataSource.query(
      `SELECT idempotency_key, kind FROM remediation_outbox WHERE deployment_id = $1`,
      [id],
    );
    expect(outbox).toEqual([
      { idempotency_key: `alert:${id}:INCONCLUSIVE:FIRING:ALERTMANAGER`, kind: 'ALERT' },
    ]);
    const [deployment] = await t.db.dataSource.query(
      `SELECT status FROM deployments WHERE id = $1`,
      [id],
    );
    expect(deployment.status).toBe('SUCCEEDED');
    // Final: no further tick.
    await verifications.runDueTicks(plus(finished, 600));
    expect((await state(id))!.ticks).toHaveLength(5);
  });

  it('counts ticks and verdicts in /metrics', async () => {
    const text = (await request(t.http).get('/metrics').expect(200)).text;
    expect(text).toMatch(/shipwatch_verification_ticks_total\{classification="ERROR"\} [1-9]/);
    expect(text).toMatch(/shipwatch_verifications_total\{verdict="INCONCLUSIVE"\} [1-9]/);
    expect(text).toMatch(/shipwatch_prometheus_query_errors_total\{reason="unavailable"\} [1-9]/);
    expect(text).toContain('shipwatch_verification_tick_duration_seconds_bucket');
  });
});
