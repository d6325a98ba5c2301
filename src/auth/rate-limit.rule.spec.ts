import { clientKey, TokenBuckets } from './rate-limit.rule.js';

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

describe('clientKey', () => {
  it('keys IPv4 by address and IPv6 by its /64, however it is written', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('2001:db8:0:1:aaaa::1')).toBe('2001:db8:0:1::/64');
    expect(clientKey('2001:0db8:0000:0001:ffff:1:2:3')).toBe('2001:db8:0:1::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientKey(undefined)).toBe('unknown');
  });
});

describe('TokenBuckets.peek', () => {
  it('answers like take without taking', () => {
    const buckets = new TokenBuckets(1, 1);
    expect(buckets.peek('a', 0).allowed).toBe(true);
    expect(buckets.peek('a', 0).allowed).toBe(true);
    expect(buckets.take('a', 0).allowed).toBe(true);
    expect(buckets.peek('a', 0)).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });
});
