import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { OutboxService } from '../../src/remediation/outbox.service.js';
import { aRelease, aRollback } from '../factories/remediation-actions.js';
import { freePort } from '../../src/demo/prometheus-process.js';
import { seededDataDir } from '../support/pglite-template.js';
import { createScratchDatabase } from '../support/postgres.js';
import { buildDist, runShipwatchToExit, startShipwatch } from '../support/process.js';
import { startTestApp, testDatabaseUrl } from '../support/test-app.js';

const ADMIN = 'boot-test-admin-token';

async function gql(
  url: string,
  query: string,
): Promise<{ data?: Record<string, unknown>; errors?: unknown[] }> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN}` },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
}

describe('the shipwatch process (npm start)', () => {
  let dataDir: string;
  beforeAll(() => {
    buildDist();
    dataDir = mkdtempSync(join(tmpdir(), 'shipwatch-boot-'));
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT="abc" is invalid: expected an integer from 0 to 65535'],
    [
      { DATABASE_URL: 'not-a-url' },
      'DATABASE_URL="not-a-url" is invalid: expected a postgres:// or postgresql:// URL',
    ],
  ])(
    'exits with code 1 on a bad %o, naming the variable and what is expected',
    async (env, message) => {
      const result = await runShipwatchToExit(env);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(message);
    },
  );

  // A database that does not exist needs a PostgreSQL server: the test database's, when there is one.
  const postgresHost = testDatabaseUrl() && new URL(testDatabaseUrl()!).host;
  it.each([
    [
      'nothing listens on its port',
      async () => `127.0.0.1:${await freePort()}/shipwatch`,
      'ECONNREFUSED',
    ] as const,
    ...(postgresHost
      ? [
          [
            'its database does not exist',
            () => Promise.resolve(`${postgresHost}/shipwatch_no_such_database`),
            'database "shipwatch_no_such_database" does not exist',
          ] as const,
        ]
      : []),
  ])(
    'exits with code 1 when DATABASE_URL cannot be opened (%s), naming the setting, the URL without its password and the reason',
    async (_case, hostAndDatabase, reason) => {
      const at = await hostAndDatabase();
      const result = await runShipwatchToExit({
        DATABASE_URL: `postgres://postgres:s3cret-password@${at}`,
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `shipwatch: cannot connect to the database of DATABASE_URL (postgres://postgres:***@${at}): `,
      );
      expect(result.stderr).toContain(reason);
      expect(result.stderr).not.toContain('s3cret-password');
      expect(result.stderr).not.toMatch(/^\s+at /m); // a reason, not a stack trace
    },
  );

  it('serves on the embedded database, keeps its data across a restart, and refuses a second process on the same data', async () => {
    const env = { SHIPWATCH_DATA_DIR: dataDir, SHIPWATCH_BOOTSTRAP_TOKEN: ADMIN };
    const first = await startShipwatch(env);
    expect(first.logs.join('\n')).toContain(`embedded PostgreSQL (PGlite) in ${dataDir}`);
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    const created = await gql(
      first.url,
      'mutation { createApiToken(input: { name: "kept", scopes: [READ] }) { apiToken { id } } }',
    );
    expect(created.errors).toBeUndefined();

    const second = await runShipwatchToExit(env);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('is in use by process');

    expect(await first.stop()).toBe(0);
    const again = await startShipwatch(env);
    const listed = await gql(again.url, '{ apiTokens { name } }');
    expect(listed.data).toEqual({ apiTokens: [{ name: 'kept' }] });
    await again.stop();
  });

  it('takes over the embedded data after the previous process was killed with SIGKILL', async () => {
    const env = { SHIPWATCH_DATA_DIR: dataDir, SHIPWATCH_BOOTSTRAP_TOKEN: ADMIN };
    const victim = await startShipwatch(env);
    await victim.stop('SIGKILL');
    const next = await startShipwatch(env);
    const listed = await gql(next.url, '{ apiTokens { name } }');
    expect(listed.data).toEqual({ apiTokens: [{ name: 'kept' }] });
    await next.stop();
  });

  it('exports traces over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, and logs carry the trace id', async () => {
    const bodies: Buffer[] = [];
    const collector: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/v1/traces') bodies.push(Buffer.concat(chunks));
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const { port } = collector.address() as { port: number };
    // In memory: the one built-server start of `main.js` on SHIPWATCH_DATA_DIR=memory://.
    const app = await startShipwatch({
      SHIPWATCH_DATA_DIR: 'memory://',
      LOG_LEVEL: 'debug',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    await fetch(`${app.url}/readyz`);
    // Credentials in a query string never reach a span.
    await fetch(`${app.url}/readyz?access_token=secret-in-query-string`);
    await fetch(
      `${app.url}/graphql?access_token=secret-in-query-string&query={serverInfo{version}}`,
      {
        headers: { 'Apollo-Require-Preflight': 'true' },
      },
    );
    await app.stop();
    collector.close();
    const access = app.logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.route === '/readyz');
    expect(access?.trace_id).toMatch(/^[0-9a-f]{32}$/);
    const traceBytes = Buffer.from(access!.trace_id as string, 'hex');
    expect(
      bodies.some((b) => b.includes(traceBytes) || b.includes(access!.trace_id as string)),
    ).toBe(true);
    expect(bodies.some((b) => b.includes('/graphql'))).toBe(true);
    expect(bodies.filter((b) => b.includes('secret-in-query-string'))).toEqual([]);
  });

  it('traces outbound deliveries without their URLs, which can be secrets', async () => {
    const SECRET_PATH = 'secret-path-9f8e7d6c5b4a';
    const bodies: Buffer[] = [];
    const paths: string[] = [];
    const listen = async (server: Server) => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return (server.address() as { port: number }).port;
    };
    const collect = (sink: (body: Buffer, path: string) => void) =>
      createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          sink(Buffer.concat(chunks), req.url ?? '');
          res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
        });
      });
    const collector = collect((body, path) => path === '/v1/traces' && bodies.push(body));
    const receiver = collect((_body, path) => paths.push(path));
    const collectorPort = await listen(collector);
    const receiverPort = await listen(receiver);
    const dir = await seededDataDir('shipwatch-traced-');
    const env = {
      SHIPWATCH_DATA_DIR: dir,
      SHIPWATCH_OUTBOUND_PRIVATE_HOSTS: `127.0.0.1:${receiverPort}`,
    };
    try {
      // A rollback waiting in the outbox, to a URL whose path is a secret (as a Slack URL's is).
      const t = await startTestApp({ ...env, DATABASE_URL: undefined });
      try {
        await t.app.get(DataSource).transaction((manager) =>
          t.app.get(OutboxService).enqueue(
            manager,
            aRollback({
              release: aRelease({ deploymentId: 'traced' }),
              target: {
                kind: 'WEBHOOK',
                url: `http://127.0.0.1:${receiverPort}/rollback/${SECRET_PATH}`,
                secret: 'whsec-traced-0123456789',
              },
            }),
          ),
        );
      } finally {
        await t.close();
      }
      const app = await startShipwatch({
        ...env,
        SHIPWATCH_SCHEDULER: 'on',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collectorPort}`,
        OTEL_BSP_SCHEDULE_DELAY: '100',
      });
      while (!paths.includes(`/rollback/${SECRET_PATH}`)) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await app.stop()).toBe(0);
      expect(bodies.some((b) => b.includes('remediation.deliver'))).toBe(true);
      expect(bodies.filter((b) => b.includes(SECRET_PATH))).toEqual([]);
    } finally {
      collector.close();
      receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Two replicas booting together against one PostgreSQL both come up; the advisory lock makes the
 * migrations run once. The embedded database serves one process per data directory, so there the
 * second process is refused with a clear error instead. CI runs this file in both modes.
 */
async function bothReplicasBootOnPostgres(): Promise<void> {
  const scratch = await createScratchDatabase();
  try {
    const [a, b] = await Promise.all([
      startShipwatch({ DATABASE_URL: scratch.url }),
      startShipwatch({ DATABASE_URL: scratch.url }),
    ]);
    expect((await fetch(`${a.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${b.url}/readyz`)).status).toBe(200);
    const applied = [...a.logs, ...b.logs].filter((l) => l.includes('applied migrations'));
    expect(applied).toHaveLength(1);
    await Promise.all([a.stop(), b.stop()]);
  } finally {
    await scratch.drop();
  }
}

async function secondReplicaRefusedOnEmbedded(): Promise<void> {
  const dir = await seededDataDir('shipwatch-pair-');
  try {
    const results = await Promise.allSettled([
      startShipwatch({ SHIPWATCH_DATA_DIR: dir }),
      startShipwatch({ SHIPWATCH_DATA_DIR: dir }),
    ]);
    const up = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const down = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    expect(up).toHaveLength(1);
    expect(down).toEqual([expect.stringContaining('is in use by process')]);
    await up[0].stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const onPostgres = testDatabaseUrl() !== undefined;
it(`two replicas booting at once on one database: ${onPostgres ? 'both come up and migrate once (PostgreSQL)' : 'the second is refused (embedded)'}`, async () => {
  expect.hasAssertions();
  await (onPostgres ? bothReplicasBootOnPostgres() : secondReplicaRefusedOnEmbedded());
});
