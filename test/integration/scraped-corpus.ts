/**
 * The simulator's scrapes (TrafficSimulator: per pod series, each pod scraped at its interval with
 * its own phase and a jitter, seeded Poisson counters, a series from its first request) as
 * OpenMetrics with timestamps for `promtool tsdb create-blocks-from openmetrics`: the samples a
 * real Prometheus holds after scraping services instrumented with the OpenTelemetry SDK and its
 * Prometheus exporter. Each series becomes `http_server_request_duration_seconds` _count and
 * _bucket le="0.25"/"+Inf" of its pod (job/instance), status code and route (`http_route`: the
 * simulated route, else `/orders` for every series), with the resource attributes as labels, so
 * that the same samples are read by the simulator and by Prometheus.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { CorpusVersion } from '../../src/verification/analysis/scenario-corpus.js';
import type { TrafficSimulator } from '../../src/verification/analysis/traffic-simulator.js';
import { DEFAULT_LATENCY_BUCKET } from '../../src/verification/default-slis.js';

export const CORPUS_VERSIONS: Record<CorpusVersion, string> = { OLD: '1.9.0', NEW: '2.0.0' };

const METRIC = 'http_server_request_duration_seconds';

export interface ScrapedService {
  readonly service: string;
  readonly namespace: string;
  readonly environment: string;
  /** The scrape job (e.g. one per scrape interval). */
  readonly job: string;
  readonly traffic: TrafficSimulator;
}

/** The scrape target of a pod. */
export const instanceOf = (s: ScrapedService, version: CorpusVersion, pod: number): string =>
  `${s.service}-${CORPUS_VERSIONS[version]}-${pod}:9464`;

const labelText = (labels: Record<string, string>): string =>
  Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');

/**
 * Writes the services' samples to `path` (one histogram family, each series' samples in time
 * order, written as they go: histories of several hundred thousand samples) and returns how many.
 */
export function writeScrapedHistory(path: string, services: readonly ScrapedService[]): number {
  const fd = openSync(path, 'w');
  let chunk: string[] = [];
  let samples = 0;
  const flush = () => {
    writeSync(fd, `${chunk.join('\n')}\n`);
    chunk = [];
  };
  try {
    chunk.push(`# TYPE ${METRIC} histogram`);
    for (const s of services) {
      for (const series of s.traffic.storedSeries()) {
        const labels = {
          service_name: s.service,
          service_namespace: s.namespace,
          deployment_environment_name: s.environment,
          service_version: CORPUS_VERSIONS[series.version],
          http_request_method: 'GET',
          http_route: series.route ?? '/orders',
          job: s.job,
          instance: instanceOf(s, series.version, series.pod),
          http_response_status_code: series.code,
        };
        const lines: [string, (i: number) => number][] = [
          [`${METRIC}_count{${labelText(labels)}}`, (i) => series.count[i]],
          [
            `${METRIC}_bucket{${labelText({ ...labels, le: DEFAULT_LATENCY_BUCKET })}}`,
            (i) => series.count[i] - series.slow[i],
          ],
          [`${METRIC}_bucket{${labelText({ ...labels, le: '+Inf' })}}`, (i) => series.count[i]],
        ];
        for (const [name, value] of lines) {
          for (let i = 0; i < series.times.length; i++) {
            chunk.push(`${name} ${value(i)} ${series.times[i].toFixed(3)}`);
          }
          samples += series.times.length;
          if (chunk.length > 20_000) flush();
        }
      }
    }
    chunk.push('# EOF');
    flush();
  } finally {
    closeSync(fd);
  }
  return samples;
}
