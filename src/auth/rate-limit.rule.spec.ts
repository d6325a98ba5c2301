import { TokenBuckets } from './rate-limit.rule.js';

describe('TokenBuckets', () => {
  it('allows a burst, then refuses until tokens refill at the configured rate', () => {
    const buckets = new TokenBuckets(2, 3);
    const t0 = 1_000_000;
    expect([1, 2, 3].map(() => buckets.take('a', t0).allowed)).toEqual([true, true, true]);
    expect(buckets.take('a', t0)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(buckets.take('a', t0 + 499).allowed).toBe(false);
    expect(buckets.take('a', t0 + 1000).allowed).toBe(true);
  });

  it('keeps one bucket per key', () => {
    const buckets = new TokenBuckets(1, 1);
    expect(buckets.take('a', 0).allowed).toBe(true);
    expect(buckets.take('a', 0).allowed).toBe(false);
    expect(buckets.take('b', 0).allowed).toBe(true);
  });

  it('says how long to wait at a slow rate', () => {
    const buckets = new TokenBuckets(0.1, 1);
    buckets.take('a', 0);
    expect(buckets.take('a', 0).retryAfterSeconds).toBe(10);
  });
});
