import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { ApiTokenService, hashToken } from '../../src/auth/api-token.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Rate limits for everyone: requests without a valid API token are limited per client address
 * (behind SHIPWATCH_TRUST_PROXY), and made-up tokens cost no database lookups once seen and
 * cannot push real tokens out of the cache.
 */

const INFO = { query: '{ serverInfo { version } }' };

describe('rate limits without a valid token', () => {
  let t: TestApp;
  let plain: TestApp;
  let readToken: string;

  beforeAll(async () => {
    const limits = {
      // One request per 100 s after the burst: no refill during the test, however slow it runs.
      SHIPWATCH_ANONYMOUS_RATE_LIMIT_RPS: '0.01',
      SHIPWATCH_ANONYMOUS_RATE_LIMIT_BURST: '5',
    };
    t = await startTestApp({ ...limits, SHIPWATCH_TRUST_PROXY: 'loopback' });
    plain = await startTestApp(limits);
    const created = await t.gql(
      'mutation { createApiToken(input: { name: "reader", scopes: [READ] }) { token } }',
    );
    readToken = (created.data!.createApiToken as { token: string }).token;
  });
  afterAll(async () => {
    await t?.close();
    await plain?.close();
  });

  const info = (app: TestApp, headers: Record<string, string> = {}) =>
    request(app.http).post('/graphql').set(headers).send(INFO);

  it('answers 429 with Retry-After past the burst, for no token and made-up tokens alike, per address', async () => {
    const from = { 'X-Forwarded-For': '203.0.113.10' };
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await info(t, from)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const refused = await info(t, from);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.body.error).toEqual(
      expect.objectContaining({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) }),
    );
    const madeUp = await info(t, { ...from, Authorization: 'Bearer sw_made-up-token' });
    expect(madeUp.status).toBe(429);
    // A token holder behind the same address is limited per token, not by the address.
    const holder = await request(t.http)
      .post('/graphql')
      .set({ ...from, Authorization: `Bearer ${readToken}` })
      .send({ query: '{ deployments { edges { cursor } } }' });
    expect([holder.status, holder.body.errors]).toEqual([200, undefined]);
    // Another address has its own budget; IPv6 addresses share one per /64.
    expect((await info(t, { 'X-Forwarded-For': '203.0.113.11' })).status).toBe(200);
    for (let i = 0; i < 5; i++) await info(t, { 'X-Forwarded-For': `2001:db8:1:2::${i + 1}` });
    expect((await info(t, { 'X-Forwarded-For': '2001:db8:1:2:ffff::9' })).status).toBe(429);
    // Probes are never limited.
    expect((await request(t.http).get('/healthz').set(from)).status).toBe(200);
  });

  it('ignores X-Forwarded-For unless SHIPWATCH_TRUST_PROXY trusts the proxy', async () => {
    const statuses = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await info(plain, { 'X-Forwarded-For': `198.51.100.${i}` })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('remembers unknown tokens apart from known ones, so a flood of them evicts none', async () => {
    const tokens = t.app.get(ApiTokenService);
    const now = Date.now();
    expect(await tokens.authenticate(readToken, now)).toMatchObject({
      scopes: ['READ'.toLowerCase()],
    });
    // Revoked behind this replica's back: only a lookup would notice.
    await t.db.dataSource.query(`UPDATE api_tokens SET revoked_at = now() WHERE name = 'reader'`);
    const unknown = Array.from(
      { length: 10_050 },
      () => `sw_${randomBytes(24).toString('base64url')}`,
    );
    for (let i = 0; i < unknown.length; i += 200) {
      const answers = await Promise.all(
        unknown.slice(i, i + 200).map((token) => tokens.authenticate(token, now)),
      );
      expect(answers.every((a) => a === null)).toBe(true);
    }
    // Still served from the cache (no lookup), within its 5 s.
    expect(await tokens.authenticate(readToken, now + 1_000)).not.toBeNull();
    // An unknown token is not looked up again for 30 s (here a row appears with its hash).
    await t.db.dataSource.query(
      `INSERT INTO api_tokens (name, token_hash, token_prefix, scopes) VALUES ('late', $1, 'sw_late', '{read}')`,
      [hashToken(unknown.at(-1)!)],
    );
    expect(await tokens.authenticate(unknown.at(-1)!, now + 29_000)).toBeNull();
    expect(await tokens.authenticate(unknown.at(-1)!, now + 31_000)).not.toBeNull();
    expect(await tokens.authenticate(readToken, now + 6_000)).toBeNull();
  });
});
