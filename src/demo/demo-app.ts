/**
 * A tiny instrumented service for demos and end-to-end tests. It exposes OpenTelemetry-style
 * Prometheus metrics (what an OTel SDK exporting `http.server.request.duration` through the
 * Prometheus exporter produces) and generates its own synthetic traffic, so that a test "deploys"
 * a version by switching it:
 *
 *   GET  /metrics   prom-client text format (own registry)
 *   GET  /control   the current state
 *   POST /control   {"version"?, "errorRate"?, "latencyMs"?, "requestsPerSecond"?}
 *
 * Run it alone with `node dist/src/demo/demo-app.js --port 9464 --service checkout`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Gauge, Histogram, Registry } from 'prom-client';

export interface DemoState {
  /** service.version of the running release. */
  readonly version: string;
  /** Share of requests answered 500, 0..1. */
  readonly errorRate: number;
  /** Mean request duration in milliseconds (observed with ±20 % spread). */
  readonly latencyMs: number;
  readonly requestsPerSecond: number;
}

export interface DemoAppOptions extends Partial<DemoState> {
  readonly port?: number;
  readonly host?: string;
  readonly service?: string;
  readonly namespace?: string;
  readonly environment?: string;
  /** Deterministic tests may inject their own random source. */
  readonly random?: () => number;
}

export interface DemoApp {
  readonly url: string;
  /** host:port, the scrape target. */
  readonly target: string;
  state(): DemoState;
  control(change: Partial<DemoState>): DemoState;
  stop(): Promise<void>;
}

/** OTel's default explicit buckets for http.server.request.duration (seconds), plus 0.3 s. */
export const DEMO_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.3, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

const TICK_MS = 100;

export async function startDemoApp(options: DemoAppOptions = {}): Promise<DemoApp> {
  const random = options.random ?? Math.random;
  const identity = {
    service_name: options.service ?? 'demo',
    service_namespace: options.namespace ?? '',
    deployment_environment_name: options.environment ?? 'production',
  };
  let state: DemoState = {
    version: options.version ?? '1.0.0',
    errorRate: options.errorRate ?? 0,
    latencyMs: options.latencyMs ?? 20,
    requestsPerSecond: options.requestsPerSecond ?? 50,
  };

  const registry = new Registry();
  const duration = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP server requests.',
    labelNames: [
      'http_request_method',
      'http_response_status_code',
      'service_name',
      'service_namespace',
      'service_version',
      'deployment_environment_name',
    ] as const,
    buckets: DEMO_BUCKETS,
    registers: [registry],
  });
  const targetInfo = new Gauge({
    name: 'target_info',
    help: 'Target metadata',
    labelNames: [
      'service_name',
      'service_namespace',
      'service_version',
      'deployment_environment_name',
    ] as const,
    registers: [registry],
  });
  const publishTargetInfo = () => {
    targetInfo.reset();
    targetInfo.set({ ...identity, service_version: state.version }, 1);
  };
  publishTargetInfo();

  // Synthetic traffic: every tick, the requests of that tenth of a second. The fractional
  // remainder is carried over so that low rates still add up.
  let carry = 0;
  const traffic = setInterval(() => {
    carry += (state.requestsPerSecond * TICK_MS) / 1000;
    const n = Math.floor(carry);
    carry -= n;
    for (let i = 0; i < n; i++) {
      const failed = random() < state.errorRate;
      const seconds = (state.latencyMs * (0.8 + 0.4 * random())) / 1000;
      duration.observe(
        {
          ...identity,
          http_request_method: 'GET',
          http_response_status_code: failed ? '500' : '200',
          service_version: state.version,
        },
        seconds,
      );
    }
  }, TICK_MS);
  traffic.unref();

  const control = (change: Partial<DemoState>): DemoState => {
    const next = { ...state, ...change };
    if (typeof next.version !== 'string' || next.version === '')
      throw new Error('version must be a non-empty string');
    if (!(next.errorRate >= 0 && next.errorRate <= 1))
      throw new Error('errorRate must be within 0..1');
    if (!(next.latencyMs >= 0)) throw new Error('latencyMs must be >= 0');
    if (!(next.requestsPerSecond >= 0)) throw new Error('requestsPerSecond must be >= 0');
    state = next;
    publishTargetInfo();
    return state;
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => reply(res, 500, { error: String(error) }));
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      res.writeHead(200, { 'Content-Type': registry.contentType });
      res.end(await registry.metrics());
    } else if (path === '/control' && req.method === 'GET') {
      reply(res, 200, state);
    } else if (path === '/control' && req.method === 'POST') {
      let body: Partial<DemoState>;
      try {
        body = JSON.parse(await readBody(req)) as Partial<DemoState>;
        reply(res, 200, control(body));
      } catch (error) {
        reply(res, 400, { error: (error as Error).message });
      }
    } else {
      reply(res, 404, { error: 'not found' });
    }
  }

  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    target: `${host}:${address.port}`,
    state: () => state,
    control,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        clearInterval(traffic);
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '9464' },
      host: { type: 'string', default: '127.0.0.1' },
      service: { type: 'string', default: 'demo' },
      namespace: { type: 'string', default: '' },
      environment: { type: 'string', default: 'production' },
      version: { type: 'string', default: '1.0.0' },
      'error-rate': { type: 'string', default: '0' },
      'latency-ms': { type: 'string', default: '20' },
      rps: { type: 'string', default: '50' },
    },
  });
  const app = await startDemoApp({
    port: Number(values.port),
    host: values.host,
    service: values.service,
    namespace: values.namespace,
    environment: values.environment,
    version: values.version,
    errorRate: Number(values['error-rate']),
    latencyMs: Number(values['latency-ms']),
    requestsPerSecond: Number(values.rps),
  });
  console.log(`demo app ${values.service} ${values.version} on ${app.url} (metrics at /metrics)`);
  const shutdown = () => void app.stop().then(() => process.exit(0));
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
