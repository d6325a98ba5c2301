import { Logger } from '@nestjs/common';
import { DomainError } from './domain-error.js';

const logger = new Logger('Database');

/** Socket errors of a database connection that is refused, dropped or unreachable. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs that mean "the server is going away or cannot take you now": class 08 (connection
 * exception), admin/crash shutdown, cannot connect now (starting up, recovering), too many
 * connections. The request did not fail because of its content; the same request may succeed later.
 */
const SQLSTATE_UNAVAILABLE = /^(08...|57P0[123]|53300)$/;

const RELEASED_RUNNER = new Set([
  'QueryRunnerProviderAlreadyReleasedError',
  'QueryRunnerAlreadyReleasedError',
]);

/** Messages of node-postgres / pg-pool errors that carry no code. */
const DRIVER_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Connection ended',
];

/**
 * True when `error` (or what it wraps: TypeORM's driverError, a cause, graphql-js' thrown value)
 * says that PostgreSQL is unreachable. Duck-typed on `code` and `message`: errors may come from
 * another realm (tests run in a VM context) where `instanceof Error` does not hold.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (error === null || typeof error !== 'object' || depth > 5) return false;
  const e = error as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    driverError?: unknown;
    cause?: unknown;
    originalError?: unknown;
    thrownValue?: unknown;
  };
  if (typeof e.code === 'string') {
    if (NETWORK_CODES.has(e.code) || SQLSTATE_UNAVAILABLE.test(e.code)) return true;
  }
  // TypeORM, when the connection of a transaction was lost and released under it (the warning
  // that mapDatabaseUnavailable logs keeps the original message, should it ever be a bug).
  if (RELEASED_RUNNER.has(e.name as string)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  if (
    DRIVER_MESSAGES.some(
      (m) => message === m || message.startsWith(`${m} `) || message.startsWith(`${m}:`),
    )
  ) {
    return true;
  }
  return [e.driverError, e.cause, e.originalError, e.thrownValue].some(
    (inner) => inner !== error && isDatabaseUnavailable(inner, depth + 1),
  );
}

/**
 * The retryable error clients see while the database is down: GraphQL `extensions.code`
 * UNAVAILABLE, HTTP 503 with Retry-After. Nothing of the request was stored unless a retry finds
 * it as a duplicate: ingestion is idempotent, so the client retries the same event.
 */
export function databaseUnavailableError(cause: unknown): DomainError {
  return new DomainError(
    'UNAVAILABLE',
    'the service is temporarily unavailable (its database does not answer); retry the request',
    {
      details: { retryAfterSeconds: 1 },
      cause,
    },
  );
}

/**
 * `error` as clients should see it: the retryable UNAVAILABLE error when it says the database is
 * unreachable (logged as a warning with its cause), else `error` itself.
 */
export function mapDatabaseUnavailable(error: unknown): unknown {
  if (!isDatabaseUnavailable(error)) return error;
  const e = error as { message?: unknown; code?: unknown };
  const cause = typeof e.message === 'string' && e.message !== '' ? e.message : String(e.code);
  logger.warn(`the database does not answer (${cause}); the request was answered UNAVAILABLE`);
  return databaseUnavailableError(error);
}
