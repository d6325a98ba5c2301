import { DomainError } from '../common/errors/domain-error.js';
import type { FieldError } from '../ingestion/domain-events.js';
import { JsonTooDeepError, type MappingError } from './webhook-mapping.js';

/**
 * Error codes of the webhook endpoints. Unauthentic deliveries get 401 (a missing or wrong
 * signature or token, or an endpoint whose secret is not configured), malformed ones 400.
 */
export type WebhookErrorCode =
  | 'INVALID_SIGNATURE'
  | 'REPLAYED_REQUEST'
  | 'WEBHOOK_NOT_CONFIGURED'
  | 'MALFORMED_PAYLOAD'
  | 'PAYLOAD_TOO_DEEP'
  | 'UNSUPPORTED_CDEVENTS_VERSION'
  | 'INVALID_EVENT';

export const invalidSignature = (reason: string): DomainError =>
  new DomainError('INVALID_SIGNATURE', reason, { httpStatus: 401 });

/** A signed request (a Slack button click or slash command) that was acted on, sent again. */
export const replayedRequest = (): DomainError =>
  new DomainError('REPLAYED_REQUEST', 'this signed request was already received: refused', {
    httpStatus: 401,
  });

export const webhookNotConfigured = (variable: string): DomainError =>
  new DomainError(
    'WEBHOOK_NOT_CONFIGURED',
    `this endpoint refuses every delivery until ${variable} is set on the Shipwatch server`,
    { httpStatus: 401 },
  );

/** A hook URL's query parameter with a value the endpoint does not know. */
export const unknownQueryValue = (
  parameter: string,
  value: string,
  allowed: readonly string[],
): DomainError =>
  new DomainError(
    'BAD_USER_INPUT',
    `${parameter}=${JSON.stringify(value)} is not known: ${allowed.map((a) => `${parameter}=${a}`).join(' or ')}`,
    { details: { parameter, allowed } },
  );

export const malformedPayload = (message: string, details?: Record<string, unknown>): DomainError =>
  new DomainError('MALFORMED_PAYLOAD', message, { httpStatus: 400, details });

/** The delivery was well-formed but an event mapped from it failed ingestion's validation. */
export const invalidEvent = (
  errors: readonly FieldError[],
  details: Record<string, unknown> = {},
): DomainError =>
  new DomainError(
    'INVALID_EVENT',
    `the event is invalid: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`,
    { httpStatus: 400, details: { errors, ...details } },
  );

/** The refusal of an authentic delivery whose body a mapper could not read. */
export const mappingRefusal = (error: MappingError): DomainError =>
  error instanceof JsonTooDeepError
    ? new DomainError('PAYLOAD_TOO_DEEP', error.message, {
        httpStatus: 400,
        details: { maxDepth: error.maxDepth },
      })
    : malformedPayload(error.message);
