/**
 * OpenTelemetry bootstrap, loaded before Nest with `node --import ./dist/src/instrumentation.js`.
 * It starts the NodeSDK only when an OTLP endpoint is configured (the standard OTEL_* variables);
 * otherwise it does nothing and tracing stays a no-op.
 */
import { register } from 'node:module';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
  ATTR_URL_QUERY,
} from '@opentelemetry/semantic-conventions';
import { SHIPWATCH_VERSION } from './config/version.js';
import { registerTracingSdk } from './observability/tracing-sdk.js';

export function tracingRequested(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

if (tracingRequested(process.env)) {
  // ESM modules (Nest 12) are patched through import-in-the-middle's loader hook.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: process.env.OTEL_SERVICE_NAME ?? 'shipwatch',
      [ATTR_SERVICE_VERSION]: SHIPWATCH_VERSION,
    }),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => req.url === '/metrics' || req.url === '/healthz',
        // A query string may carry credentials (`?access_token=`): spans keep the path only.
        startIncomingSpanHook: (req) =>
          req.url?.includes('?') ? { [ATTR_URL_QUERY]: 'REDACTED' } : {},
        // Outbound calls (rollback targets, alert channels) go through node:http, and their URLs
        // can be secrets (a Slack webhook's path): no client spans; `remediation.deliver` spans
        // name the kind and channel only.
        ignoreOutgoingRequestHook: () => true,
      }),
    ],
    // Metrics stay on /metrics (Prometheus pull); the SDK exports traces only.
    metricReaders: [],
  });
  sdk.start();
  // Flushed by the app's shutdown hook (ObservabilityModule), after in-flight requests end.
  registerTracingSdk(sdk);
}
