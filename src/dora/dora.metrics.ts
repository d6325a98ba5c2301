import { counter, gauge, histogram } from '../observability/metrics.js';

/**
 * DORA as Prometheus metrics. Labels are bounded: `service` is a registered service
 * (`namespace/name`, or `name` without namespace), `environment` an environment tier, `status` a
 * deployment status. Counters and histograms move as facts change (each change is counted by the
 * one replica whose refresh consumed it, so sum them over replicas); the 30-day gauges are
 * computed by one replica and exported by every replica with the scheduler on (take `max by`).
 */
export const deploymentsTotal = counter(
  'shipwatch_deployments_total',
  'Deployment status transitions reported to Shipwatch, by service, environment tier and new status',
  ['service', 'environment', 'status'],
);

/** From one minute to 90 days. */
export const LEAD_TIME_BUCKETS = [
  60, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400, 172_800, 345_600, 604_800, 1_209_600,
  2_592_000, 7_776_000,
];
export const leadTimeSeconds = histogram(
  'shipwatch_lead_time_seconds',
  'Change lead time (first commit of the pull request, else commit, to the production deployment that shipped it), observed when the deployment reached users',
  ['service', 'environment'],
  LEAD_TIME_BUCKETS,
);

export const changeFailuresTotal = counter(
  'shipwatch_change_failures_total',
  'Deployments that reached users and then failed (rolled back, remediated, or named as the cause of an incident)',
  ['service', 'environment'],
);

/** From one minute to two weeks. */
export const RECOVERY_TIME_BUCKETS = [
  60, 300, 900, 1800, 3600, 7200, 14_400, 43_200, 86_400, 259_200, 604_800, 1_209_600,
];
export const recoveryTimeSeconds = histogram(
  'shipwatch_recovery_time_seconds',
  'Failed deployment recovery time, observed when the failed deployment recovered',
  ['service', 'environment'],
  RECOVERY_TIME_BUCKETS,
);

export const deploymentFrequency30d = gauge(
  'shipwatch_dora_deployment_frequency_30d',
  'Production deployments per day over the last 30 days',
  ['service'],
);
export const leadTimeP50Seconds30d = gauge(
  'shipwatch_dora_lead_time_p50_30d_seconds',
  'Median change lead time of production deployments over the last 30 days',
  ['service'],
);
export const changeFailureRate30d = gauge(
  'shipwatch_dora_change_failure_rate_30d',
  'Share of production deployments of the last 30 days that failed',
  ['service'],
);
export const recoveryTimeP50Seconds30d = gauge(
  'shipwatch_dora_recovery_time_p50_30d_seconds',
  'Median failed deployment recovery time of recoveries in the last 30 days',
  ['service'],
);
export const reworkRate30d = gauge(
  'shipwatch_dora_rework_rate_30d',
  'Share of production deployments of the last 30 days that were unplanned (hotfix, rollback, revert, remediation)',
  ['service'],
);
export const pendingMarks = gauge(
  'shipwatch_dora_pending_changes',
  'Changes to deployments and incidents not yet folded into the DORA facts',
  [],
);
