import type { SignalSource } from './analysis/counter-reading.js';
import type { PrometheusClient } from './prometheus.client.js';
import { PrometheusSignalSource, targetScope } from './prometheus.source.js';
import type { ReleaseVerificationEntity } from './release-verification.entity.js';

/** Used when PROMETHEUS_URL is unset: every reading is an error (⇒ INCONCLUSIVE, never FAILED). */
const UNCONFIGURED = 'PROMETHEUS_URL is not configured';
const offline = { kind: 'ERROR', code: 'PROMETHEUS_UNAVAILABLE', message: UNCONFIGURED } as const;
const OFFLINE: SignalSource = {
  lastValues: async () => ({ result: offline, queries: [] }),
  freshSeries: async () => ({ result: offline, queries: [] }),
  scrape: async () => ({ result: offline, queries: [] }),
  value: async () => ({ reading: { kind: 'ERROR', message: UNCONFIGURED }, queries: [] }),
};

/** How a verification's ticks and its late watch read the release's signals. */
export function releaseSignalSource(
  prometheus: PrometheusClient | null,
  v: ReleaseVerificationEntity,
  subject: { readonly service: string; readonly namespace: string; readonly environment: string },
): SignalSource {
  if (!prometheus) return OFFLINE;
  return new PrometheusSignalSource(prometheus, {
    service: subject.service,
    namespace: subject.namespace,
    environment: subject.environment,
    version: v.version,
    previousVersion: v.previousVersion,
    preDeployVersion: v.preDeployVersion,
    target: targetScope(v.policy.targetLabel, v.target),
  });
}
