import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Logger,
} from '@nestjs/common';
import type { Response } from 'express';
import { mapDatabaseUnavailable } from './database-unavailable.js';
import { DomainError } from './domain-error.js';

/** Codes of the generic HTTP statuses Nest and Express raise (body parser, 404 routes, guards). */
const CODE_BY_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/** HTTP routes answer every error as `{ "error": { "code", "message" } }`. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpExceptionFilter.name);

  catch(thrown: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw thrown;
    // A dropped database is a retryable 503, not an internal error.
    const exception = mapDatabaseUnavailable(thrown);
    const res = host.switchToHttp().getResponse<Response>();
    const { status, body } = toHttpError(exception);
    if (status >= 500 && status !== 503)
      this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    if (
      exception instanceof DomainError &&
      (exception.code === 'RATE_LIMITED' || exception.code === 'UNAVAILABLE')
    ) {
      const retryAfter = exception.details?.retryAfterSeconds;
      if (typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
    }
    res.status(status).json(body);
  }
}

export function toHttpError(exception: unknown): { status: number; body: unknown } {
  if (exception instanceof DomainError) {
    return {
      status: exception.httpStatus,
      body: { error: { code: exception.code, message: exception.message, ...exception.details } },
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    return {
      status,
      body: { error: { code: CODE_BY_STATUS[status] ?? 'HTTP_ERROR', message: exception.message } },
    };
  }
  const status = (exception as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // body-parser errors (malformed JSON, too large) carry a status and an expose-safe message
    const message = (exception as Error).message;
    return { status, body: { error: { code: CODE_BY_STATUS[status] ?? 'BAD_REQUEST', message } } };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } };
}
