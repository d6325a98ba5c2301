import { connect, type AddressInfo, type Socket } from 'node:net';
import request from 'supertest';
import { ANONYMOUS_MAX_TOKENS } from '../../src/common/graphql/limits.js';
import { fragmentBomb, tokenFlood } from '../support/attacks.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The GraphQL/HTTP edge as an attacker meets it: what a request without a token can make the
 * server do, and how every limit answers (4xx with a stable code, never a 5xx).
 */

const FOUR_POINT_EIGHT_MB = 4.8 * 1024 * 1024;
const DEPLOYMENTS = 'query($s: String) { deployments(service: $s) { edges { cursor } } }';

/** Starts `app` listening on a free loopback port and answers the port. */
async function listening(app: TestApp): Promise<number> {
  await app.app.listen(0, '127.0.0.1');
  return ((app.app.getHttpServer() as import('node:http').Server).address() as AddressInfo).port;
}

describe('the GraphQL edge', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ SHIPWATCH_BODY_LIMIT_BYTES: String(5 * 1024 * 1024) });
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Requests that reached Apollo (each one is parsed, validated, maybe run), from /metrics. */
  const apolloRequests = async (): Promise<number> => {
    const res = await request(t.http).get('/metrics');
    return [...res.text.matchAll(/^shipwatch_graphql_request_duration_seconds_count\S* (\d+)/gm)]
      .map((m) => Number(m[1]))
      .reduce((a, b) => a + b, 0);
  };
  const post = (body: unknown, token?: string) => {
    const req = request(t.http).post('/graphql').set('Content-Type', 'application/json');
    if (token) req.set('Authorization', `Bearer ${token}`);
    return req.send(typeof body === 'string' ? body : JSON.stringify(body));
  };

  describe('without a token', () => {
    it('refuses a fragment bomb, a 4.8 MB token flood and any non-serverInfo document before Apollo parses it', async () => {
      const before = await apolloRequests();
      const bomb = await post({ query: fragmentBomb(22) });
      expect([bomb.status, bomb.body.errors?.[0]?.extensions?.code]).toEqual([
        401,
        'UNAUTHENTICATED',
      ]);
      expect(bomb.headers['www-authenticate']).toBe('Bearer');
      const flood = await post({ query: tokenFlood(FOUR_POINT_EIGHT_MB) });
      expect([flood.status, flood.body.error?.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
      // Just past the anonymous token limit, within the anonymous body limit.
      const tokens = await post({ query: tokenFlood(ANONYMOUS_MAX_TOKENS * 11 + 100) });
      expect([tokens.status, tokens.body.errors?.[0]?.extensions?.code]).toEqual([
        401,
        'UNAUTHENTICATED',
      ]);
      for (const query of [
        '{ __schema { types { name } } }',
        '{ deployments { nodes { id } } }',
        'mutation { createApiToken(input: { name: "x", scopes: [ADMIN] }) { token } }',
      ]) {
        const res = await post({ query }, 'sw_not-a-real-token');
        expect([res.status, res.body.errors?.[0]?.extensions?.code]).toEqual([
          401,
          'UNAUTHENTICATED',
        ]);
      }
      const viaGet = await request(t.http)
        .get('/graphql')
        .query({ query: fragmentBomb(22) })
        .set('Apollo-Require-Preflight', 'true');
      expect(viaGet.status).toBe(401);
      const batch = await post([{ query: '{ serverInfo { version } }' }]);
      expect(batch.status).toBe(401);
      // None of them reached the GraphQL server.
      expect(await apolloRequests()).toBe(before);

      const info = await post({ query: '{ serverInfo { version } }' });
      expect(info.status).toBe(200);
      expect(info.body.data.serverInfo.version).toBe('test');
      expect(await apolloRequests()).toBe(before + 1);
    });

    it('closes the connection of an upload it refuses before reading the rest of it', async () => {
      const app = await startTestApp({ SHIPWATCH_BODY_LIMIT_BYTES: String(5 * 1024 * 1024) });
      const socket = connect(await listening(app), '127.0.0.1');
      try {
        socket.on('error', () => undefined); // the server may reset what it no longer reads
        const answer = new Promise<string>((resolve) => {
          let text = '';
          socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
          socket.on('close', () => resolve(text));
        });
        // A 4.8 MB anonymous document announced, its first 64 KiB sent, the rest never.
        socket.write(
          `POST /graphql HTTP/1.1\r\nHost: shipwatch\r\nContent-Type: application/json\r\n` +
            `Content-Length: ${Math.round(FOUR_POINT_EIGHT_MB)}\r\n\r\n${'{'.repeat(64 * 1024)}`,
        );
        const deadline = new Promise<string>((resolve) =>
          setTimeout(() => resolve('still open after 5 s'), 5000),
        );
        const text = await Promise.race([answer, deadline]);
        expect(text.split('\r\n')[0]).toBe('HTTP/1.1 413 Payload Too Large');
        expect(text).toMatch(/\r\nConnection: close\r\n/i);
      } finally {
        socket.destroy();
        await app.close();
      }
    });

    it('keeps answering /healthz while anonymous attacks arrive', async () => {
      const attacks = Array.from({ length: 6 }, (_, i) =>
        post({ query: i % 2 ? fragmentBomb(22) : tokenFlood(FOUR_POINT_EIGHT_MB) }),
      );
      const health = await Promise.all(
        Array.from({ length: 5 }, () => request(t.http).get('/healthz')),
      );
      expect(health.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      expect((await Promise.all(attacks)).map((r) => r.status).sort()).toEqual([
        401, 401, 401, 413, 413, 413,
      ]);
    });
  });

  describe('with a token', () => {
    const tooComplex = async (query: string, variables?: Record<string, unknown>) => {
      const res = await post({ query, variables }, ADMIN_TOKEN);
      expect({ status: res.status, code: res.body.errors?.[0]?.extensions?.code }).toEqual({
        status: 400,
        code: 'QUERY_TOO_COMPLEX',
      });
      expect(res.body.data).toBeUndefined();
      return res.body.errors[0].message as string;
    };

    it('refuses a fragment bomb and a 4.8 MB token flood with 400 QUERY_TOO_COMPLEX', async () => {
      expect(await tooComplex(fragmentBomb(22))).toMatch(/too costly/);
      expect(await tooComplex(tokenFlood(FOUR_POINT_EIGHT_MB))).toMatch(/5000 tokens/);
    });

    it('answers every limit with 400 QUERY_TOO_COMPLEX', async () => {
      let deep = 'name';
      for (let i = 0; i < 14; i++) deep = `ofType { ${deep} }`;
      expect(await tooComplex(`{ __schema { types { fields { type { ${deep} } } } } }`)).toMatch(
        /too deep/,
      );
      const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: serverInfo { version }`);
      expect(await tooComplex(`{ ${aliases.join(' ')} }`)).toMatch(/too many aliases/);
      const directives = ' @include(if: true)'.repeat(51);
      expect(await tooComplex(`{ serverInfo${directives} { version } }`)).toMatch(
        /too many directives/,
      );
      // graphql-query-complexity: 100 deployments, each with lists of incidents and services.
      const incidents = 'incidents { id title services { name } }';
      expect(
        await tooComplex(
          `{ deployments(first: 100) { edges { node { id ${incidents} again: ${incidents} } } } }`,
        ),
      ).toMatch(/complexity/);
    });

    it('counts the buckets of doraMetrics in its cost', async () => {
      const report = (alias: string) =>
        `${alias}: doraMetrics(filter: $filter) { window { days } }`;
      const query = (n: number) =>
        `query($filter: DoraMetricsFilter!) { ${Array.from({ length: n }, (_, i) => report(`r${i}`)).join(' ')} }`;
      const filter = {
        from: '2023-01-01T00:00:00Z',
        to: '2026-01-01T00:00:00Z',
        granularity: 'DAY',
      };
      // One report of 1,097 daily buckets fits; two do not (4 per bucket, 5,000 in all).
      const one = await post({ query: query(1), variables: { filter } }, ADMIN_TOKEN);
      expect(one.status).toBe(200);
      expect(one.body.errors).toBeUndefined();
      expect(await tooComplex(query(2), { filter })).toMatch(/complexity/);
      const weekly = await post(
        { query: query(2), variables: { filter: { ...filter, granularity: 'WEEK' } } },
        ADMIN_TOKEN,
      );
      expect(weekly.body.errors).toBeUndefined();
    });

    it('refuses deep variables and strings no column can hold as 400 BAD_USER_INPUT', async () => {
      const cases: unknown[] = [
        { query: '{ deployments(service: "a\\u0000b") { edges { cursor } } }' },
        { query: DEPLOYMENTS, variables: { s: '\ud800x' } },
        {
          query:
            'mutation($n: String!) { createApiToken(input: { name: $n, scopes: [READ] }) { token } }',
          variables: { n: 'x'.repeat(10_001) },
        },
      ];
      // JSON nested 5,000 levels (JSON.stringify itself would overflow the stack on it).
      const deep = `{"query":${JSON.stringify(DEPLOYMENTS)},"variables":{"s":"x","deep":${'['.repeat(5_000)}${']'.repeat(5_000)}}}`;
      for (const c of [...cases, deep]) {
        const res = await post(c, ADMIN_TOKEN);
        expect({ status: res.status, code: res.body.errors?.[0]?.extensions?.code }).toEqual({
          status: 400,
          code: 'BAD_USER_INPUT',
        });
      }
    });

    it('limits token names to 200 characters', async () => {
      const res = await t.gql(
        'mutation($n: String!) { createApiToken(input: { name: $n, scopes: [READ] }) { token } }',
        { n: 'n'.repeat(201) },
      );
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(await t.db.dataSource.query('SELECT 1 FROM api_tokens')).toEqual([]);
    });

    it('makes a revoked admin token useless at once, wherever it was revoked', async () => {
      const created = await t.gql(
        'mutation { createApiToken(input: { name: "admin-2", scopes: [ADMIN] }) { token apiToken { id } } }',
      );
      const { token } = created.data!.createApiToken as { token: string };
      expect((await t.gql('{ apiTokens { id } }', {}, token)).errors).toBeUndefined();
      // Another replica revokes it: the row changes, this replica's memory does not.
      await t.db.dataSource.query(
        `UPDATE api_tokens SET revoked_at = now() WHERE name = 'admin-2'`,
      );
      const after = await t.gql('{ apiTokens { id } }', {}, token);
      expect(after.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('HTTP', () => {
    it('sends no X-Powered-By and bounds connections and slow clients', async () => {
      const res = await request(t.http).get('/healthz');
      expect(res.headers['x-powered-by']).toBeUndefined();
      const server = t.http as unknown as import('node:http').Server;
      expect({
        maxConnections: server.maxConnections,
        headersTimeout: server.headersTimeout,
        requestTimeout: server.requestTimeout,
      }).toEqual({ maxConnections: 1000, headersTimeout: 10_000, requestTimeout: 60_000 });
    });
  });

  describe('SHIPWATCH_MAX_CONNECTIONS', () => {
    /** Opens a connection and sends a request: its status line, or `closed` if dropped unanswered. */
    const requestOn = (socket: Socket): Promise<string> =>
      new Promise((resolve) => {
        let answer = '';
        socket.on('data', (chunk: Buffer) => {
          answer += chunk.toString();
          if (answer.includes('\r\n')) resolve(answer.split('\r\n')[0]);
        });
        socket.on('close', () => resolve('closed'));
        socket.on('error', () => undefined); // a dropped connection may reset
        socket.write('GET /healthz HTTP/1.1\r\nHost: shipwatch\r\n\r\n');
      });

    it('drops the connections past the cap unanswered, and serves again once they close', async () => {
      const capped = await startTestApp({ SHIPWATCH_MAX_CONNECTIONS: '5' });
      const sockets: Socket[] = [];
      try {
        const port = await listening(capped);
        const outcomes: string[] = [];
        // One after the other, each kept open (keep-alive) once answered.
        for (let i = 0; i < 15; i++) {
          const socket = connect(port, '127.0.0.1');
          sockets.push(socket);
          outcomes.push(await requestOn(socket));
        }
        expect(outcomes).toEqual([
          ...Array.from({ length: 5 }, () => 'HTTP/1.1 200 OK'),
          ...Array.from({ length: 10 }, () => 'closed'),
        ]);
        await Promise.all(
          sockets.map(
            (s) =>
              new Promise<void>((resolve) => {
                if (s.closed) return resolve();
                s.once('close', () => resolve());
                s.destroy();
              }),
          ),
        );
        // The server counts a connection as gone when it sees it close: retry until it has.
        let status = 0;
        for (let attempt = 0; attempt < 100 && status !== 200; attempt++) {
          const socket = connect(port, '127.0.0.1');
          status = Number((await requestOn(socket)).split(' ')[1] ?? 0);
          socket.destroy();
          if (status !== 200) await new Promise((r) => setTimeout(r, 50));
        }
        expect(status).toBe(200);
      } finally {
        for (const s of sockets) s.destroy();
        await capped.close();
      }
    });
  });

  describe('SHIPWATCH_GRAPHQL_INTROSPECTION=off', () => {
    let closed: TestApp;
    beforeAll(async () => {
      closed = await startTestApp({ SHIPWATCH_GRAPHQL_INTROSPECTION: 'off' });
    });
    afterAll(async () => {
      await closed?.close();
    });

    it('answers no introspection and serves no GraphiQL page, while queries work', async () => {
      const schema = await closed.gql('{ __schema { queryType { name } } }');
      expect(schema.status).toBe(400);
      expect(schema.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      const page = await request(closed.http).get('/graphql').set('Accept', 'text/html');
      expect(page.text).not.toMatch(/graphiql/i);
      const open = await request(t.http).get('/graphql').set('Accept', 'text/html');
      expect(open.text).toMatch(/graphiql/i);
      expect((await closed.gql('{ serverInfo { version } }')).errors).toBeUndefined();
    });
  });
});
