import { generateKeyPairSync } from 'node:crypto';
import request from 'supertest';
import { OutboxDispatcher } from '../../src/remediation/outbox.dispatcher.js';
import { startFakeGithub, type FakeGithub } from '../support/fake-github.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { GITHUB_TEST_SECRET, signedGithub, vendorFixture } from '../support/webhooks.js';

const APP_ID = 424242;
const SHA = 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e';
const LOCK = `mutation($input: DeployLockInput!) { lockDeployments(input: $input) { id } }`;
const UNLOCK = `mutation($id: ID!) { unlockDeployments(id: $id) { id } }`;

/** GitHub's deployment_protection_rule (requested) payload: test/fixtures/github/.../README.md. */
const documented = (): Record<string, unknown> =>
  vendorFixture('github', 'deployment_protection_rule/requested.payload.json').payload;

interface OutboxRow {
  status: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date;
}

describe('GitHub deployment protection rule: Shipwatch as a GitHub App (fake GitHub)', () => {
  const keys = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  let github: FakeGithub;
  let t: TestApp;
  let dispatcher: OutboxDispatcher;
  let run = 548282931;

  beforeAll(async () => {
    github = await startFakeGithub({ appId: APP_ID, publicKey: keys.publicKey });
    t = await startTestApp({
      GITHUB_WEBHOOK_SECRET: GITHUB_TEST_SECRET,
      GITHUB_APP_ID: String(APP_ID),
      GITHUB_APP_PRIVATE_KEY: keys.privateKey,
      GITHUB_API_URL: github.url,
    });
    dispatcher = t.app.get(OutboxDispatcher);
  });
  afterAll(async () => {
    await t?.close();
    await github?.stop();
  });
  beforeEach(async () => {
    github.reset();
    await t.db.dataSource.query('TRUNCATE remediation_outbox');
  });

  /** The documented request for a new workflow run, its callback on the fake GitHub. */
  function asked(change: (p: Record<string, unknown>) => void = () => {}) {
    run += 1;
    const payload = documented();
    payload.deployment_callback_url = `${github.url}/repos/Codertocat/Hello-World/actions/runs/${run}/deployment_protection_rule`;
    change(payload);
    return payload;
  }

  const send = (payload: unknown, delivery = `dpr-${run}`, secret?: string) => {
    const d = signedGithub('deployment_protection_rule', payload, delivery, secret);
    return request(t.http).post('/webhooks/github').set(d.headers).send(d.body);
  };

  const outbox = (): Promise<OutboxRow[]> =>
    t.db.dataSource.query(
      `SELECT status, attempts, last_error, next_attempt_at FROM remediation_outbox
        WHERE kind = 'GITHUB_PROTECTION' ORDER BY id`,
    );
  const stored = async (): Promise<number> => {
    const [row] = await t.db.dataSource.query<{ n: string }[]>(
      `SELECT count(*) AS n FROM raw_events WHERE headers->>'x-github-event' = 'deployment_protection_rule'`,
    );
    return Number(row.n);
  };

  it('answers 202 at once, then approves an ALLOWed deployment with an installation token', async () => {
    const res = await send(asked());
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      result: 'ACCEPTED',
      kind: 'deployment_protection_rule',
      note: expect.stringContaining(`Hello-World ${SHA} in production`),
    });
    expect(github.tokens).toHaveLength(0);

    expect(await dispatcher.dispatchDue(new Date())).toMatchObject({ claimed: 1, delivered: 1 });
    expect(github.tokens).toEqual([
      expect.objectContaining({ path: '/app/installations/2311213/access_tokens', jwtValid: true }),
    ]);
    expect(github.callbacks).toEqual([
      expect.objectContaining({
        path: `/repos/Codertocat/Hello-World/actions/runs/${run}/deployment_protection_rule`,
        authorization: `Bearer ${github.token}`,
        status: 204,
        json: {
          environment_name: 'production',
          state: 'approved',
          // a repository Shipwatch has not seen yet: allowed, with that warning
          comment: expect.stringMatching(
            new RegExp(
              `^Shipwatch gate: ALLOW Hello-World ${SHA} to production\\n- WARN UNKNOWN_SERVICE: `,
            ),
          ),
        },
      }),
    ]);
    expect(await outbox()).toEqual([expect.objectContaining({ status: 'DELIVERED', attempts: 1 })]);
  });

  it('rejects a locked deployment, with the lock as the reason', async () => {
    const lock = await t.gql(LOCK, {
      input: { service: 'Hello-World', environment: 'production', reason: 'release freeze' },
    });
    const lockId = (lock.data!.lockDeployments as { id: string }).id;
    try {
      expect((await send(asked())).status).toBe(202);
      expect(await dispatcher.dispatchDue(new Date())).toMatchObject({ delivered: 1 });
    } finally {
      await t.gql(UNLOCK, { id: lockId });
    }
    expect(github.callbacks).toHaveLength(1);
    const answer = github.callbacks[0].json as { state: string; comment: string };
    expect(answer.state).toBe('rejected');
    expect(answer.comment).toMatch(/^Shipwatch gate: DENY Hello-World \S+ to production\n/);
    expect(answer.comment).toContain('- DENY LOCKED: Hello-World in production is locked by');
    expect(answer.comment).toContain('release freeze');
  });

  it('refuses a wrong signature with 401: nothing stored, queued or called', async () => {
    const before = await stored();
    const res = await send(asked(), 'forged-delivery', 'not-the-webhook-secret');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { code: 'INVALID_SIGNATURE', message: expect.any(String) } });
    expect(await stored()).toBe(before);
    expect(await outbox()).toEqual([]);
    expect(await dispatcher.dispatchDue(new Date())).toMatchObject({ claimed: 0 });
    expect([...github.tokens, ...github.callbacks]).toEqual([]);
  });

  it('refuses a payload without an installation with 400, storing nothing', async () => {
    const before = await stored();
    const nul = await send(asked((p) => (p.environment = 'prod\u0000uction')));
    expect(nul.status).toBe(400);
    const res = await send(asked((p) => delete p.installation));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 'MALFORMED_PAYLOAD',
      message: expect.stringContaining('installation'),
    });
    expect(await stored()).toBe(before);
    expect(await outbox()).toEqual([]);
  });

  it('answers a replayed delivery once: the replay is a DUPLICATE', async () => {
    const payload = asked();
    expect((await send(payload, 'first')).status).toBe(202);
    const replay = await send(payload, 'replayed-under-another-id');
    expect(replay.body).toMatchObject({ result: 'DUPLICATE' });
    expect(await dispatcher.dispatchDue(new Date())).toMatchObject({ claimed: 1, delivered: 1 });
    expect((await send(payload, 'first')).body).toMatchObject({ result: 'DUPLICATE' });
    expect(await dispatcher.dispatchDue(new Date(Date.now() + 3_600_000))).toMatchObject({
      claimed: 0,
    });
    expect(github.callbacks).toHaveLength(1);
    expect(await outbox()).toHaveLength(1);
  });

  it('sends no token to a callback URL off GITHUB_API_URL, and says why', async () => {
    const res = await send(
      asked((p) => {
        p.deployment_callback_url = `https://evil.example.com/repos/Codertocat/Hello-World/actions/runs/${run}/deployment_protection_rule`;
      }),
    );
    expect(res.status).toBe(202);
    const [entry] = await outbox();
    expect(entry.status).toBe('DEAD');
    expect(entry.last_error).toMatch(/^refused: CALLBACK_HOST_NOT_ALLOWED: .*evil\.example\.com/);
    expect(await dispatcher.dispatchDue(new Date())).toMatchObject({ claimed: 0 });
    expect([...github.tokens, ...github.callbacks]).toEqual([]);
  });

  it('retries a callback GitHub answered 500, and approves once', async () => {
    github.callbackStatus((n) => (n === 1 ? 500 : 204));
    expect((await send(asked())).status).toBe(202);
    expect(await dispatcher.dispatchDue(new Date())).toMatchObject({ claimed: 1, retried: 1 });
    const [failed] = await outbox();
    expect(failed).toMatchObject({ status: 'PENDING', attempts: 1 });
    expect(failed.last_error).toContain('HTTP 500');
    expect(failed.last_error).not.toContain(github.token);

    const due = new Date(new Date(failed.next_attempt_at).getTime() + 1);
    expect(await dispatcher.dispatchDue(due)).toMatchObject({ claimed: 1, delivered: 1 });
    expect(await dispatcher.dispatchDue(new Date(due.getTime() + 3_600_000))).toMatchObject({
      claimed: 0,
    });
    expect(github.callbacks.map((c) => c.status)).toEqual([500, 204]);
    expect(github.callbacks.filter((c) => c.status === 204)).toHaveLength(1);
    expect(await outbox()).toEqual([expect.objectContaining({ status: 'DELIVERED', attempts: 2 })]);
  });
});
