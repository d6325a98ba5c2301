/**
 * No token can starve release verification. One INGEST token floods Shipwatch with 3,000 fake
 * production deployments (3 ingestEvents calls over HTTP, every one a different service and
 * source, all due before the real release); another token then records a bad release of a
 * service whose history sits in a REAL Prometheus. The scheduler's passes are driven second by
 * second at simulated instants (runDueTicks(now)): the real release's ticks run when they are due,
 * not behind the flood, and its rollback is requested within 90 s of the onset. Measured in
 * ticks and passes, never in wall-clock time.
 */
import request from 'supertest';
import { startPrometheus, type RunningPrometheus } from '../../src/demo/prometheus-process.js';
import { VerificationRepository } from '../../src/verification/verification.repository.js';
import { VerificationService } from '../../src/verification/verification.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { badReleaseHistory, openMetricsHistory } from './verification-history.js';

const STEP = 15;
const NOW = Math.floor(Date.now() / 1000 / STEP) * STEP;
/** The bad release finished 30 minutes ago (the onset); history starts an hour before. */
const T0 = NOW - 30 * 60;
const at = (s: number): Date => new Date(s * 1000);
const iso = (s: number): string => at(s).toISOString();

const FLOOD = 3_000;
const BATCH = 1_000;
const PER_SUBMITTER = 5;
const PASS_STEP = 5;

const HISTORY = openMetricsHistory([badReleaseHistory('checkout', T0, NOW)]);

