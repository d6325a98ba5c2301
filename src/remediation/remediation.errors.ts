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
