/**
 * Which time ranges a tick reads (rollback-anchors.md §5.2-5.3). Pure: dates in, ranges out.
 */

export interface TimeRange {
  /** Exclusive start. */
  readonly start: Date;
  /** Inclusive end: the instant the PromQL query is evaluated at. */
  readonly end: Date;
}

export const seconds = (r: TimeRange): number => (r.end.getTime() - r.start.getTime()) / 1000;

const max = (a: Date, b: Date): Date => (a.getTime() >= b.getTime() ? a : b);
const minus = (d: Date, s: number): Date => new Date(d.getTime() - s * 1000);

/**
 * The tick's window. Windows tile time: each starts where the last counted one ended, so that
 * every increment of the counters is counted once however late a tick runs; when the previous
 * ticks were not counted (too little traffic, no data, errors), the window reaches back to the
 * start of the first of them (windows merge until they qualify; §5.3 "adaptive window for low
 * traffic"). Without a start yet (the first tick): the last `windowSeconds`, never before the
 * deploy finished.
 */
export function tickWindow(args: {
  readonly tickAt: Date;
  readonly deployFinishedAt: Date;
  readonly windowSeconds: number;
  readonly windowStart: Date | null;
}): TimeRange {
  const start =
    args.windowStart ?? max(args.deployFinishedAt, minus(args.tickAt, args.windowSeconds));
  return { start, end: args.tickAt };
}

/** The trailing settle window (severity pair, bake-end test). */
export function settleWindow(args: {
  readonly tickAt: Date;
  readonly deployFinishedAt: Date;
  readonly settleSeconds: number;
}): TimeRange {
  return {
    start: max(args.deployFinishedAt, minus(args.tickAt, args.settleSeconds)),
    end: args.tickAt,
  };
}

/** The window before the deploy started, `lengthSeconds` long. */
export function preDeployWindow(args: {
  readonly deployStartedAt: Date;
  readonly lengthSeconds: number;
}): TimeRange {
  return { start: minus(args.deployStartedAt, args.lengthSeconds), end: args.deployStartedAt };
}

/** Longer pre-deploy windows to try when the default one lacks traffic (up to 24 h, §5.3). */
export function preDeployLengths(defaultSeconds: number): number[] {
  const lengths = [defaultSeconds];
  for (const s of [4 * 3600, 24 * 3600]) if (s > defaultSeconds) lengths.push(s);
  return lengths;
}

/** Where the next tick's window starts: this one's end when it was counted, else its start. */
export function nextWindowStart(window: TimeRange, counted: boolean): Date {
  return counted ? window.end : window.start;
}

/**
 * Seconds between ticks: the policy's interval, at least its window (windows tile, so a tick
 * comes when its window is full) and at least the counters' refresh interval (a window must be
 * able to hold a fresh sample of every series, plus the one before it: two samples to subtract).
 */
export function effectiveIntervalSeconds(
  timing: { readonly intervalSeconds: number; readonly windowSeconds: number },
  refreshIntervalSeconds: number | null,
): number {
  return Math.max(timing.intervalSeconds, timing.windowSeconds, refreshIntervalSeconds ?? 0);
}
