/**
 * The ordering rules shared by every state machine that events update in any order (deployments,
 * pipeline runs, incidents). Pure functions; the entity rules (`*.state.ts`) build on them.
 */

/** Which side of a merge decides the status. `SAME`: equal status, nothing changes. */
export type Precedence = 'INCOMING' | 'CURRENT' | 'SAME';

export interface Ranked<S> {
  /** Position in the lattice; every terminal status of one class shares a rank. */
  readonly rank: (status: S) => number;
  /** Ranks whose statuses may replace each other when a newer event says so (terminals). */
  readonly swappableRank: number;
  /** Orders statuses of one rank that occurred at the same instant, so the result never depends on arrival order. */
  readonly tieBreak: (status: S) => number;
}

/**
 * `statusAt` is the occurrence time of the newest event that reported the current status, so the
 * final status is that of the newest terminal event whatever the arrival order.
 * A higher rank always wins (a late `started` never undoes a `finished`); within the terminal
 * rank a different status wins only when it occurred later (a retried pipeline going from
 * FAILED to SUCCESS on the same id), ties broken by a fixed order.
 */
export function precedence<S>(
  lattice: Ranked<S>,
  current: { readonly status: S; readonly statusAt: Date },
  incoming: { readonly status: S; readonly occurredAt: Date },
): Precedence {
  if (current.status === incoming.status) return 'SAME';
  const rc = lattice.rank(current.status);
  const ri = lattice.rank(incoming.status);
  if (ri !== rc) return ri > rc ? 'INCOMING' : 'CURRENT';
  if (ri !== lattice.swappableRank) return 'CURRENT';
  const dt = incoming.occurredAt.getTime() - current.statusAt.getTime();
  if (dt !== 0) return dt > 0 ? 'INCOMING' : 'CURRENT';
  return lattice.tieBreak(incoming.status) > lattice.tieBreak(current.status)
    ? 'INCOMING'
    : 'CURRENT';
}

/** A descriptive field: a newer event's value replaces, an older one only fills a gap. */
export function pick<T>(
  current: T | null,
  incoming: T | null | undefined,
  newer: boolean,
): T | null {
  if (incoming === undefined || incoming === null) return current;
  if (current === null || newer) return incoming;
  return current;
}

export const earliest = (a: Date | null, b: Date | null | undefined): Date | null =>
  !b ? a : !a || b.getTime() < a.getTime() ? b : a;

export const latest = (a: Date, b: Date): Date => (b.getTime() > a.getTime() ? b : a);

/** Occurrence time of the newest event that reported the status the merge keeps. */
export function nextStatusAt(
  current: { readonly statusAt: Date },
  winner: Precedence,
  occurredAt: Date,
): Date {
  if (winner === 'INCOMING') return occurredAt;
  return winner === 'SAME' ? latest(current.statusAt, occurredAt) : current.statusAt;
}

/**
 * The finish after a merge: a newer terminal status brings its finish; a repeated status takes
 * the finish of its newest report (the earliest one on a tie); otherwise a finish only fills a
 * gap. So two reports of one status with different finishes end the same way in any order.
 */
export function mergeFinish(
  current: { readonly finishedAt: Date | null; readonly statusAt: Date },
  winner: Precedence,
  swap: boolean,
  impliedFinish: Date | null,
  occurredAt: Date,
): Date | null {
  if (swap) return impliedFinish ?? current.finishedAt;
  if (winner === 'SAME' && impliedFinish) {
    const dt = occurredAt.getTime() - current.statusAt.getTime();
    if (dt > 0) return impliedFinish;
    if (dt === 0) return earliest(current.finishedAt, impliedFinish);
  }
  return current.finishedAt ?? impliedFinish;
}
