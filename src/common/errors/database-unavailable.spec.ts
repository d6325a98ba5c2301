import { databaseUnavailableError, isDatabaseUnavailable } from './database-unavailable.js';

describe('isDatabaseUnavailable', () => {
  it.each([
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    ],
    [
      'a plain object from another realm',
      { errno: -111, code: 'ECONNREFUSED', syscall: 'connect' },
    ],
    ['a dropped connection', new Error('Connection terminated unexpectedly')],
    ['a pool timeout', new Error('timeout exceeded when trying to connect')],
    [
      'admin shutdown (57P01)',
      { code: '57P01', message: 'terminating connection due to administrator command' },
    ],
    [
      'the server starting up (57P03)',
      { code: '57P03', message: 'the database system is starting up' },
    ],
    ['a connection exception (08006)', { code: '08006', message: 'connection failure' }],
    ['too many connections (53300)', { code: '53300', message: 'sorry, too many clients already' }],
    [
      'a transaction whose connection TypeORM released',
      { name: 'QueryRunnerProviderAlreadyReleasedError', message: 'Database connection ...' },
    ],
    [
      'a commit on a released query runner',
      { name: 'QueryRunnerAlreadyReleasedError', message: 'Query runner already released.' },
    ],
    ['a TypeORM QueryFailedError', { message: 'x', driverError: { code: '57P01' } }],
    ['a wrapped cause', new Error('outer', { cause: { code: 'ECONNRESET' } })],
    [
      'a graphql-js non-error',
      { message: 'Unexpected error value', thrownValue: { code: 'EPIPE' } },
    ],
  ])('recognises %s', (_label, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', { code: '23505', message: 'duplicate key value' }],
    ['a syntax error', { code: '42601', message: 'syntax error' }],
    ['a serialization failure', { code: '40001', message: 'could not serialize' }],
    ['a plain error', new Error('boom')],
    ['a string', 'ECONNREFUSED'],
    ['null', null],
    [
      'a self-referencing cause',
      (() => {
        const e: { cause?: unknown; message: string } = { message: 'loop' };
        e.cause = e;
        return e;
      })(),
    ],
  ])('does not mistake %s for an outage', (_label, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it('builds a retryable 503 error with a code', () => {
    const error = databaseUnavailableError(new Error('Connection terminated'));
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.httpStatus).toBe(503);
    expect(error.details).toEqual({ retryAfterSeconds: 1 });
  });
});
