import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CliError, ExitCode } from './cli.errors.js';
import { ShipwatchClient } from './graphql.client.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A real HTTP server answering with whatever the test's handler writes. */
async function serve(
  handler: Handler,
): Promise<{ url: string; server: Server; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hits++;
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, server, hits: () => hits };
}

const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};

async function failure(promise: Promise<unknown>): Promise<CliError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CliError);
  return error as CliError;
}

describe('ShipwatchClient', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });
  const start = async (handler: Handler) => {
    const s = await serve(handler);
    servers.push(s.server);
    return s;
  };
  const noSleep = async (): Promise<void> => {};

  it('posts the query with the bearer token to <url>/graphql and returns data', async () => {
    let seen: { auth?: string; path?: string; body?: unknown } = {};
    const { url } = await start((req, res, body) => {
      seen = { auth: req.headers.authorization, path: req.url, body: JSON.parse(body) };
      json(res, 200, { data: { serverInfo: { version: '1.0.0' } } });
    });
    const client = new ShipwatchClient({ url, token: 'sw_abc' });
    await expect(client.request('{ serverInfo { version } }', { a: 1 })).resolves.toEqual({
      serverInfo: { version: '1.0.0' },
    });
    expect(seen).toEqual({
      auth: 'Bearer sw_abc',
      path: '/graphql',
      body: { query: '{ serverInfo { version } }', variables: { a: 1 } },
    });
  });

  it.each([
    ['UNAUTHENTICATED', ExitCode.AUTH],
    ['FORBIDDEN', ExitCode.AUTH],
    ['DEPLOYMENT_NOT_FOUND', ExitCode.FAILURE],
    ['BAD_USER_INPUT', ExitCode.FAILURE],
    ['GRAPHQL_VALIDATION_FAILED', ExitCode.FAILURE],
  ])(
    'turns a GraphQL %s error into exit code %i, keeping the code and details',
    async (code, exit) => {
      const { url } = await start((_req, res) =>
        json(res, 200, {
          data: null,
          errors: [{ message: 'no luck', extensions: { code, fields: ['x'] } }],
        }),
      );
      const error = await failure(new ShipwatchClient({ url, token: 't' }).request('{ x }'));
      expect(error.exitCode).toBe(exit);
      expect(error.code).toBe(code);
      expect(error.message).toContain('no luck');
      expect(error.details).toEqual({ fields: ['x'] });
    },
  );

  it('fails with AUTH before sending anything when no token is configured', async () => {
    const s = await start((_req, res) => json(res, 200, { data: {} }));
    const error = await failure(new ShipwatchClient({ url: s.url }).request('{ x }'));
    expect(error.exitCode).toBe(ExitCode.AUTH);
    expect(error.message).toContain('SHIPWATCH_TOKEN');
    expect(s.hits()).toBe(0);
  });

  it('retries an idempotent request on 503 and succeeds; a non-idempotent one is not retried', async () => {
    let calls = 0;
    const s = await start((_req, res) => {
      calls++;
      if (calls % 3 !== 0) json(res, 503, { error: { code: 'UNAVAILABLE', message: 'starting' } });
      else json(res, 200, { data: { ok: true } });
    });
    const client = new ShipwatchClient({ url: s.url, token: 't', sleep: noSleep });
    await expect(client.request('{ ok }')).resolves.toEqual({ ok: true });
    expect(s.hits()).toBe(3);

    const error = await failure(client.request('mutation { x }', {}, { idempotent: false }));
    expect(error.exitCode).toBe(ExitCode.UNREACHABLE);
    expect(s.hits()).toBe(4);
  });

  it('exits UNREACHABLE when nothing listens, after its retries', async () => {
    const s = await start((_req, res) => json(res, 200, { data: {} }));
    const url = s.url;
    await new Promise((r) => s.server.close(r));
    servers.pop();
    let slept = 0;
    const client = new ShipwatchClient({
      url,
      token: 't',
      retries: 2,
      sleep: async () => {
        slept++;
      },
    });
    const error = await failure(client.request('{ x }', {}, { idempotent: false }));
    expect(error.exitCode).toBe(ExitCode.UNREACHABLE);
    expect(error.code).toBe('CONNECTION_REFUSED');
    expect(error.message).toContain('ECONNREFUSED');
    expect(slept).toBe(2);
  });

  it('exits UNREACHABLE on a timeout', async () => {
    const { url } = await start(() => {
      /* never answers */
    });
    const client = new ShipwatchClient({ url, token: 't', timeoutMs: 200, retries: 0 });
    const error = await failure(client.request('{ x }'));
    expect(error.exitCode).toBe(ExitCode.UNREACHABLE);
    expect(error.message).toContain('did not answer within');
  });

  it('explains an answer that is not Shipwatch (a wrong URL)', async () => {
    const { url } = await start((_req, res) => {
      res.writeHead(404, { 'Content-Type': 'text/html' });
      res.end('<html>Not Found</html>');
    });
    const error = await failure(new ShipwatchClient({ url, token: 't' }).request('{ x }'));
    expect(error.exitCode).toBe(ExitCode.FAILURE);
    expect(error.message).toContain('HTTP 404, not JSON');
    expect(error.message).toContain('Shipwatch base URL');
  });
});
