/**
 * Whether deployments happened during a freeze: while a deploy lock covering them was in force,
 * or inside an occurrence of a freeze window covering them (freeze-window.rule.ts). Pure. The
 * DORA report counts them (a deployment during a freeze still counts as a deployment).
 */
import { CronTime } from 'cron';
import { lockCovers, type LockScope } from '../locks/deploy-lock.rule.js';
import type { FreezeTiming } from './freeze-window.rule.js';

interface Scoped {
  readonly scope: LockScope;
  readonly service: string | null;
  readonly namespace: string;
  readonly environment: string | null;
}

export interface LockSpan extends Scoped {
  readonly lockedAt: Date;
  readonly until: Date | null;
  readonly releasedAt: Date | null;
}

export interface WindowSpan extends Scoped {
  readonly timing: FreezeTiming;
}

export interface DeploymentInstant {
  readonly service: string;
  readonly namespace: string;
  readonly environment: string;
  readonly at: Date;
}

/** Taken at or before t, and neither lapsed nor released by t. */
export const lockInForceAt = (l: LockSpan, t: Date): boolean =>
  l.lockedAt <= t && (!l.until || t < l.until) && (!l.releasedAt || t < l.releasedAt);

const SECOND = 1000;

/**
 * For each instant, whether it falls inside an occurrence of the window. The fires between the
 * first instant (less a duration) and the last are listed once while they are no more than the
 * instants; a window firing more often is asked once per instant instead, so the cron is computed
 * at most about twice min(fires, instants) times.
 */
export function insideOccurrences(w: FreezeTiming, instants: readonly Date[]): boolean[] {
  const out = instants.map(() => false);
  const active = (t: number) =>
    !(w.activeFrom && t < w.activeFrom.getTime()) &&
    !(w.activeUntil && t >= w.activeUntil.getTime());
  const sorted = instants
    .map((d, i) => [d.getTime(), i] as const)
    .filter(([t]) => active(t))
    .sort((a, b) => a[0] - b[0]);
  if (sorted.length === 0) return out;
  const time = new CronTime(w.cron, w.timeZone);
  const next = (s: number): number =>
    time.getNextDateFrom(new Date(Math.floor(s / SECOND) * SECOND), w.timeZone).toMillis();
  const duration = w.durationMinutes * 60 * SECOND;
  const last = sorted[sorted.length - 1][0];
  const fires: number[] = [];
  let from = sorted[0][0] - duration;
  let listed = true;
  for (;;) {
    const fire = next(from);
    if (fire > last) break;
    if (fires.length >= sorted.length) {
      listed = false;
      break;
    }
    fires.push(fire);
    from = fire;
  }
  if (!listed) {
    // A fire in (t - duration, t] exists iff t is inside an occurrence.
    for (const [t, i] of sorted) out[i] = next(t - duration) <= t;
    return out;
  }
  let j = -1;
  for (const [t, i] of sorted) {
    while (j + 1 < fires.length && fires[j + 1] <= t) j++;
    out[i] = j >= 0 && t < fires[j] + duration;
  }
  return out;
}

/** For each deployment, whether a lock or a freeze window covering it was in force then. */
export function deployedDuringFreeze(
  deployments: readonly DeploymentInstant[],
  locks: readonly LockSpan[],
  windows: readonly WindowSpan[],
): boolean[] {
  const covers = (s: Scoped, d: DeploymentInstant) =>
    lockCovers(s, d.service, d.namespace, d.environment);
  const out = deployments.map((d) => locks.some((l) => covers(l, d) && lockInForceAt(l, d.at)));
  for (const w of windows) {
    const open = deployments.flatMap((d, i) => (!out[i] && covers(w, d) ? [i] : []));
    const inside = insideOccurrences(
      w.timing,
      open.map((i) => deployments[i].at),
    );
    open.forEach((i, k) => {
      if (inside[k]) out[i] = true;
    });
  }
  return out;
}
