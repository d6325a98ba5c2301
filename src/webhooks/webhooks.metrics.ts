import { counter } from '../observability/metrics.js';

export const WEBHOOK_SOURCES = [
  'github',
  'gitlab',
  'cloudevents',
  'alertmanager',
  'pagerduty',
  'opsgenie',
  'grafana_oncall',
  'incident_io',
  'flux',
] as const;
export type WebhookSource = (typeof WEBHOOK_SOURCES)[number];

/**
 * What became of a delivery: `accepted` (applied), `stored` (kept raw, not modelled: 202),
 * `duplicate`, `rejected` (an event failed validation), `malformed`, `unauthenticated`
 * (bad or missing signature/token, or the endpoint is not configured).
 */
export const WEBHOOK_RESULTS = [
  'accepted',
  'stored',
  'duplicate',
  'rejected',
  'malformed',
  'unauthenticated',
] as const;
export type WebhookResult = (typeof WEBHOOK_RESULTS)[number];

export const webhookDeliveries = counter(
  'shipwatch_webhook_deliveries_total',
  'Webhook deliveries by source and result (one per event in a CloudEvents batch)',
  ['source', 'result'] as const,
);
for (const source of WEBHOOK_SOURCES) {
  for (const result of WEBHOOK_RESULTS) webhookDeliveries.inc({ source, result }, 0);
}

/**
 * The result label of a delivery refused before ingestion, from its error code. Rejections by
 * ingestion (INVALID_EVENT) are counted where they happen, once per event.
 */
export function resultOfError(code: string): WebhookResult | undefined {
  switch (code) {
    case 'INVALID_SIGNATURE':
    case 'WEBHOOK_NOT_CONFIGURED':
    case 'UNAUTHENTICATED':
    case 'FORBIDDEN':
      return 'unauthenticated';
    case 'MALFORMED_PAYLOAD':
    case 'PAYLOAD_TOO_DEEP':
    case 'UNSUPPORTED_CDEVENTS_VERSION':
    case 'BAD_REQUEST':
    case 'PAYLOAD_TOO_LARGE':
      return 'malformed';
    default:
      return undefined;
  }
}
