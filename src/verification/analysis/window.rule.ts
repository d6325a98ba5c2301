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
 * The tick's window: the last `windowSeconds` before the tick, never before the deploy finished;
 * when the previous ticks lacked traffic (`pendingStart`), the window reaches back to the start of
 * the first of them (windows merge until they qualify; §5.3 "adaptive window for low traffic").
 */
export function tickWindow(args: {
  readonly tickAt: Date;
  readonly deployFinishedAt: Date;
  readonly windowSeconds: number;
  readonly pendingStart: Date | null;
}): TimeRange {
  const natural = max(args.deployFinishedAt, minus(args.tickAt, args.windowSeconds));
  const start =
    args.pendingStart && args.pendingStart.getTime() < natural.getTime()
      ? args.pendingStart
      : natural;
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

/** Where the next tick's window starts: kept when this tick lacked traffic, else fresh. */
export function nextPendingStart(window: TimeRange, insufficient: boolean): Date | null {
  return insufficient ? window.start : null;
}
