/**
 * Verifications and rollbacks as OpenTelemetry spans in the CI's trace: the deployment event's
 * W3C traceparent (deployments.trace_parent) is the parent, extracted with the registered
 * propagator, or parsed directly when none is registered (tracing off or tests).
 */
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
} from '@opentelemetry/api';
import { tracer } from '../observability/tracing.js';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function parentContext(traceParent: string | null): Context {
  if (!traceParent) return ROOT_CONTEXT;
  const extracted = propagation.extract(ROOT_CONTEXT, { traceparent: traceParent });
  if (trace.getSpanContext(extracted)) return extracted;
  const m = TRACEPARENT.exec(traceParent.trim().toLowerCase());
  if (!m || m[1] === 'ff' || /^0+$/.test(m[2]) || /^0+$/.test(m[3])) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: m[2],
    spanId: m[3],
    traceFlags: parseInt(m[4], 16) & TraceFlags.SAMPLED,
    isRemote: true,
  });
}

/** Runs `fn` with the deployment's trace as the active context. */
export function withDeploymentTrace<T>(
  traceParent: string | null,
  fn: () => Promise<T>,
): Promise<T> {
  return context.with(parentContext(traceParent), fn);
}

/** A finished span covering [start, end] under the deployment's trace. */
export function recordSpan(args: {
  readonly name: string;
  readonly traceParent: string | null;
  readonly start: Date;
  readonly end: Date;
  readonly attributes: Attributes;
  readonly failed: boolean;
  readonly message?: string;
}): void {
  const span = tracer.startSpan(
    args.name,
    { startTime: args.start, attributes: args.attributes, kind: SpanKind.INTERNAL },
    parentContext(args.traceParent),
  );
  if (args.failed) span.setStatus({ code: SpanStatusCode.ERROR, message: args.message });
  span.end(args.end);
}
