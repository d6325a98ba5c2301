import { unwrapResolverError } from '@apollo/server/errors';
import { Logger } from '@nestjs/common';
import type { GraphQLFormattedError } from 'graphql';
import { mapDatabaseUnavailable } from '../errors/database-unavailable.js';
import { DomainError } from '../errors/domain-error.js';
import { TOKEN_LIMIT_MESSAGE } from './limits.js';

const logger = new Logger('GraphQL');

/** Codes that graphql-js and Apollo set themselves and that are safe to show as they are. */
const PASS_THROUGH = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'PERSISTED_QUERY_NOT_FOUND',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
  'QUERY_TOO_COMPLEX',
]);

/**
 * The one place that turns errors into GraphQL errors: a DomainError's code becomes
 * `extensions.code`; anything unexpected is logged and shown as INTERNAL_SERVER_ERROR without
 * details (no stack traces or SQL reach clients).
 */
export function formatGraphqlError(
  formatted: GraphQLFormattedError,
  error: unknown,
): GraphQLFormattedError {
  // A dropped database is a retryable UNAVAILABLE, not an internal error.
  const original = mapDatabaseUnavailable(unwrapResolverError(error));
  const base = { locations: formatted.locations, path: formatted.path };
  if (original instanceof DomainError) {
    return {
      ...base,
      message: original.message,
      extensions: { code: original.code, ...original.details },
    };
  }
  // Validation rules (limits, string literals) put their own code on the error Apollo wraps as
  // GRAPHQL_VALIDATION_FAILED; the parser's token limit is a limit too, not a syntax error.
  const inner = (error as { originalError?: { extensions?: Record<string, unknown> } } | null)
    ?.originalError;
  const innerCode = inner?.extensions?.code;
  const code =
    innerCode === 'QUERY_TOO_COMPLEX' || innerCode === 'BAD_USER_INPUT'
      ? innerCode
      : TOKEN_LIMIT_MESSAGE.test(formatted.message)
        ? 'QUERY_TOO_COMPLEX'
        : formatted.extensions?.code;
  if (typeof code === 'string' && PASS_THROUGH.has(code)) {
    return { ...base, message: formatted.message, extensions: { code } };
  }
  logger.error(original instanceof Error ? (original.stack ?? original.message) : String(original));
  return { ...base, message: 'internal error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
