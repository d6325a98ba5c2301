import { counter, gauge } from '../observability/metrics.js';
import { PUBLISH_CHANNELS } from './remediation-action.js';

export const outboxPending = gauge(
  'shipwatch_outbox_pending',
  'Remediation outbox entries waiting for delivery (PENDING or DELIVERING), refreshed by the dispatcher',
  [],
);

export const outboxOldestPendingAge = gauge(
  'shipwatch_outbox_oldest_pending_age_seconds',
  'Age of the oldest remediation outbox entry waiting for delivery (0 when none)',
  [],
);

/** result: delivered | retry | dead | refused (refused at enqueue, never sent). */
export const outboxDeliveries = counter(
  'shipwatch_outbox_deliveries_total',
  'Remediation delivery attempts by kind (ROLLBACK, ALERT, PUBLISH, GITHUB_PROTECTION, SLACK_RESPONSE), channel and result',
  ['kind', 'channel', 'result'],
);

/** reason: critical | regression | verification_failed (a bounded set derived from the action). */
export const rollbacks = counter(
  'shipwatch_rollbacks_total',
  'Rollback requests accepted by their target',
  ['reason'],
);

export function rollbackReasonLabel(
  reason: string,
): 'critical' | 'regression' | 'verification_failed' {
  if (/critical/i.test(reason)) return 'critical';
  if (/regress/i.test(reason)) return 'regression';
  return 'verification_failed';
}

// Zero-initialised series, so that rate()/increase() alerts see the first delivery or failure.
const CHANNELS = {
  ROLLBACK: [
    'WEBHOOK',
    'GITHUB_REPOSITORY_DISPATCH',
    'GITHUB_WORKFLOW_DISPATCH',
    'GITLAB_PIPELINE_TRIGGER',
  ],
  ALERT: ['ALERTMANAGER', 'SLACK', 'PAGERDUTY'],
  PUBLISH: PUBLISH_CHANNELS,
  GITHUB_PROTECTION: ['GITHUB_APP'],
  SLACK_RESPONSE: ['SLACK'],
} as const;
for (const [kind, channels] of Object.entries(CHANNELS)) {
  for (const channel of channels) {
    for (const result of ['delivered', 'retry', 'dead', 'refused']) {
      outboxDeliveries.inc({ kind, channel, result }, 0);
    }
  }
}
for (const reason of ['critical', 'regression', 'verification_failed'] as const) {
  rollbacks.inc({ reason }, 0);
}
