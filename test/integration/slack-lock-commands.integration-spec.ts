/**
 * The Slack slash command for deploy locks over real HTTP (docs/gate.md, "From Slack"): Slack's
 * documented example request, retyped as `/shipwatch <subcommand>` and signed as Slack signs,
 * locks what the gate (GraphQL deploymentGate) then DENYs, lists the locks and freeze windows,
 * unlocks; bad text gets the usage, a refusal says why; a bad signature, a stale timestamp and a
 * replay are refused with 401 and a coded JSON body, storing nothing; SLACK_ALLOWED_* keep
 * other workspaces and users out.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { slackSignature } from '../../src/webhooks/signatures.js';
import { askGate, lockedReasons } from '../support/gate.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/test-app.js';

const SECRET = 'test-slack-signing-secret';
/** Slack's documented slash command request (test/fixtures/slack/README.md). */
const EXAMPLE = readFileSync(
  join(import.meta.dirname, '../fixtures/slack/docs-slash-command.txt'),
  'utf8',
);
const LOCKS = `{ deployLocks(active: false) { id scope service namespace environment reason lockedBy
  lockedByName until releasedAt releasedBy active } }`;

const now = (): number => Math.floor(Date.now() / 1000);

let requests = 0;
/**
 * Slack's example, typed as `/shipwatch <text>` (by another user when asked); each request has
 * its own trigger_id, as Slack's have, so that the same text typed twice is not a replay.
 */
function typed(text: string, over: Record<string, string> = {}): string {
  const form = new URLSearchParams(EXAMPLE);
  form.set('command', '/shipwatch');
  form.set('text', text);
  form.set('trigger_id', `${form.get('trigger_id')}${++requests}`);
  for (const [k, v] of Object.entries(over)) form.set(k, v);
  return form.toString();
}

const signed = (body: string, ts = now(), secret = SECRET): Record<string, string> => ({
  'X-Slack-Request-Timestamp': String(ts),
  'X-Slack-Signature': slackSignature(secret, String(ts), body),
});

interface Answer {
  status: number;
  body: { response_type?: string; text?: string; error?: { code: string; message: string } };
}

