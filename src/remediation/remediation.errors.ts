import { DomainError } from '../common/errors/domain-error.js';

export const outboundHostNotAllowed = (what: string, reason: string): DomainError =>
  new DomainError('OUTBOUND_HOST_NOT_ALLOWED', `${what} ${reason}`, {
    httpStatus: 400,
    details: { allowedHostsVariable: 'SHIPWATCH_OUTBOUND_ALLOWED_HOSTS' },
  });

export const invalidRollbackTarget = (problems: string[]): DomainError =>
  new DomainError('INVALID_ROLLBACK_TARGET', `invalid rollback target: ${problems.join('; ')}`, {
    httpStatus: 400,
    details: { problems },
  });

/** A rollback target's secret reference names a variable the server does not have. */
export const secretEnvNotSet = (field: string, message: string): DomainError =>
  new DomainError('SECRET_ENV_NOT_SET', `${field}: ${message}`, {
    httpStatus: 400,
    details: { field },
  });
