import { trace, type Span, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { SHIPWATCH_VERSION } from '../config/version.js';

/** Shipwatch's own tracer; a no-op unless instrumentation.ts started the SDK. */
export const tracer: Tracer = trace.getTracer('shipwatch', SHIPWATCH_VERSION);

/** Runs `fn` inside an active span, recording an exception as the span's error status. */
export async function inSpan<T>(
  name: string,
  attributes: Record<string, string | number | boolean>,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The active trace and span ids, for log lines. */
export function currentTraceIds(): { trace_id?: string; span_id?: string } {
  const ctx = trace.getActiveSpan()?.spanContext();
  if (!ctx || !trace.isSpanContextValid(ctx)) return {};
  return { trace_id: ctx.traceId, span_id: ctx.spanId };
}
