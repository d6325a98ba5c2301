import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { parentContext } from './verification.tracing.js';

describe('parentContext', () => {
  it('continues the CI trace from a W3C traceparent', () => {
    const ctx = parentContext('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    expect(trace.getSpanContext(ctx)).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: 1,
      isRemote: true,
    });
  });

  it('starts a new trace without a valid traceparent', () => {
    expect(parentContext(null)).toBe(ROOT_CONTEXT);
    expect(parentContext('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBe(
      ROOT_CONTEXT,
    );
    expect(parentContext('garbage')).toBe(ROOT_CONTEXT);
  });
});
