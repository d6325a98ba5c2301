import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('foundation over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers serverInfo without a token', async () => {
    const res = await t.gql('{ serverInfo { version database } }', undefined, null);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      serverInfo: {
        version: 'test',
        database:
          process.env.TEST_DATABASE_URL || process.env.DATABASE_URL ? 'postgres' : 'embedded',
      },
    });
  });

  it('is live and ready', async () => {
    await request(t.http).get('/healthz').expect(200, { status: 'ok' });
    await request(t.http).get('/readyz').expect(200, { status: 'ok' });
  });

  it('exposes Prometheus metrics with build info and request durations', async () => {
    await request(t.http).get('/healthz').expect(200);
    const res = await request(t.http).get('/metrics').expect(200);
    expect(res.text).toContain('shipwatch_build_info{version="');
    expect(res.text).toContain('shipwatch_process_cpu_user_seconds_total');
    expect(res.text).toMatch(
      /shipwatch_http_request_duration_seconds_count\{method="GET",route="\/healthz",status_class="2xx"\} [1-9]/,
    );
    expect(res.text).toContain('shipwatch_graphql_request_duration_seconds');
  });

  it('refuses a mutation without a token with UNAUTHENTICATED', async () => {
    const res = await t.gql(
      'mutation { createApiToken(input: { name: "x", scopes: [READ] }) { token } }',
      undefined,
      null,
    );
    expect(res.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    // Refused before execution (the anonymous gate): a request error, so no `data` at all.
    expect(res.data).toBeUndefined();
  });

  it('refuses a wrong token with UNAUTHENTICATED', async () => {
    const res = await t.gql('{ apiTokens { id } }', undefined, 'sw_nope');
    expect(res.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('creates, uses, lists and revokes API tokens; scopes are enforced', async () => {
    const created = await t.gql(
      'mutation { createApiToken(input: { name: "ci", scopes: [READ] }) { token apiToken { id name prefix scopes } } }',
    );
    expect(created.errors).toBeUndefined();
    const { token, apiToken } = created.data!.createApiToken as {
      token: string;
      apiToken: { id: string; prefix: string };
    };
    expect(token).toMatch(/^sw_/);
    expect(token.startsWith(apiToken.prefix)).toBe(true);

    const forbidden = await t.gql('{ apiTokens { id } }', undefined, token);
    expect(forbidden.errors?.[0].extensions?.code).toBe('FORBIDDEN');

    const listed = await t.gql('{ apiTokens { id name revokedAt } }');
    expect(listed.data!.apiTokens).toEqual([{ id: apiToken.id, name: 'ci', revokedAt: null }]);

    const revoked = await t.gql(`mutation { revokeApiToken(id: "${apiToken.id}") { revokedAt } }`);
    expect(revoked.errors).toBeUndefined();
    const after = await t.gql('{ serverInfo { version } apiTokens { id } }', undefined, token);
    expect(after.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('answers unknown routes and malformed JSON with a JSON error body', async () => {
    const missing = await request(t.http).get('/nope').expect(404);
    expect(missing.body).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
    const malformed = await request(t.http)
      .post('/graphql')
      .set('Content-Type', 'application/json')
      .send('{"query": ');
    expect(malformed.status).toBe(400);
  });

  it('refuses deep queries and alias floods with QUERY_TOO_COMPLEX', async () => {
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: serverInfo { version }`).join(' ');
    const flood = await t.gql(`{ ${aliases} }`);
    expect(flood.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    // Without a token the same document is over the anonymous token budget: refused unparsed.
    const anonymous = await t.gql(`{ ${aliases} }`, undefined, null);
    expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('readiness', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 503 while a migration is pending, 200 once it is applied', async () => {
    const [last] = await t.db.dataSource.query<{ id: number; timestamp: string; name: string }[]>(
      'SELECT id, timestamp, name FROM migrations ORDER BY id DESC LIMIT 1',
    );
    await t.db.dataSource.query('DELETE FROM migrations WHERE id = $1', [last.id]);
    const pending = await request(t.http).get('/readyz').expect(503);
    expect(pending.body).toEqual({ status: 'unavailable', reason: 'migrations pending' });
    await t.db.dataSource.query('INSERT INTO migrations (timestamp, name) VALUES ($1, $2)', [
      last.timestamp,
      last.name,
    ]);
    await request(t.http).get('/readyz').expect(200);
  });

  it('answers 503 with the reason when the database does not answer', async () => {
    await t.db.dataSource.destroy();
    const res = await request(t.http).get('/readyz').expect(503);
    expect(res.body).toEqual({
      status: 'unavailable',
      reason: expect.stringMatching(/^database: /),
    });
  });
});

describe('per-token rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ SHIPWATCH_RATE_LIMIT_RPS: '1', SHIPWATCH_RATE_LIMIT_BURST: '3' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 429 with Retry-After and a coded JSON body once a token exceeds its burst', async () => {
    const send = () =>
      request(t.http)
        .post('/graphql')
        .set('Authorization', 'Bearer test-bootstrap-token')
        .send({ query: '{ serverInfo { version } }' });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await send()).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await send();
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    // requests without a token are not counted against it
    await request(t.http)
      .post('/graphql')
      .send({ query: '{ serverInfo { version } }' })
      .expect(200);
  });
});
