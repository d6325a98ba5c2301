/**
 * The built-in SLIs: OpenTelemetry HTTP server metrics (`http.server.request.duration`, seconds)
 * exported to Prometheus, whether the resource attributes arrive as labels or via target_info.
 * Each template is a per-series counter expression (docs/verification.md "Counting"): no
 * increase()/rate(), no {{window}}, no aggregation across instances — Shipwatch reads each series
 * at the window's boundaries and adds up what each one gained, which sees a pod's counter reset.
 * Also the templates of the previous releases (increase() over {{window}}), for their conversion.
 */
import type { SliSpec } from './verification-policy.js';

/** The latency objective's bucket: a boundary of the OpenTelemetry default HTTP buckets. */
export const DEFAULT_LATENCY_BUCKET = '0.25';

const METRIC = 'http_server_request_duration_seconds';
/** Resource attributes as labels (OTel Collector `resource_to_telemetry_conversion`, Prometheus OTLP promote). */
const LABELS =
  'service_name="{{service}}",service_namespace="{{namespace}}",deployment_environment_name="{{environment}}",service_version=~"{{versionRegex}}"';
/** Resource attributes only on target_info, joined by job/instance (Prometheus OTLP default). */
const TARGET_INFO =
  'target_info{job="{{job}}",deployment_environment_name="{{environment}}",service_version=~"{{versionRegex}}"}';
const ERRORS = ',http_response_status_code=~"5.."';

type Expr = (selector: string) => string;

/** Either layout: the series of the labels layout, else those joined with target_info. */
function eitherLayout(expr: Expr): string {
  const viaTargetInfo = `${expr('job="{{job}}"')} * on (job, instance) group_left () ${TARGET_INFO}`;
  return `(${expr(LABELS)} or ${viaTargetInfo})`;
}

const requests =
  (extra = ''): Expr =>
  (selector) =>
    `${METRIC}_count{${selector}${extra}}`;

export const DEFAULT_SLIS: readonly SliSpec[] = [
  {
    name: 'errors',
    objective: 0.999,
    totalQuery: eitherLayout(requests()),
    // A 5xx series exists from a service's first 5xx on: none yet is none, hence `or vector(0)`.
    badQuery: `${eitherLayout(requests(ERRORS))} or vector(0)`,
  },
  {
    name: 'latency',
    objective: 0.99,
    totalQuery: eitherLayout(requests()),
    // Slow = all requests minus those within the latency bucket, per series; no `or vector(0)`,
    // so that a histogram without that bucket shows as no data rather than a silent pass.
    badQuery: eitherLayout(
      (selector) =>
        `(${requests()(selector)} - ignoring (le) ${METRIC}_bucket{${selector},le="${DEFAULT_LATENCY_BUCKET}"})`,
    ),
  },
];

// The templates saved by earlier releases (the defaults were stored with every policy saved
// without its own SLIs), converted at read time to DEFAULT_SLIS.
function legacyLayout(expr: Expr): string {
  const viaLabels = `sum(${expr(LABELS)})`;
  const viaTargetInfo = `sum(${expr('job="{{job}}"')} * on (job, instance) group_left () ${TARGET_INFO})`;
  return `(${viaLabels} or ${viaTargetInfo})`;
}
const legacyCount =
  (extra = ''): Expr =>
  (selector) =>
    `increase(${METRIC}_count{${selector}${extra}}[{{window}}])`;

/** Old default template → its counter form. */
export const LEGACY_DEFAULT_TEMPLATES: ReadonlyMap<string, string> = new Map([
  [legacyLayout(legacyCount()), DEFAULT_SLIS[0].totalQuery],
  [`${legacyLayout(legacyCount(ERRORS))} or vector(0)`, DEFAULT_SLIS[0].badQuery],
  [
    legacyLayout(
      (selector) =>
        `(${legacyCount()(selector)} - ignoring (le) increase(${METRIC}_bucket{${selector},le="${DEFAULT_LATENCY_BUCKET}"}[{{window}}]))`,
    ),
    DEFAULT_SLIS[1].badQuery,
  ],
]);
