import { DomainError } from '../common/errors/domain-error.js';

export const invalidDoraFilter = (
  message: string,
  details?: Record<string, unknown>,
): DomainError => new DomainError('BAD_USER_INPUT', message, { details });

export const tooManyBuckets = (buckets: number, max: number): DomainError =>
  new DomainError(
    'DORA_TOO_MANY_BUCKETS',
    `the window holds about ${buckets} buckets; at most ${max} per report (use a coarser granularity)`,
    { httpStatus: 400, details: { buckets, max } },
  );
