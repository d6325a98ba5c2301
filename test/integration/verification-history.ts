/**
 * Deterministic Prometheus history (OpenMetrics with timestamps, for the harness' `backfill`) of
 * services instrumented with OpenTelemetry HTTP server metrics: the histogram
 * `http_server_request_duration_seconds` (_count and _bucket le="0.25"/"+Inf", per status code),
 * with the resource attributes either as labels or on `target_info` joined by job/instance.
 */

export interface VersionTraffic {
  readonly version: string;
  /** Serving from `from` (inclusive) to `to` (exclusive), unix seconds. */
  readonly from: number;
  readonly to: number;
  /** Requests per second of this version at t. */
  readonly rps: (t: number) => number;
  readonly errorRatio: (t: number) => number;
  readonly slowRatio: (t: number) => number;
}

export interface ServiceHistory {
  readonly service: string;
  readonly namespace: string;
  readonly environment: string;
  readonly layout: 'labels' | 'target_info';
  readonly versions: readonly VersionTraffic[];
  /** Labels on every series, e.g. `{ region: 'b' }` (a scrape target's), one instance each. */
  readonly labels?: Readonly<Record<string, string>>;
}

const STEP = 15;
const METRIC = 'http_server_request_duration_seconds';

function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
}

interface Line {
  readonly series: string;
  readonly t: number;
  readonly value: number;
}

export function openMetricsHistory(services: readonly ServiceHistory[]): string {
  const histogram: Line[] = [];
  const info: Line[] = [];
  for (const s of services) {
    for (const v of s.versions) {
      const extra = s.labels ?? {};
      const instance = [s.service, v.version, ...Object.values(extra)].join('-');
      const job = s.namespace ? `${s.namespace}/${s.service}` : s.service;
      const base: Record<string, string> =
        s.layout === 'labels'
          ? {
              service_name: s.service,
              ...(s.namespace ? { service_namespace: s.namespace } : {}),
              deployment_environment_name: s.environment,
              service_version: v.version,
              http_route: '/',
              ...extra,
            }
          : { job, instance, http_route: '/', ...extra };
      const cum = { ok: 0, okFast: 0, err: 0, errFast: 0 };
      for (let t = v.from; t < v.to; t += STEP) {
        const n = v.rps(t) * STEP;
        const errors = n * v.errorRatio(t);
        const fast = 1 - v.slowRatio(t);
        cum.ok += n - errors;
        cum.okFast += (n - errors) * fast;
        cum.err += errors;
        cum.errFast += errors * fast;
        const codes = [
          ['200', cum.ok, cum.okFast],
          ['500', cum.err, cum.errFast],
        ] as const;
        for (const [code, count, within] of codes) {
          const labels = { ...base, http_response_status_code: code };
          histogram.push(
            { series: `${METRIC}_count{${labelText(labels)}}`, t, value: Math.round(count) },
            {
              series: `${METRIC}_bucket{${labelText({ ...labels, le: '0.25' })}}`,
              t,
              value: Math.round(within),
            },
            {
              series: `${METRIC}_bucket{${labelText({ ...labels, le: '+Inf' })}}`,
              t,
              value: Math.round(count),
            },
          );
        }
        if (s.layout === 'target_info') {
          const labels = {
            job,
            instance,
            service_name: s.service,
            service_version: v.version,
            deployment_environment_name: s.environment,
            ...extra,
          };
          info.push({ series: `target_info{${labelText(labels)}}`, t, value: 1 });
        }
      }
    }
  }
  // OpenMetrics: one family after the other, each series' samples in time order.
  const bySeries = (lines: Line[]): string[] => {
    const groups = new Map<string, Line[]>();
    for (const l of lines) groups.set(l.series, [...(groups.get(l.series) ?? []), l]);
    return [...groups.values()].flatMap((g) => g.map((l) => `${l.series} ${l.value} ${l.t}`));
  };
  return [
    `# TYPE ${METRIC} histogram`,
    ...bySeries(histogram),
    '# TYPE target_info gauge',
    ...bySeries(info),
    '# EOF',
    '',
  ].join('\n');
}

/**
 * A service whose release `2.0.0` answers 8 % errors from `onset` on, after an hour of `1.9.0`
 * at 0.1 % (20 requests/s throughout): a critical regression.
 */
export function badReleaseHistory(service: string, onset: number, until: number): ServiceHistory {
  const steady = (x: number) => () => x;
  return {
    service,
    namespace: '',
    environment: 'production',
    layout: 'labels',
    versions: [
      {
        version: '1.9.0',
        from: onset - 3600,
        to: onset,
        rps: steady(20),
        errorRatio: steady(0.001),
        slowRatio: steady(0.005),
      },
      {
        version: '2.0.0',
        from: onset,
        to: until,
        rps: steady(20),
        errorRatio: steady(0.08),
        slowRatio: steady(0.005),
      },
    ],
  };
}
