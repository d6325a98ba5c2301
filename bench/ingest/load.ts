/**
 * The load generator, run in a worker thread so that it does not share the server's event loop.
 * Closed loop: `concurrency` requests in flight for `durationMs`. Open loop: requests started at
 * a fixed `rate` whatever the latency (how a steady CI fleet behaves).
 */
import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { TRIVIAL_QUERY, batchBody, singleBody } from './events.js';

export interface LoadSpec {
  readonly port: number;
  readonly token: string;
  readonly kind: 'trivial' | 'single' | 'batch';
  readonly batchSize: number;
  readonly tag: number;
  readonly concurrency: number;
  readonly durationMs: number;
  /** Requests per second (open loop); absent = closed loop. */
  readonly rate?: number;
  /** Events of a monorepo stream (events.ts): paths on commits, one repository. */
  readonly monorepo?: boolean;
  /** The stream's first request (a slice continuing where the previous one stopped). */
  readonly offset?: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly events: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly elapsedMs: number;
  readonly latenciesMs: number[];
}

const spec = workerData as LoadSpec;
const agent = new Agent({ keepAlive: true, maxSockets: Math.max(spec.concurrency, 64) });
const trivialBody = JSON.stringify({ query: TRIVIAL_QUERY });
let next = spec.offset ?? 0;

function bodyFor(): { body: string; events: number } {
  const n = next++;
  switch (spec.kind) {
    case 'trivial':
      return { body: trivialBody, events: 1 };
    case 'single':
      return { body: singleBody(n, spec.tag, spec.monorepo), events: 1 };
    case 'batch':
      return {
        body: batchBody(n * spec.batchSize, spec.batchSize, spec.tag, spec.monorepo),
        events: spec.batchSize,
      };
  }
}

function post(body: string): Promise<{ ok: boolean; text: string }> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: spec.port,
        path: '/graphql',
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${spec.token}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            ok: res.statusCode === 200 && !text.includes('"errors"') && !text.includes('REJECTED'),
            text,
          });
        });
      },
    );
    req.on('error', (e) => resolve({ ok: false, text: e.message }));
    req.end(body);
  });
}

async function main(): Promise<LoadResult> {
  const latencies: number[] = [];
  let requests = 0;
  let events = 0;
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const deadline = start + spec.durationMs;
  const one = async () => {
    const { body, events: n } = bodyFor();
    const t0 = performance.now();
    const res = await post(body);
    latencies.push(performance.now() - t0);
    requests++;
    if (res.ok) events += n;
    else {
      errors++;
      firstError ??= res.text.slice(0, 300);
    }
  };
  if (spec.rate) {
    const interval = 1000 / spec.rate;
    const inFlight: Promise<void>[] = [];
    for (let k = 0; ; k++) {
      const due = start + k * interval;
      if (due >= deadline) break;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inFlight.push(one());
    }
    await Promise.all(inFlight);
  } else {
    await Promise.all(
      Array.from({ length: spec.concurrency }, async () => {
        while (performance.now() < deadline) await one();
      }),
    );
  }
  agent.destroy();
  return {
    requests,
    events,
    errors,
    firstError,
    elapsedMs: performance.now() - start,
    latenciesMs: latencies,
  };
}

parentPort!.postMessage(await main());
