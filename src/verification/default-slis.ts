/**
 * The built-in SLIs: OpenTelemetry HTTP server metrics (`http.server.request.duration`, seconds)
 * exported to Prometheus, whether the resource attributes arrive as labels or via target_info;
 * and the presets beside them for services without HTTP server metrics (gRPC servers, queue
 * consumers), chosen at each tick from what the service exports (PRESETS, preset.rule.ts).
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

/**
 * gRPC server metrics. Both generations of the semantic conventions: `rpc.server.call.duration`
 * (seconds, status in `rpc.response.status_code` as the code's name; semconv after v1.37.0) and
 * `rpc.server.duration` (milliseconds, `rpc.grpc.status_code` as its number; v1.37.0 and before).
 * Server errors are the codes the gRPC conventions list for servers (semantic-conventions
 * docs/rpc/grpc.md, server span, note on `rpc.response.status_code`: UNKNOWN, DEADLINE_EXCEEDED,
 * UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS); the others (NOT_FOUND, INVALID_ARGUMENT…)
 * are the caller's. A service emitting both (`OTEL_SEMCONV_STABILITY_OPT_IN=rpc/dup`) is read
 * on the current metric (the legacy series of a target that has current ones are left out).
 */
const RPC = 'rpc_server_call_duration_seconds';
const RPC_LEGACY = 'rpc_server_duration_milliseconds';
export const GRPC_SERVER_ERROR_CODES = [
  ['UNKNOWN', 2],
  ['DEADLINE_EXCEEDED', 4],
  ['UNIMPLEMENTED', 12],
  ['INTERNAL', 13],
  ['UNAVAILABLE', 14],
  ['DATA_LOSS', 15],
] as const;
const RPC_ERRORS = `,rpc_response_status_code=~"${GRPC_SERVER_ERROR_CODES.map(([name]) => name).join('|')}"`;
const RPC_LEGACY_ERRORS = `,rpc_grpc_status_code=~"${GRPC_SERVER_ERROR_CODES.map(([, code]) => code).join('|')}"`;
/** The legacy histogram's boundary in milliseconds (the SDK's default buckets hold 250). */
const LEGACY_LATENCY_BUCKET = '250';

/** Calls (or messages) slower than the latency bucket, per series. */
const slow =
  (metric: string, le: string): Expr =>
  (selector) =>
    `(${metric}_count{${selector}} - ignoring (le) ${metric}_bucket{${selector},le="${le}"})`;
const counted =
  (name: string, extra = ''): Expr =>
  (selector) =>
    `${name}{${selector}${extra}}`;
/** The current metric's series, and the legacy one's of the targets without the current one. */
const preferred =
  (current: Expr, legacy: Expr): Expr =>
  (selector) =>
    `(${current(selector)} or (${legacy(selector)} unless on (job, instance) ${RPC}_count{${selector}}))`;

const rpcCalls = preferred(counted(`${RPC}_count`), counted(`${RPC_LEGACY}_count`));

/**
 * Queue consumers: `messaging.process.duration` (seconds), failed when `error.type` is set (the
 * semantic conventions: "Conditionally Required: if and only if the messaging operation has
 * failed", docs/messaging/messaging-metrics.md); and `messaging.client.consumed.messages`, the
 * consumer's count of messages delivered, with `error.type` on the failed deliveries.
 */
const PROCESS = 'messaging_process_duration_seconds';
const CONSUMED = 'messaging_client_consumed_messages_total';
const FAILED = ',error_type!=""';

/** A family of default SLIs, judged when the service has series of its total. */
export interface SliPreset {
  /** As recorded in the evidence: `http`, `rpc`, `messaging`, `messaging_consumed`. */
  readonly name: string;
  /** The counters looked for, for the evidence and for the reason when none is found. */
  readonly lookedFor: string;
  readonly slis: readonly SliSpec[];
}

export const PRESETS: readonly SliPreset[] = [
  {
    name: 'http',
    lookedFor: `${METRIC}_count (http.server.request.duration)`,
    slis: DEFAULT_SLIS,
  },
  {
    name: 'rpc',
    lookedFor: `${RPC}_count (rpc.server.call.duration) or ${RPC_LEGACY}_count (rpc.server.duration)`,
    slis: [
      {
        name: 'rpc_errors',
        objective: 0.999,
        totalQuery: eitherLayout(rpcCalls),
        badQuery: `${eitherLayout(preferred(counted(`${RPC}_count`, RPC_ERRORS), counted(`${RPC_LEGACY}_count`, RPC_LEGACY_ERRORS)))} or vector(0)`,
      },
      {
        name: 'rpc_latency',
        objective: 0.99,
        totalQuery: eitherLayout(rpcCalls),
        badQuery: eitherLayout(
          preferred(slow(RPC, DEFAULT_LATENCY_BUCKET), slow(RPC_LEGACY, LEGACY_LATENCY_BUCKET)),
        ),
      },
    ],
  },
  {
    name: 'messaging',
    lookedFor: `${PROCESS}_count (messaging.process.duration)`,
    slis: [
      {
        name: 'messaging_errors',
        objective: 0.999,
        totalQuery: eitherLayout(counted(`${PROCESS}_count`)),
        badQuery: `${eitherLayout(counted(`${PROCESS}_count`, FAILED))} or vector(0)`,
      },
      {
        name: 'messaging_latency',
        objective: 0.99,
        totalQuery: eitherLayout(counted(`${PROCESS}_count`)),
        badQuery: eitherLayout(slow(PROCESS, DEFAULT_LATENCY_BUCKET)),
      },
    ],
  },
  {
    name: 'messaging_consumed',
    lookedFor: `${CONSUMED} (messaging.client.consumed.messages)`,
    slis: [
      {
        name: 'consumed_errors',
        objective: 0.999,
        totalQuery: eitherLayout(counted(CONSUMED)),
        badQuery: `${eitherLayout(counted(CONSUMED, FAILED))} or vector(0)`,
      },
    ],
  },
];

/**
 * Whether a policy judges with the default SLIs (the default policy, or a saved one without SLIs
 * of its own): then the presets are chosen from what the service exports.
 */
export function usesDefaultSlis(slis: readonly SliSpec[]): boolean {
  return (
    slis.length === DEFAULT_SLIS.length &&
    slis.every((s, i) => {
      const d = DEFAULT_SLIS[i];
      return (
        s.name === d.name &&
        s.objective === d.objective &&
        counterForm(s.totalQuery) === d.totalQuery &&
        counterForm(s.badQuery) === d.badQuery
      );
    })
  );
}

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

/** A stored default template in its counter form (an old default converted). */
const counterForm = (template: string): string =>
  LEGACY_DEFAULT_TEMPLATES.get(template) ?? template;
