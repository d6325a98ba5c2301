/**
 * Deterministic Prometheus history (OpenMetrics with timestamps, for the harness' `backfill`) of
 * services that are not (only) HTTP servers, as the OpenTelemetry SDK's Prometheus exporter
 * writes them: gRPC servers (`rpc.server.call.duration` in seconds with
 * `rpc_response_status_code`, or the older `rpc.server.duration` in milliseconds with
 * `rpc_grpc_status_code`), queue consumers (`messaging.process.duration` and
 * `messaging.client.consumed.messages` with `error_type` on failures), a worker's own counters
 * (`jobs_processed_total`, `jobs_failed_total`) and an HTTP health endpoint; the resource
 * attributes as labels or on `target_info`. Series names and units: the semantic conventions
 * (docs/verification.md "Default SLIs and presets").
 */

const STEP = 15;

export type Workload = 'rpc' | 'rpc_legacy' | 'messaging' | 'jobs' | 'http';

export interface WorkloadTraffic {
  readonly kind: Workload;
  /** Calls (messages, jobs, requests) per second of each version. */
  readonly rps: number;
  /** Share of server errors (failed messages, failed jobs) of a version. */
  readonly errorRatio: (version: string) => number;
  /** Share answered with a client error (gRPC NOT_FOUND): never a server error. */
  readonly clientErrorRatio?: (version: string) => number;
}

export interface WorkloadHistory {
  readonly service: string;
  readonly namespace: string;
  readonly environment: string;
  readonly layout: 'labels' | 'target_info';
  /** Each version serves from `from` (inclusive) to `to` (exclusive), unix seconds. */
  readonly versions: readonly { version: string; from: number; to: number }[];
  readonly traffic: readonly WorkloadTraffic[];
}

type Labels = Record<string, string>;
const text = (labels: Labels): string =>
  Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');

/** One outcome's series of a workload: its labels and what share of the calls it gets. */
interface Outcome {
  readonly labels: Labels;
  readonly share: (version: string) => number;
}

/** The histogram (or counters) of each workload, with its outcomes. */
function shapeOf(t: WorkloadTraffic): { family: string; type: string; outcomes: Outcome[] } {
  const client = t.clientErrorRatio ?? (() => 0);
  const ok = (v: string) => 1 - t.errorRatio(v) - client(v);
  /** A gRPC histogram: its codes for success, a server error and a caller's error. */
  const grpc = (family: string, codes: readonly string[], labels: (code: string) => Labels) => ({
    family,
    type: 'histogram',
    outcomes: [ok, t.errorRatio, client].map((share, i) => ({ labels: labels(codes[i]), share })),
  });
  switch (t.kind) {
    case 'rpc':
      // OK, UNAVAILABLE (a server error), NOT_FOUND (the caller's) by name.
      return grpc(
        'rpc_server_call_duration_seconds',
        ['OK', 'UNAVAILABLE', 'NOT_FOUND'],
        (code) => ({
          rpc_system_name: 'grpc',
          rpc_method: 'shop.Orders/Get',
          rpc_response_status_code: code,
        }),
      );
    case 'rpc_legacy':
      // The same by number.
      return grpc('rpc_server_duration_milliseconds', ['0', '14', '5'], (code) => ({
        rpc_system: 'grpc',
        rpc_service: 'shop.Orders',
        rpc_method: 'Get',
        rpc_grpc_status_code: code,
      }));
    case 'messaging': {
      const base = {
        messaging_system: 'kafka',
        messaging_operation_name: 'process',
        messaging_destination_name: 'orders',
      };
      return {
        family: 'messaging_process_duration_seconds',
        type: 'histogram',
        outcomes: [
          { labels: base, share: ok },
          { labels: { ...base, error_type: 'TimeoutException' }, share: t.errorRatio },
        ],
      };
    }
    case 'jobs':
      return { family: 'jobs_processed', type: 'counter', outcomes: [] };
    case 'http':
      return {
        family: 'http_server_request_duration_seconds',
        type: 'histogram',
        outcomes: [
          { labels: { http_route: '/healthz', http_response_status_code: '200' }, share: ok },
        ],
      };
  }
}

/** The history as OpenMetrics: one family after the other, each series' samples in time order. */
export function workloadHistory(services: readonly WorkloadHistory[]): string {
  const families = new Map<string, { type: string; series: Map<string, string[]> }>();
  const push = (family: string, type: string, name: string, t: number, value: number) => {
    const f = families.get(family) ?? { type, series: new Map<string, string[]>() };
    families.set(family, f);
    const lines = f.series.get(name) ?? [];
    f.series.set(name, lines);
    lines.push(`${name} ${Math.round(value)} ${t}`);
  };
  for (const s of services) {
    const job = s.namespace ? `${s.namespace}/${s.service}` : s.service;
    for (const v of s.versions) {
      const resource: Labels =
        s.layout === 'labels'
          ? {
              service_name: s.service,
              service_namespace: s.namespace,
              deployment_environment_name: s.environment,
              service_version: v.version,
            }
          : {};
      const target = { job, instance: `${s.service}-${v.version}:9464` };
      const own = { ...resource, ...target };
      for (const traffic of s.traffic) {
        const { family, type, outcomes } = shapeOf(traffic);
        let calls = 0;
        for (let t = v.from; t < v.to; t += STEP) {
          calls += traffic.rps * STEP;
          if (traffic.kind === 'jobs') {
            const failed = calls * traffic.errorRatio(v.version);
            push('jobs_processed', 'counter', `jobs_processed_total{${text(own)}}`, t, calls);
            push('jobs_failed', 'counter', `jobs_failed_total{${text(own)}}`, t, failed);
            continue;
          }
          // Within the latency objective: all but 0.5 % (0.25 s, or 250 ms for the legacy metric).
          const le = traffic.kind === 'rpc_legacy' ? '250' : '0.25';
          for (const o of outcomes) {
            const n = calls * o.share(v.version);
            const labels = { ...own, ...o.labels };
            push(family, type, `${family}_count{${text(labels)}}`, t, n);
            push(family, type, `${family}_bucket{${text({ ...labels, le })}}`, t, n * 0.995);
            push(family, type, `${family}_bucket{${text({ ...labels, le: '+Inf' })}}`, t, n);
            if (traffic.kind === 'messaging') {
              // The consumer's delivery count, failures with the same error.type.
              const consumed = { ...own, ...o.labels, messaging_operation_name: 'receive' };
              push(
                'messaging_client_consumed_messages',
                'counter',
                `messaging_client_consumed_messages_total{${text(consumed)}}`,
                t,
                n,
              );
            }
          }
        }
      }
      if (s.layout === 'target_info') {
        const labels = {
          ...target,
          service_name: s.service,
          service_namespace: s.namespace,
          service_version: v.version,
          deployment_environment_name: s.environment,
        };
        for (let t = v.from; t < v.to; t += STEP) {
          push('target_info', 'gauge', `target_info{${text(labels)}}`, t, 1);
        }
      }
    }
  }
  const out: string[] = [];
  for (const [family, f] of families) {
    out.push(`# TYPE ${family} ${f.type}`);
    for (const lines of f.series.values()) out.push(...lines);
  }
  return [...out, '# EOF', ''].join('\n');
}
