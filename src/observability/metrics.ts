import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { SHIPWATCH_VERSION } from '../config/version.js';

/**
 * The one Prometheus registry of the process. Every metric is defined once, here or in its
 * feature's `*.metrics.ts`, against this registry; labels are bounded sets (never an id or a SHA).
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'shipwatch_' });

export const buildInfo = new Gauge({
  name: 'shipwatch_build_info',
  help: 'Always 1; labels carry the running version and Node.js release',
  labelNames: ['version', 'node_version'] as const,
  registers: [registry],
});
buildInfo.set({ version: SHIPWATCH_VERSION, node_version: process.version }, 1);

/** Request latency buckets in seconds, from 1 ms to 10 s. */
export const LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export const httpRequestDuration = new Histogram({
  name: 'shipwatch_http_request_duration_seconds',
  help: 'HTTP request duration by route template, method and status class',
  labelNames: ['method', 'route', 'status_class'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const graphqlRequestDuration = new Histogram({
  name: 'shipwatch_graphql_request_duration_seconds',
  help: 'GraphQL operation duration by operation type and result',
  labelNames: ['operation', 'result'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export function counter<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
): Counter<L> {
  return new Counter({ name, help, labelNames, registers: [registry] });
}

export function histogram<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  buckets: number[],
): Histogram<L> {
  return new Histogram({ name, help, labelNames, buckets, registers: [registry] });
}

export function gauge<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
): Gauge<L> {
  return new Gauge({ name, help, labelNames, registers: [registry] });
}
