/**
 * The load generator of bench/webhooks, run in a worker thread: sends every request of a burst
 * at once and reports the latency distribution to the parent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Burst, Request } from './index.js';

const { base, name, requests } = workerData as {
  base: string;
  name: string;
  requests: readonly Request[];
};

const round = (n: number): number => Math.round(n * 10) / 10;

const latencies: number[] = [];
const statuses: Record<string, number> = {};
const started = performance.now();
await Promise.all(
  requests.map(async (r) => {
    const t0 = performance.now();
    let status = 'error';
    try {
      const res = await fetch(base + r.path, {
        method: r.method,
        headers: r.headers,
        body: r.body,
      });
      await res.arrayBuffer();
      status = String(res.status);
    } catch {
      // counted as `error`
    } finally {
      latencies.push(performance.now() - t0);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  }),
);
const wallMs = performance.now() - started;
latencies.sort((a, b) => a - b);
const q = (p: number): number =>
  latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
const result: Burst = {
  name,
  requests: requests.length,
  failed: Object.entries(statuses)
    .filter(([s]) => !/^2\d\d$/.test(s))
    .reduce((n, [, c]) => n + c, 0),
  statuses,
  p50Ms: round(q(0.5)),
  p95Ms: round(q(0.95)),
  p99Ms: round(q(0.99)),
  maxMs: round(latencies[latencies.length - 1]),
  wallMs: round(wallMs),
  perSecond: round((requests.length / wallMs) * 1000),
};
parentPort!.postMessage(result);
