/**
 * A load generator of bench/edge, run in a worker thread: `loops` clients each send requests one
 * after another for `seconds`, cycling through `requests`, and report their latencies.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { EdgeRequest, Latencies } from './index.js';

const { base, requests, loops, seconds } = workerData as {
  base: string;
  requests: readonly EdgeRequest[];
  loops: number;
  seconds: number;
};

const latencies: number[] = [];
const statuses: Record<string, number> = {};
const until = performance.now() + seconds * 1000;
await Promise.all(
  Array.from({ length: loops }, async (_, loop) => {
    for (let i = loop; performance.now() < until; i++) {
      const r = requests[i % requests.length];
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
    }
  }),
);
latencies.sort((a, b) => a - b);
const q = (p: number): number =>
  latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
const round = (n: number): number => Math.round(n * 10) / 10;
const result: Latencies = {
  requests: latencies.length,
  statuses,
  p50Ms: round(q(0.5)),
  p99Ms: round(q(0.99)),
  maxMs: round(latencies.at(-1) ?? NaN),
};
parentPort!.postMessage(result);