describe('fair verification scheduling under a flood of fake deployments', () => {
  let prometheus: RunningPrometheus;
  let t: TestApp;
  let verifications: VerificationService;
  const tokens: Record<'flood' | 'release', { token: string; id: string }> = {} as never;
  let release: string;

  beforeAll(async () => {
    prometheus = await startPrometheus({ scrapeTargets: [], backfill: HISTORY });
    t = await startTestApp({
      PROMETHEUS_URL: prometheus.url,
      SHIPWATCH_OUTBOUND_PRIVATE_HOSTS: '127.0.0.1:9',
      VERIFICATION_MAX_RUNNING_PER_REPLICA: '10',
      VERIFICATION_MAX_RUNNING_PER_SUBMITTER: String(PER_SUBMITTER),
    });
    verifications = t.app.get(VerificationService);
    for (const name of ['flood', 'release'] as const) {
      const res = await t.gql(
        `mutation($name: String!) { createApiToken(input: { name: $name, scopes: [INGEST] }) {
          token apiToken { id } } }`,
        { name },
      );
      if (res.errors) throw new Error(JSON.stringify(res.errors));
      const created = res.data!.createApiToken as { token: string; apiToken: { id: string } };
      tokens[name] = { token: created.token, id: created.apiToken.id };
    }
    const saved = await t.gql(
      `mutation($input: SaveVerificationPolicyInput!) { saveVerificationPolicy(input: $input) { id } }`,
      {
        input: {
          service: 'checkout',
          environment: 'production',
          mode: 'ENFORCE',
          alertChannels: [],
          rollbackTarget: {
            kind: 'WEBHOOK',
            url: 'http://127.0.0.1:9/rollback',
            secret: 'a-rollback-secret-of-the-test',
          },
        },
      },
    );
    if (saved.errors) throw new Error(JSON.stringify(saved.errors));
  });
  afterAll(async () => {
    await t?.close();
    await prometheus?.stop();
  });

  it('takes 3,000 fake production deployments from one token, each verified by the default policy', async () => {
    for (let from = 0; from < FLOOD; from += BATCH) {
      const events = Array.from({ length: BATCH }, (_, k) => {
        const i = from + k;
        return {
          deployment: {
            source: `flood-${i % 97}`,
            eventId: `fake-${i}`,
            deploymentId: `fake-${i}`,
            service: `fake-${i}`,
            environment: 'production',
            status: 'SUCCEEDED',
            version: '6.6.6',
            previousVersion: '6.6.5',
            // Due a minute before the real release's first tick: oldest-first would serve them all first.
            finishedAt: iso(T0 - 60),
          },
        };
      });
      const res = await t.gql(
        `mutation($events: [EventInput!]!) { ingestEvents(events: $events) { result } }`,
        { events },
        tokens.flood.token,
      );
      expect(res.errors).toBeUndefined();
      const results = (res.data!.ingestEvents as { result: string }[]).map((r) => r.result);
      expect(results.filter((r) => r === 'ACCEPTED')).toHaveLength(BATCH);
    }
    const bySubmitter: { submitted_by: string; n: number }[] = await t.db.dataSource.query(
      `SELECT submitted_by, count(*)::int AS n FROM release_verifications
        WHERE state = 'RUNNING' GROUP BY submitted_by`,
    );
    expect(bySubmitter).toEqual([{ submitted_by: `token:${tokens.flood.id}`, n: FLOOD }]);
  });

  it('ticks the real release when due and requests its rollback within 90 s of the onset', async () => {
    const res = await t.gql(
      `mutation($input: DeploymentInput!) { recordDeployment(input: $input) { result entityId } }`,
      {
        input: {
          source: 'ci',
          eventId: 'checkout-2.0.0',
          deploymentId: 'checkout-2.0.0',
          service: 'checkout',
          environment: 'production',
          status: 'SUCCEEDED',
          version: '2.0.0',
          previousVersion: '1.9.0',
          finishedAt: iso(T0),
        },
      },
      tokens.release.token,
    );
    expect(res.errors).toBeUndefined();
    release = (res.data!.recordDeployment as { entityId: string }).entityId;

    // Scheduler passes from the onset to 90 s after it (every 5 s, to keep the test short: the
    // scheduler passes every second, so a real pass comes even sooner after a tick falls due).
    const floodRunsPerPass: number[] = [];
    for (let s = T0; s <= T0 + 90; s += PASS_STEP) {
      const runs = await verifications.runDueTicks(at(s));
      floodRunsPerPass.push(runs.filter((r) => r.deploymentId !== release).length);
    }
    const v = await t.gql(
      `query($id: ID!) { releaseVerification(deploymentId: $id) {
        state rollbackRequestedAt rollbackBlockedReason ticks { at classification } } }`,
      { id: release },
    );
    expect(v.errors).toBeUndefined();
    const verification = v.data!.releaseVerification as {
      state: string;
      rollbackRequestedAt: string | null;
      rollbackBlockedReason: string | null;
      ticks: { at: string; classification: string }[];
    };
    // Every tick ran in the pass where it fell due (30 s interval): none waited behind the flood.
    verification.ticks.forEach((tick, i) => expect(tick.at).toBe(iso(T0 + 30 * (i + 1))));
    expect(verification.state).toBe('FAILED');
    expect(verification.rollbackBlockedReason).toBeNull();
    expect(verification.rollbackRequestedAt).not.toBeNull();
    const delay = (Date.parse(verification.rollbackRequestedAt!) - at(T0).getTime()) / 1000;
    expect(delay).toBeLessThanOrEqual(90);
    const outbox = await t.db.dataSource.query(
      `SELECT idempotency_key FROM remediation_outbox WHERE deployment_id = $1 AND kind = 'ROLLBACK'`,
      [release],
    );
    expect(outbox).toEqual([{ idempotency_key: `rollback:${release}` }]);

    // The flood kept its capped share of every pass and is far from served: oldest-first
    // claiming would still be working through it.
    expect(Math.max(...floodRunsPerPass)).toBe(PER_SUBMITTER);
    const [waiting] = await t.db.dataSource.query(
      `SELECT count(*)::int AS n FROM release_verifications
        WHERE submitted_by = $1 AND next_tick_at <= $2`,
      [`token:${tokens.flood.id}`, at(T0 + 90)],
    );
    expect(waiting.n).toBeGreaterThan(FLOOD - floodRunsPerPass.length * PER_SUBMITTER);
  });

  it('exposes the lag of the oldest due tick, from the database, on /metrics', async () => {
    const [oldest] = await t.db.dataSource.query(
      `SELECT min(next_tick_at) AS at FROM release_verifications
        WHERE state = 'RUNNING' AND next_tick_at <= now()`,
    );
    const before = (Date.now() - new Date(oldest.at).getTime()) / 1000;
    const text = (await request(t.http).get('/metrics').expect(200)).text;
    const after = (Date.now() - new Date(oldest.at).getTime()) / 1000;
    const lag = Number(
      /^shipwatch_verification_oldest_due_tick_lag_seconds (\S+)$/m.exec(text)?.[1],
    );
    // The flood's oldest tick fell due about half an hour ago (simulated passes stopped then).
    expect(lag).toBeGreaterThanOrEqual(before);
    expect(lag).toBeLessThanOrEqual(after);
    expect(lag).toBeGreaterThan(25 * 60);
  });

  it('caps the leases of one submitter across replicas', async () => {
    const repo = t.app.get(VerificationRepository);
    // A fresh pass long after: every flood verification is due, the released one is final.
    const now = at(NOW);
    const claimed = await repo.claimDue(now, 'replica-x', at(NOW + 60), {
      batch: 10,
      perSubmitter: 3,
    });
    expect(claimed).toHaveLength(3);
    // Leases count against the cap across replicas: nothing more of this submitter until they end.
    expect(
      await repo.claimDue(now, 'replica-y', at(NOW + 60), { batch: 10, perSubmitter: 3 }),
    ).toEqual([]);
    expect(
      await repo.claimDue(now, 'replica-y', at(NOW + 60), { batch: 10, perSubmitter: 5 }),
    ).toHaveLength(2);
  });
});