describe('the Slack slash command for deploy locks', () => {
  let t: TestApp;
  let reader: string;

  const post = async (body: string, headers = signed(body)): Promise<Answer> => {
    const res = await request(t.http)
      .post('/webhooks/slack/commands')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .set(headers)
      .send(body);
    return { status: res.status, body: res.body as Answer['body'] };
  };
  /** A signed command: answered 200 with an ephemeral message, whose text is returned. */
  const say = async (text: string, over: Record<string, string> = {}): Promise<string> => {
    const started = Date.now();
    const res = await post(typed(text, over));
    // Slack shows an error for an answer later than 3 s
    expect(Date.now() - started).toBeLessThan(3000);
    expect(res.status).toBe(200);
    expect(res.body.response_type).toBe('ephemeral');
    return res.body.text!;
  };
  const gate = (service: string, environment: string) => askGate(t, reader, service, environment);
  const locked = (service: string, environment: string) =>
    lockedReasons(t, reader, service, environment);
  const locks = async () => {
    const res = await t.gql(LOCKS, {}, reader);
    expect(res.errors).toBeUndefined();
    return res.data!.deployLocks as Record<string, unknown>[];
  };
  const count = async (table: string): Promise<number> =>
    Number((await t.db.dataSource.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n);

  beforeAll(async () => {
    t = await startTestApp({ SLACK_SIGNING_SECRET: SECRET });
    const created = await t.gql(
      `mutation { createApiToken(input: { name: "ci", scopes: [READ] }) { token } }`,
      undefined,
      ADMIN_TOKEN,
    );
    reader = (created.data!.createApiToken as { token: string }).token;
  });
  afterAll(async () => {
    await t?.close();
  });

  let lockId: string;

  it('locks a service for two hours: the GraphQL lock, by the Slack user; the gate DENYs', async () => {
    const before = Date.now();
    const text = await say('lock checkout production for 2h INC-231 payments &lt;degraded&gt;');
    const [lock] = await locks();
    lockId = String(lock.id);
    expect(lock).toMatchObject({
      scope: 'SERVICE',
      service: 'checkout',
      namespace: '',
      environment: 'production',
      reason: 'INC-231 payments <degraded>',
      lockedBy: 'slack:U2147483697',
      lockedByName: 'Steve',
      releasedAt: null,
      active: true,
    });
    const until = new Date(lock.until as string).getTime();
    expect(until).toBeGreaterThanOrEqual(before + 7_200_000 - 1000);
    expect(until).toBeLessThanOrEqual(Date.now() + 7_200_000);
    expect(text).toBe(
      `:lock: Locked #${lockId} checkout in production (locked by Steve until ${String(lock.until)}): INC-231 payments &lt;degraded&gt;\n` +
        `The gate answers DENY (LOCKED) until it is released (\`unlock ${lockId}\`) or its time is up.`,
    );
    expect(await gate('checkout', 'production')).toMatchObject({ decision: 'DENY' });
    expect(await locked('checkout', 'production')).toEqual([
      {
        code: 'LOCKED',
        level: 'DENY',
        message: `checkout in production is locked by Steve until ${String(lock.until)}: INC-231 payments <degraded>`,
      },
    ]);
    expect(await locked('checkout', 'staging')).toEqual([]);
  });

  it('lists the locks and the freeze windows in force', async () => {
    const freeze = await t.gql(
      `mutation($input: FreezeWindowInput!) { createFreezeWindow(input: $input) { id } }`,
      {
        input: {
          name: 'Friday evenings',
          environment: 'production',
          cron: '0 18 * * 5',
          timeZone: 'Europe/Paris',
          durationMinutes: 600,
          reason: 'weekend',
        },
      },
    );
    expect(freeze.errors).toBeUndefined();
    const { id } = freeze.data!.createFreezeWindow as { id: string };
    const text = await say('locks');
    expect(text).toContain('*Deploy locks in force (1)*\n');
    expect(text).toContain(`• #${lockId} checkout in production (locked by Steve until `);
    expect(text).toContain(
      `*Freeze windows (1)*\n• #${id} "Friday evenings": every deployment to production, `,
    );
  });

  it('unlocks by service and environment, then says a second unlock by id is already done', async () => {
    const text = await say('unlock checkout production');
    expect(text).toMatch(new RegExp(`^:unlock: Released #${lockId} checkout in production`));
    expect(await locked('checkout', 'production')).toEqual([]);
    const [lock] = await locks();
    expect(lock).toMatchObject({ active: false, releasedBy: 'slack:U2147483697' });
    expect(await say(`unlock ${lockId}`)).toMatch(/^Already released \(/);
    expect(await say('unlock checkout production')).toBe(
      'No lock in force on exactly checkout in production. `/shipwatch locks` lists them with their ids.',
    );
  });

  it('locks an environment and everything, and unlocks by id', async () => {
    await say('lock * staging load test');
    await say('lock * * company offsite');
    expect(await locked('web', 'staging')).toHaveLength(2);
    expect(await locked('web', 'production')).toHaveLength(1);
    const everything = (await locks()).find((l) => l.scope === 'EVERYTHING')!;
    expect(await say(`unlock ${String(everything.id)}`)).toMatch(/^:unlock: Released/);
    expect(await say('unlock * staging')).toMatch(
      /^:unlock: Released .* every deployment to staging/,
    );
    expect(await locked('web', 'staging')).toEqual([]);
  });

  it('answers text it cannot read with the usage, and refusals with their reason; nothing stored', async () => {
    const before = await count('deploy_locks');
    expect(await say('')).toMatch(/^\*\/shipwatch lock &lt;service\|\*&gt; /);
    expect(await say('lokc checkout production INC-1')).toMatch(
      /^`lokc` is not a subcommand\.\n\*\/shipwatch lock /,
    );
    expect(await say('lock checkout')).toMatch(/^name a service \(or \*\) and an environment/);
    expect(await say('lock checkout production for ever INC-1')).toMatch(/^`for` takes a duration/);
    expect(await say('lock checkout production')).toMatch(/^give a reason/);
    expect(await say(`lock checkout production ${'x'.repeat(1001)}`)).toBe(
      'Refused: reason: at most 1000 characters',
    );
    expect(await say('unlock 999999')).toBe('Refused: no deploy lock has id 999999');
    expect(await count('deploy_locks')).toBe(before);
  });

  it('refuses a replay of a signed command: 401 REPLAYED_REQUEST, one lock', async () => {
    const before = await count('deploy_locks');
    const body = typed('lock payments production INC-9');
    const headers = signed(body);
    expect((await post(body, headers)).status).toBe(200);
    const replay = await post(body, headers);
    expect(replay).toEqual({
      status: 401,
      body: {
        error: expect.objectContaining({
          code: 'REPLAYED_REQUEST',
          message: 'this signed request was already received: refused',
        }),
      },
    });
    expect(await count('deploy_locks')).toBe(before + 1);
    // the same text typed again: a new request (its own trigger_id), a second lock
    const again = typed('lock payments production INC-9');
    expect((await post(again, signed(again))).status).toBe(200);
    expect(await count('deploy_locks')).toBe(before + 2);
  });

  it('refuses a bad signature, a stale timestamp, no signature, a body that is no command: nothing stored', async () => {
    const locksBefore = await count('deploy_locks');
    const requestsBefore = await count('slack_command_requests');
    const body = typed('lock billing production INC-5');
    const bad = await post(body, signed(body, now(), 'not-the-signing-secret'));
    expect(bad).toEqual({
      status: 401,
      body: {
        error: expect.objectContaining({
          code: 'INVALID_SIGNATURE',
          message: 'X-Slack-Signature does not match the body and SLACK_SIGNING_SECRET',
        }),
      },
    });
    const tampered = await post(body.replace('billing', 'payments'), signed(body));
    expect(tampered.body.error?.code).toBe('INVALID_SIGNATURE');
    const stale = await post(body, signed(body, now() - 6 * 60));
    expect(stale.status).toBe(401);
    expect(stale.body.error).toMatchObject({
      code: 'INVALID_SIGNATURE',
      message: expect.stringMatching(/away from the server clock \(more than 300 s\)/),
    });
    const unsigned = await post(body, {});
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.error?.code).toBe('INVALID_SIGNATURE');
    const notACommand = 'payload=%7B%7D';
    const foreign = await post(notACommand, signed(notACommand));
    expect(foreign.status).toBe(400);
    expect(foreign.body.error?.code).toBe('MALFORMED_PAYLOAD');
    expect(await count('deploy_locks')).toBe(locksBefore);
    expect(await count('slack_command_requests')).toBe(requestsBefore);
    expect(await locked('billing', 'production')).toEqual([]);
  });
});

describe('the Slack slash command with SLACK_ALLOWED_TEAM_IDS and SLACK_ALLOWED_USER_IDS', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_ALLOWED_TEAM_IDS: 'T0001',
      SLACK_ALLOWED_USER_IDS: 'U2147483697,U0002',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const say = async (text: string, over: Record<string, string> = {}) => {
    const body = typed(text, over);
    const res = await request(t.http)
      .post('/webhooks/slack/commands')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .set(signed(body))
      .send(body);
    expect(res.status).toBe(200);
    return (res.body as { text: string }).text;
  };

  it('lets the listed users of the listed workspace lock, and refuses everyone else', async () => {
    expect(await say('lock * production INC-1', { team_id: 'T0002' })).toBe(
      'Refused: Slack workspace T0002 is not in SLACK_ALLOWED_TEAM_IDS',
    );
    expect(await say('locks', { user_id: 'U0003', user_name: 'mallory' })).toBe(
      'Refused: Slack user U0003 is not in SLACK_ALLOWED_USER_IDS',
    );
    const rows = () => t.db.dataSource.query<unknown[]>(`SELECT locked_by FROM deploy_locks`);
    expect(await rows()).toEqual([]);
    expect(await say('lock * production INC-1', { user_id: 'U0002' })).toMatch(/^:lock: Locked/);
    expect(await rows()).toEqual([{ locked_by: 'slack:U0002' }]);
  });
});
