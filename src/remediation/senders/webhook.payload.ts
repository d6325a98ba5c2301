/**
 * The generic rollback webhook: a JSON body signed with HMAC-SHA256.
 *
 *   X-Shipwatch-Timestamp: <unix seconds of this attempt>
 *   X-Shipwatch-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 *   Idempotency-Key: <the same on every retry>
 *
 * The timestamp is inside the signed bytes, so a receiver that refuses timestamps older than a few
 * minutes cannot be fed a captured request again (replay); the Idempotency-Key lets it ignore the
 * retries of a request it already executed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { RollbackTarget } from '../remediation-action.js';
import type { ReleaseExplanation } from '../release-explanation.rule.js';
import {
  jsonHeaders,
  type DeliveryContext,
  type OutboundRequest,
  type RollbackAction,
} from './outbound-request.js';

export const SIGNATURE_HEADER = 'X-Shipwatch-Signature';
export const TIMESTAMP_HEADER = 'X-Shipwatch-Timestamp';
export const EVENT_HEADER = 'X-Shipwatch-Event';
export const ROLLBACK_EVENT = 'rollback.requested';
/** How old a signed timestamp may be before a receiver should refuse it. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

export interface RollbackWebhookBody {
  readonly type: 'shipwatch.rollback.requested';
  readonly idempotencyKey: string;
  readonly requestedAt: string;
  readonly deployment: {
    readonly id: string;
    readonly service: string;
    readonly namespace: string;
    readonly environment: string;
    readonly version: string | null;
    readonly previousVersion: string | null;
  };
  readonly rollback: { readonly toVersion: string; readonly reason: string };
  /** The release's changes, the verdict's one-line reason and the evidence link. */
  readonly explanation?: ReleaseExplanation;
}

export function rollbackWebhookBody(
  action: RollbackAction,
  ctx: Pick<DeliveryContext, 'idempotencyKey' | 'requestedAt'>,
): RollbackWebhookBody {
  const r = action.release;
  return {
    type: 'shipwatch.rollback.requested',
    idempotencyKey: ctx.idempotencyKey,
    requestedAt: ctx.requestedAt.toISOString(),
    deployment: {
      id: r.deploymentId,
      service: r.service,
      namespace: r.namespace,
      environment: r.environment,
      version: r.version,
      previousVersion: r.previousVersion,
    },
    rollback: { toVersion: action.toVersion, reason: action.reason },
    ...(action.explanation ? { explanation: action.explanation } : {}),
  };
}

export function signWebhook(secret: string, timestampSeconds: number, rawBody: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${rawBody}`).digest('hex');
  return `sha256=${mac}`;
}

/** What a receiver does (also used by the tests' receiver); constant-time comparison. */
export function verifyWebhookSignature(input: {
  readonly secret: string;
  readonly rawBody: string;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  readonly now: Date;
  readonly toleranceSeconds?: number;
}): boolean {
  const { timestamp, signature } = input;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
  const age = Math.abs(input.now.getTime() / 1000 - Number(timestamp));
  if (age > (input.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(signWebhook(input.secret, Number(timestamp), input.rawBody));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function webhookRollbackRequest(
  action: RollbackAction,
  target: Extract<RollbackTarget, { kind: 'WEBHOOK' }>,
  ctx: DeliveryContext,
): OutboundRequest {
  const body = JSON.stringify(rollbackWebhookBody(action, ctx));
  const timestamp = Math.floor(ctx.sentAt.getTime() / 1000);
  return {
    url: target.url,
    headers: {
      ...jsonHeaders(ctx),
      [EVENT_HEADER]: ROLLBACK_EVENT,
      [TIMESTAMP_HEADER]: String(timestamp),
      [SIGNATURE_HEADER]: signWebhook(target.secret, timestamp, body),
    },
    body,
    secrets: [target.secret],
  };
}
