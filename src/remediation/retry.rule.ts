/**
 * When a failed delivery is tried again, and when the outbox gives up on it (DEAD). Exponential
 * backoff with "equal jitter": half of the capped exponential delay is fixed, half random, so that
 * replicas retrying the same receiver spread out but never hammer it back-to-back.
 * A rollback is only useful soon after the verdict: after ROLLBACK max age it is dead, even if
 * attempts remain (a rollback delivered hours late would undo whatever was deployed since).
 */
export type OutboxKind = 'ROLLBACK' | 'ALERT' | 'PUBLISH' | 'GITHUB_PROTECTION' | 'SLACK_RESPONSE';

export interface RetryPolicy {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxAttempts: number;
  readonly maxAgeMs: Readonly<Record<OutboxKind, number>>;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseDelayMs: 1_000,
  maxDelayMs: 5 * 60_000,
  maxAttempts: 12,
  maxAgeMs: {
    ROLLBACK: 30 * 60_000,
    ALERT: 6 * 60 * 60_000,
    PUBLISH: 6 * 60 * 60_000,
    // a deployment waits for its protection rule; an answer hours late still unblocks or ends it
    GITHUB_PROTECTION: 6 * 60 * 60_000,
    // Slack accepts a response_url for 30 minutes after the click
    SLACK_RESPONSE: 30 * 60_000,
  },
};

export type RetryDecision =
  | { readonly action: 'retry'; readonly at: Date }
  | { readonly action: 'dead'; readonly reason: string };

/** The delay before attempt `attempts + 1`, given that `attempts` (>= 1) have been made. */
export function backoffDelayMs(attempts: number, random: number, policy = DEFAULT_RETRY_POLICY) {
  const exponential = policy.baseDelayMs * 2 ** Math.max(0, attempts - 1);
  const capped = Math.min(policy.maxDelayMs, exponential);
  return Math.round(capped / 2 + (capped / 2) * Math.min(Math.max(random, 0), 1));
}

export function decideRetry(
  input: {
    readonly kind: OutboxKind;
    readonly attempts: number;
    readonly createdAt: Date;
    /** false for answers that a retry cannot change (e.g. 400, 401, 404). */
    readonly retryable: boolean;
  },
  now: Date,
  random: number,
  policy = DEFAULT_RETRY_POLICY,
): RetryDecision {
  if (!input.retryable) return { action: 'dead', reason: 'permanent failure' };
  if (input.attempts >= policy.maxAttempts) {
    return { action: 'dead', reason: `gave up after ${input.attempts} attempts` };
  }
  const at = new Date(now.getTime() + backoffDelayMs(input.attempts, random, policy));
  const deadline = input.createdAt.getTime() + policy.maxAgeMs[input.kind];
  if (at.getTime() > deadline) {
    return {
      action: 'dead',
      reason: `older than ${Math.round(policy.maxAgeMs[input.kind] / 60_000)} min`,
    };
  }
  return { action: 'retry', at };
}

/**
 * Checked before each attempt (`attempts` counts this one): an entry past its maximum age is not
 * sent at all (e.g. a rollback that waited while no replica ran the dispatcher), and an entry whose
 * claims keep dying without an outcome (a crash on that very entry) stops after maxAttempts.
 */
export function expiredBeforeAttempt(
  input: { readonly kind: OutboxKind; readonly attempts: number; readonly createdAt: Date },
  now: Date,
  policy = DEFAULT_RETRY_POLICY,
): string | null {
  if (input.attempts > policy.maxAttempts) {
    return `gave up after ${policy.maxAttempts} attempts without an outcome`;
  }
  const maxAge = policy.maxAgeMs[input.kind];
  if (now.getTime() - input.createdAt.getTime() > maxAge) {
    return `not sent: older than ${Math.round(maxAge / 60_000)} min`;
  }
  return null;
}

/** HTTP answers worth retrying: timeouts, conflicts in progress, rate limits and server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}
