import {
  DEFAULT_RETRY_POLICY,
  backoffDelayMs,
  decideRetry,
  expiredBeforeAttempt,
  isRetryableStatus,
} from './retry.rule.js';

const createdAt = new Date('2026-03-01T10:00:00Z');
const at = (ms: number) => new Date(createdAt.getTime() + ms);

describe('backoffDelayMs', () => {
  it('doubles per attempt, with half of the delay random', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, 0))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, 1))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffDelayMs(3, 0.5)).toBe(3000);
  });

  it('is capped at the maximum delay', () => {
    expect(backoffDelayMs(30, 1)).toBe(DEFAULT_RETRY_POLICY.maxDelayMs);
    expect(backoffDelayMs(30, 0)).toBe(DEFAULT_RETRY_POLICY.maxDelayMs / 2);
  });

  it('clamps a random value outside [0, 1]', () => {
    expect(backoffDelayMs(1, 7)).toBe(1000);
    expect(backoffDelayMs(1, -1)).toBe(500);
  });
});

describe('decideRetry', () => {
  it('schedules the next attempt after the backoff delay', () => {
    const now = at(10_000);
    expect(
      decideRetry({ kind: 'ROLLBACK', attempts: 2, createdAt, retryable: true }, now, 1),
    ).toEqual({ action: 'retry', at: at(12_000) });
  });

  it('gives up on a permanent failure at once', () => {
    expect(
      decideRetry({ kind: 'ALERT', attempts: 1, createdAt, retryable: false }, at(0), 0),
    ).toEqual({ action: 'dead', reason: 'permanent failure' });
  });

  it('gives up after the maximum number of attempts', () => {
    const max = DEFAULT_RETRY_POLICY.maxAttempts;
    expect(
      decideRetry({ kind: 'ALERT', attempts: max - 1, createdAt, retryable: true }, at(0), 0)
        .action,
    ).toBe('retry');
    expect(
      decideRetry({ kind: 'ALERT', attempts: max, createdAt, retryable: true }, at(0), 0),
    ).toEqual({ action: 'dead', reason: `gave up after ${max} attempts` });
  });

  it('gives up on a rollback whose next attempt would fall past its maximum age', () => {
    const maxAge = DEFAULT_RETRY_POLICY.maxAgeMs.ROLLBACK;
    expect(
      decideRetry(
        { kind: 'ROLLBACK', attempts: 1, createdAt, retryable: true },
        at(maxAge - 2000),
        0,
      ).action,
    ).toBe('retry');
    expect(
      decideRetry({ kind: 'ROLLBACK', attempts: 1, createdAt, retryable: true }, at(maxAge), 0),
    ).toEqual({ action: 'dead', reason: 'older than 30 min' });
    // Alerts live longer.
    expect(
      decideRetry({ kind: 'ALERT', attempts: 1, createdAt, retryable: true }, at(maxAge), 0).action,
    ).toBe('retry');
  });
});

describe('expiredBeforeAttempt', () => {
  const max = DEFAULT_RETRY_POLICY.maxAttempts;

  it('lets a fresh entry be sent', () => {
    expect(expiredBeforeAttempt({ kind: 'ROLLBACK', attempts: 1, createdAt }, at(1000))).toBeNull();
    expect(expiredBeforeAttempt({ kind: 'ALERT', attempts: max, createdAt }, at(1000))).toBeNull();
  });

  it('never sends a rollback older than its maximum age (e.g. no dispatcher ran meanwhile)', () => {
    const maxAge = DEFAULT_RETRY_POLICY.maxAgeMs.ROLLBACK;
    expect(
      expiredBeforeAttempt({ kind: 'ROLLBACK', attempts: 1, createdAt }, at(maxAge)),
    ).toBeNull();
    expect(expiredBeforeAttempt({ kind: 'ROLLBACK', attempts: 1, createdAt }, at(maxAge + 1))).toBe(
      'not sent: older than 30 min',
    );
    expect(
      expiredBeforeAttempt({ kind: 'ALERT', attempts: 1, createdAt }, at(maxAge + 1)),
    ).toBeNull();
  });

  it('stops an entry whose claims keep dying without an outcome', () => {
    expect(expiredBeforeAttempt({ kind: 'ALERT', attempts: max + 1, createdAt }, at(0))).toBe(
      `gave up after ${max} attempts without an outcome`,
    );
  });
});

describe('isRetryableStatus', () => {
  it.each([408, 409, 425, 429, 500, 502, 503, 504])('retries %i', (status) => {
    expect(isRetryableStatus(status)).toBe(true);
  });
  it.each([400, 401, 403, 404, 410, 413, 422])('does not retry %i', (status) => {
    expect(isRetryableStatus(status)).toBe(false);
  });
});
