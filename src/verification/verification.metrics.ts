import { Gauge } from 'prom-client';
import { counter, histogram, registry } from '../observability/metrics.js';
import { TICK_CLASSIFICATIONS } from './analysis/tick.rule.js';
import { VERIFICATION_STATES } from './analysis/verdict.rule.js';

export const verificationTicks = counter(
  'shipwatch_verification_ticks_total',
  'Release verification ticks by classification (PASS, REGRESSION, CRITICAL, INSUFFICIENT, ...)',
  ['classification'],
);

export const verificationVerdicts = counter(
  'shipwatch_verifications_total',
  'Release verifications that reached a verdict, by verdict (HEALTHY, FAILED, INCONCLUSIVE, ...)',
  ['verdict'],
);

export const verificationTickDuration = histogram(
  'shipwatch_verification_tick_duration_seconds',
  'Duration of one verification tick (Prometheus queries and analysis)',
  [],
  [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
);

let dueLag: (() => Promise<number>) | null = null;

/** Reads the lag from the database at every scrape, on every replica (scheduler on or off). */
export function measureOldestDueTickLag(read: (() => Promise<number>) | null): void {
  dueLag = read;
}

export const verificationOldestDueTickLag = new Gauge({
  name: 'shipwatch_verification_oldest_due_tick_lag_seconds',
  help: 'How long the oldest due release verification tick has waited to run (0 when none is due)',
  registers: [registry],
  async collect() {
    if (!dueLag) return;
    try {
      this.set(await dueLag());
    } catch {
      // The database did not answer: keep the last value (ShipwatchDown/readiness report that).
    }
  },
});

/** reason: query (the query is wrong) | unavailable (Prometheus did not answer). */
export const prometheusQueryErrors = counter(
  'shipwatch_prometheus_query_errors_total',
  'Prometheus queries that failed, by reason',
  ['reason'],
);

// Zero-initialised series, so that rates exist before the first event.
for (const classification of TICK_CLASSIFICATIONS) verificationTicks.inc({ classification }, 0);
for (const verdict of VERIFICATION_STATES) {
  if (verdict !== 'RUNNING') verificationVerdicts.inc({ verdict }, 0);
}
for (const reason of ['query', 'unavailable']) prometheusQueryErrors.inc({ reason }, 0);

/** rolled_back: whether the policy's lateRegressionRollback requested a rollback. */
export const verificationLateRegressions = counter(
  'shipwatch_verification_late_regressions_total',
  'Late regressions: HEALTHY releases whose SLIs burnt their budget during the late watch, attributed to the release',
  ['rolled_back'],
);

export const verificationLateChecks = counter(
  'shipwatch_verification_late_checks_total',
  'Checks of the late watch after HEALTHY verdicts, by outcome (QUIET, REGRESSED, SUPERSEDED, ENDED)',
  ['outcome'],
);

for (const rolled_back of ['true', 'false']) verificationLateRegressions.inc({ rolled_back }, 0);
for (const outcome of ['QUIET', 'REGRESSED', 'SUPERSEDED', 'ENDED']) {
  verificationLateChecks.inc({ outcome }, 0);
}
