/**
 * Token buckets, one per API token: `ratePerSecond` refills, up to `burst`. Pure: the caller
 * passes the clock. An answer of `{ allowed: false, retryAfterSeconds }` becomes HTTP 429.
 */
export interface RateLimitDecision {
  readonly allowed: boolean;
  readonly retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly maxKeys = 100_000,
  ) {}

  take(key: string, nowMs: number): RateLimitDecision {
    const bucket = this.refill(key, nowMs);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, retryAfterSeconds: 0 };
    }
    return this.refusal(bucket);
  }

  /** What `take` would answer, without taking anything. */
  peek(key: string, nowMs: number): RateLimitDecision {
    const bucket = this.refill(key, nowMs);
    return bucket.tokens >= 1 ? { allowed: true, retryAfterSeconds: 0 } : this.refusal(bucket);
  }

  private refill(key: string, nowMs: number): Bucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) this.buckets.clear();
      bucket = { tokens: this.burst, updatedAt: nowMs };
      this.buckets.set(key, bucket);
    }
    const elapsed = Math.max(0, nowMs - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(this.burst, bucket.tokens + elapsed * this.ratePerSecond);
    bucket.updatedAt = nowMs;
    return bucket;
  }

  private refusal(bucket: Bucket): RateLimitDecision {
    return {
      allowed: false,
      retryAfterSeconds: Math.ceil((1 - bucket.tokens) / this.ratePerSecond),
    };
  }
}

/**
 * The rate-limit key of a client address: an IPv4 address as it is (IPv4-mapped IPv6 included),
 * an IPv6 address by its /64 prefix, since one subscriber usually holds a whole /64.
 */
export function clientKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (!address.includes(':')) return address;
  const [head, tail] = address.split('%')[0].split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined
      ? left
      : [
          ...left,
          ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'),
          ...right,
        ];
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
