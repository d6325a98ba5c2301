/**
 * Every error a client may see carries a stable code. Features declare their own codes
 * (`<feature>.errors.ts`) as subclasses or factories of DomainError; the GraphQL error formatter
 * and the HTTP exception filter turn the code into `extensions.code` / a JSON body and a status.
 */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  | (string & {});

/** HTTP status of the generic codes; feature codes pick one through `httpStatus`. */
const STATUS_BY_CODE: Record<string, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
};

export interface DomainErrorOptions {
  /** Structured details for clients, e.g. per-field problems. Never secrets. */
  readonly details?: Record<string, unknown>;
  readonly httpStatus?: number;
  readonly cause?: unknown;
}

export class DomainError extends Error {
  readonly details?: Record<string, unknown>;
  readonly httpStatus: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: DomainErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'DomainError';
    this.details = options.details;
    this.httpStatus = options.httpStatus ?? STATUS_BY_CODE[code] ?? 400;
  }
}

export const badInput = (message: string, details?: Record<string, unknown>): DomainError =>
  new DomainError('BAD_USER_INPUT', message, { details });

export const notFound = (what: string, id: string): DomainError =>
  new DomainError('NOT_FOUND', `${what} ${id} does not exist`);
