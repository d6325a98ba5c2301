/**
 * What a deploy lock covers, from what was asked. Pure.
 *
 * | given                    | scope       | covers                                        |
 * | ------------------------ | ----------- | --------------------------------------------- |
 * | service (+ environment)  | SERVICE     | that service, in that environment or in all   |
 * | environment only         | ENVIRONMENT | every service in that environment             |
 * | neither                  | EVERYTHING  | every deployment                              |
 *
 * A reason is required (it is what the gate and the audit show); `until`, when given, is in the
 * future; a lock without `until` holds until someone unlocks it.
 */
export type LockScope = 'SERVICE' | 'ENVIRONMENT' | 'EVERYTHING';

export const MAX_LOCK_REASON = 1000;

export interface LockRequest {
  readonly service?: string | null;
  readonly namespace?: string | null;
  readonly environment?: string | null;
  readonly reason: string;
  readonly until?: Date | null;
}

export interface LockTarget {
  readonly scope: LockScope;
  readonly service: string | null;
  readonly namespace: string;
  readonly environment: string | null;
  readonly reason: string;
  readonly until: Date | null;
}

export type LockTargetResult =
  | { readonly ok: true; readonly target: LockTarget }
  | { readonly ok: false; readonly field: string; readonly message: string };

const blankToNull = (v: string | null | undefined): string | null => v?.trim() || null;

export function lockTarget(req: LockRequest, now: Date): LockTargetResult {
  const service = blankToNull(req.service);
  const namespace = req.namespace?.trim() ?? '';
  const environment = blankToNull(req.environment);
  const reason = req.reason.trim();
  const until = req.until ?? null;
  if (reason === '')
    return { ok: false, field: 'reason', message: 'give a reason: the gate shows it' };
  if (reason.length > MAX_LOCK_REASON)
    return { ok: false, field: 'reason', message: `reason: at most ${MAX_LOCK_REASON} characters` };
  if (namespace !== '' && service === null)
    return { ok: false, field: 'namespace', message: 'a namespace needs a service' };
  if (until !== null && until.getTime() <= now.getTime())
    return {
      ok: false,
      field: 'until',
      message: `until (${until.toISOString()}) is not in the future`,
    };
  const scope: LockScope = service ? 'SERVICE' : environment ? 'ENVIRONMENT' : 'EVERYTHING';
  return { ok: true, target: { scope, service, namespace, environment, reason, until } };
}

/** Whether a lock in force covers a deployment of `service` (in `namespace`) to `environment`. */
export function lockCovers(
  lock: Pick<LockTarget, 'scope' | 'service' | 'namespace' | 'environment'>,
  service: string,
  namespace: string,
  environment: string,
): boolean {
  switch (lock.scope) {
    case 'EVERYTHING':
      return true;
    case 'ENVIRONMENT':
      return lock.environment === environment;
    case 'SERVICE':
      return (
        lock.service === service &&
        lock.namespace === namespace &&
        (lock.environment === null || lock.environment === environment)
      );
  }
}
