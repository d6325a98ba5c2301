import type { RawBodyRequest } from '@nestjs/common';
import type { Request } from 'express';
import { verifySlackSignature } from './signatures.js';
import { invalidSignature, webhookNotConfigured } from './webhooks.errors.js';

/** A request Slack signed: its form-encoded body and its key against replays. */
export interface SignedSlackRequest {
  readonly body: string;
  /** The request's X-Slack-Signature, lower-cased: each signed request is acted on once. */
  readonly requestKey: string;
}

/**
 * The one check of every request a Slack app sends Shipwatch (buttons, slash commands), before
 * anything is read from it: SLACK_SIGNING_SECRET is set (else 401 WEBHOOK_NOT_CONFIGURED), and
 * the raw body is signed with it within five minutes of `now` (else 401 INVALID_SIGNATURE).
 * Replays of a signed request are refused by its caller, with the request key.
 */
export function signedSlackRequest(
  secret: string | undefined,
  req: RawBodyRequest<Request>,
  now: Date,
): SignedSlackRequest {
  if (!secret) throw webhookNotConfigured('SLACK_SIGNING_SECRET');
  const body = req.rawBody ?? Buffer.alloc(0);
  const signature = req.header('x-slack-signature');
  const refused = verifySlackSignature(
    secret,
    body,
    { timestamp: req.header('x-slack-request-timestamp'), signature },
    now,
  );
  if (refused) throw invalidSignature(refused);
  return { body: body.toString('utf8'), requestKey: signature!.trim().toLowerCase() };
}
