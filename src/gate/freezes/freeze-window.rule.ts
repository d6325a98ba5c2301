/**
 * Recurring freeze windows, pure: a window opens at every fire of its cron expression, read in its
 * IANA time zone, and lasts `durationMinutes`. Instant t is inside a window when the window's last
 * fire at or before t is less than the duration before t (occurrences [fire, fire + duration)).
 *
 * Cron expressions are read by the `cron` package's CronTime (the one @nestjs/schedule runs on),
 * which computes fires in the zone with luxon, so daylight saving time is the zone's: a fire at a
 * wall-clock time that does not exist (02:30 in Europe/Berlin on 2026-03-29) happens at the first
 * instant after the gap (03:00 CEST); one at a time that happens twice (01:30 in America/New_York
 * on 2026-11-01) happens once, at the first of the two. The duration is elapsed time, so a window
 * of 8 hours across a transition ends 8 real hours after it began.
 *
 * A window is in force from `activeFrom` (default: when it was created) until `activeUntil` or
 * its deletion, whichever comes first; outside that range it freezes nothing. Windows may overlap:
 * each one covering t is reported, none is an error.
 */
import { CronTime } from 'cron';
import { lockTarget, type LockScope } from '../locks/deploy-lock.rule.js';

export const MAX_FREEZE_NAME = 200;
/** 31 days: a window is a recurring freeze, not a lock without end (lock for that). */
export const MAX_FREEZE_MINUTES = 31 * 24 * 60;

export interface FreezeWindowRequest {
  readonly name: string;
  readonly service?: string | null;
  readonly namespace?: string | null;
  readonly environment?: string | null;
  readonly cron: string;
  readonly durationMinutes: number;
  readonly timeZone: string;
  readonly reason: string;
  readonly activeFrom?: Date | null;
  readonly activeUntil?: Date | null;
}

export interface FreezeTiming {
  readonly cron: string;
  readonly timeZone: string;
  readonly durationMinutes: number;
  /** When the window starts freezing (null: since ever). */
  readonly activeFrom: Date | null;
  /** When it stops (null: never), e.g. `activeUntil` or its deletion, whichever is first. */
  readonly activeUntil: Date | null;
}

export interface FreezeWindowTarget extends FreezeTiming {
  readonly name: string;
  readonly scope: LockScope;
  readonly service: string | null;
  readonly namespace: string;
  readonly environment: string | null;
  readonly reason: string;
}

export type FreezeWindowResult =
  | { readonly ok: true; readonly target: FreezeWindowTarget }
  | { readonly ok: false; readonly field: string; readonly message: string };

/** One occurrence of a window: frozen from `start` (a cron fire) until `end`. */
export interface FreezeOccurrence {
  readonly start: Date;
  readonly end: Date;
}

/** Why a cron expression or a zone cannot be read, or null. */
function cronProblem(
  cron: string,
  timeZone: string,
  now: Date,
): { field: string; message: string } | null {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5 || cron.trim() === '')
    return {
      field: 'cron',
      message: `cron "${cron}": five fields (minute hour day-of-month month day-of-week), e.g. "0 18 * * 5"`,
    };
  if (!isIanaZone(timeZone))
    return {
      field: 'timeZone',
      message: `timeZone "${timeZone}" is not an IANA time zone (e.g. Europe/Berlin)`,
    };
  let time: CronTime;
  try {
    time = new CronTime(cron.trim(), timeZone);
  } catch (e) {
    return { field: 'cron', message: `cron "${cron}": ${(e as Error).message}` };
  }
  try {
    time.getNextDateFrom(now, timeZone);
  } catch {
    return { field: 'cron', message: `cron "${cron}" never fires` };
  }
  return null;
}

const isIanaZone = (zone: string): boolean => {
  if (zone !== 'UTC' && !/^[A-Za-z]+(?:[/_+-][A-Za-z0-9_+-]+)+$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/** What a freeze window covers and when, from what was asked; the scope is a lock's. */
export function freezeWindowTarget(req: FreezeWindowRequest, now: Date): FreezeWindowResult {
  const name = req.name.trim();
  if (name === '') return { ok: false, field: 'name', message: 'give the window a name' };
  if (name.length > MAX_FREEZE_NAME)
    return { ok: false, field: 'name', message: `name: at most ${MAX_FREEZE_NAME} characters` };
  const scoped = lockTarget({ ...req, until: null }, now);
  if (!scoped.ok) return scoped;
  const { durationMinutes } = req;
  if (
    !Number.isInteger(durationMinutes) ||
    durationMinutes < 1 ||
    durationMinutes > MAX_FREEZE_MINUTES
  )
    return {
      ok: false,
      field: 'durationMinutes',
      message: `durationMinutes: 1 to ${MAX_FREEZE_MINUTES} (31 days)`,
    };
  const timeZone = req.timeZone.trim();
  const problem = cronProblem(req.cron, timeZone, now);
  if (problem) return { ok: false, ...problem };
  const activeFrom = req.activeFrom ?? null;
  const activeUntil = req.activeUntil ?? null;
  if (activeUntil !== null && activeUntil.getTime() <= now.getTime())
    return {
      ok: false,
      field: 'activeUntil',
      message: `activeUntil (${activeUntil.toISOString()}) is not in the future`,
    };
  if (activeFrom !== null && activeUntil !== null && activeUntil <= activeFrom)
    return { ok: false, field: 'activeUntil', message: 'activeUntil must be after activeFrom' };
  const { scope, service, namespace, environment, reason } = scoped.target;
  return {
    ok: true,
    target: {
      name,
      scope,
      service,
      namespace,
      environment,
      reason,
      cron: req.cron.trim().split(/\s+/).join(' '),
      timeZone,
      durationMinutes,
      activeFrom,
      activeUntil,
    },
  };
}

const SECOND = 1000;

/**
 * The occurrence of the window that covers `t`, or null. Throws a CronError only for a window
 * that freezeWindowTarget would have refused.
 */
export function freezeAt(w: FreezeTiming, t: Date): FreezeOccurrence | null {
  if (w.activeFrom && t < w.activeFrom) return null;
  if (w.activeUntil && t >= w.activeUntil) return null;
  const time = new CronTime(w.cron, w.timeZone);
  // The first fire strictly after s (fires are on whole seconds, s is rounded down to one).
  const next = (s: number): number =>
    time.getNextDateFrom(new Date(Math.floor(s / SECOND) * SECOND), w.timeZone).toMillis();
  const at = t.getTime();
  const duration = w.durationMinutes * 60 * SECOND;
  // A fire in (t - duration, t] exists iff t is inside an occurrence.
  let lo = at - duration;
  if (next(lo) > at) return null;
  // The last fire ≤ t: next(s) ≤ t exactly while s is before it; bisect on seconds.
  let hi = at;
  while (hi - lo > SECOND) {
    const mid = lo + Math.floor((hi - lo) / 2 / SECOND) * SECOND;
    if (next(mid) <= at) lo = mid;
    else hi = mid;
  }
  const start = next(lo);
  const end = start + duration;
  return {
    start: new Date(start),
    end: new Date(w.activeUntil ? Math.min(end, w.activeUntil.getTime()) : end),
  };
}
