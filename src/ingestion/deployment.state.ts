import type { DeploymentEvent, DeploymentKind, DeploymentStatus } from './domain-events.js';
import {
  earliest,
  latest,
  mergeFinish,
  nextStatusAt,
  pick,
  precedence,
  type Ranked,
} from './lattice.rule.js';

/** The part of a deployment row that events decide (identity and changesets live elsewhere). */
export interface DeploymentState {
  readonly status: DeploymentStatus;
  readonly kind: DeploymentKind;
  readonly version: string | null;
  readonly previousVersion: string | null;
  readonly commitSha: string | null;
  readonly repository: string | null;
  /** Sorted and unique, so that arrival order does not show. */
  readonly commitShas: readonly string[];
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly url: string | null;
  readonly pipelineRunSource: string | null;
  readonly pipelineRunExternalId: string | null;
  readonly traceParent: string | null;
  /** Occurrence time of the newest event that reported the current status. */
  readonly statusAt: Date;
  /** Occurrence time of the newest event applied. */
  readonly lastEventAt: Date;
}

const FINISHED: readonly DeploymentStatus[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

/**
 * QUEUED < IN_PROGRESS < {SUCCEEDED, FAILED, CANCELLED} < ROLLED_BACK. ROLLED_BACK is final: it is
 * itself evidence that the deployment reached users, and a late SUCCEEDED never undoes it.
 */
export const DEPLOYMENT_LATTICE: Ranked<DeploymentStatus> = {
  rank: (s) => (s === 'QUEUED' ? 0 : s === 'IN_PROGRESS' ? 1 : s === 'ROLLED_BACK' ? 3 : 2),
  swappableRank: 2,
  // Same instant, different outcome: the pessimistic one wins.
  tieBreak: (s) => ['SUCCEEDED', 'CANCELLED', 'FAILED'].indexOf(s),
};

export const isFinished = (s: DeploymentStatus): boolean => FINISHED.includes(s);
/** Reached users: SUCCEEDED, or ROLLED_BACK (which implies it had succeeded). */
export const reachedUsers = (s: DeploymentStatus): boolean =>
  s === 'SUCCEEDED' || s === 'ROLLED_BACK';

/**
 * The state after `event`, given the current one (null: first sight). `occurredAt` is the event's
 * occurrence time (the caller defaults it). Commutative for events that do not contradict each
 * other's descriptive fields: statuses follow the lattice, the start is the earliest known, the
 * finish fills a gap and is replaced only when a newer terminal status replaces the old one, and
 * descriptive fields take the newest event's value (older events only fill gaps).
 */
export function applyDeploymentEvent(
  current: DeploymentState | null,
  event: DeploymentEvent,
  occurredAt: Date,
): DeploymentState {
  const impliedFinish = event.finishedAt ?? (isFinished(event.status) ? occurredAt : null);
  if (!current) {
    return guardOrder({
      status: event.status,
      kind: event.kind ?? 'PLANNED',
      version: event.version ?? null,
      previousVersion: event.previousVersion ?? null,
      commitSha: event.commitSha ?? null,
      repository: event.repository ?? null,
      commitShas: unique(event.commits?.map((c) => c.sha) ?? []),
      startedAt: event.startedAt ?? null,
      finishedAt: impliedFinish,
      url: event.url ?? null,
      pipelineRunSource: event.pipelineRun
        ? (event.pipelineRun.source ?? event.envelope.source)
        : null,
      pipelineRunExternalId: event.pipelineRun?.id ?? null,
      traceParent: event.envelope.traceParent ?? null,
      statusAt: occurredAt,
      lastEventAt: occurredAt,
    });
  }
  const newer = occurredAt.getTime() > current.lastEventAt.getTime();
  const winner = precedence(DEPLOYMENT_LATTICE, current, { status: event.status, occurredAt });
  // A newer terminal replaces an older one (a retried deployment): its finish replaces too.
  const swap = winner === 'INCOMING' && isFinished(current.status) && isFinished(event.status);
  const rolledBack = current.status === 'ROLLED_BACK' || event.status === 'ROLLED_BACK';
  const finish = rolledBack
    ? rolledBackFinish(current, event.status === 'ROLLED_BACK', occurredAt, impliedFinish)
    : {
        finishedAt:
          event.repeats && winner === 'SAME'
            ? earliest(current.finishedAt, impliedFinish)
            : mergeFinish(current, winner, swap, impliedFinish, occurredAt),
        statusAt: nextStatusAt(current, winner, occurredAt),
      };
  return guardOrder({
    status: winner === 'INCOMING' ? event.status : current.status,
    kind: mergeKind(current.kind, event.kind, newer),
    version: pick(current.version, event.version, newer),
    previousVersion: pick(current.previousVersion, event.previousVersion, newer),
    commitSha: pick(current.commitSha, event.commitSha, newer),
    repository: pick(current.repository, event.repository, newer),
    commitShas: unique([...current.commitShas, ...(event.commits?.map((c) => c.sha) ?? [])]),
    startedAt: earliest(current.startedAt, event.startedAt),
    finishedAt: finish.finishedAt,
    url: pick(current.url, event.url, newer),
    pipelineRunSource: pick(
      current.pipelineRunSource,
      event.pipelineRun && (event.pipelineRun.source ?? event.envelope.source),
      newer,
    ),
    pipelineRunExternalId: pick(current.pipelineRunExternalId, event.pipelineRun?.id, newer),
    traceParent: pick(current.traceParent, event.envelope.traceParent, newer),
    statusAt: finish.statusAt,
    lastEventAt: latest(current.lastEventAt, occurredAt),
  });
}

/**
 * ROLLED_BACK is final, and its finish is the deployment's: that of the newest report of a
 * finished status (or of a ROLLED_BACK report that names one). Here `statusAt` is the time of the
 * report that gave the finish, so that reports merge the same way in any order.
 */
function rolledBackFinish(
  current: DeploymentState,
  reportsRollback: boolean,
  occurredAt: Date,
  impliedFinish: Date | null,
): { finishedAt: Date | null; statusAt: Date } {
  const base =
    current.status === 'ROLLED_BACK' || isFinished(current.status)
      ? { finishedAt: current.finishedAt, statusAt: current.statusAt }
      : { finishedAt: null, statusAt: occurredAt };
  if (!impliedFinish) {
    // No finish known yet: the newest ROLLED_BACK report stands in.
    return base.finishedAt || !reportsRollback
      ? base
      : { finishedAt: null, statusAt: latest(base.statusAt, occurredAt) };
  }
  const dt = occurredAt.getTime() - base.statusAt.getTime();
  if (!base.finishedAt || dt > 0) return { finishedAt: impliedFinish, statusAt: occurredAt };
  if (dt === 0)
    return { finishedAt: earliest(base.finishedAt, impliedFinish), statusAt: base.statusAt };
  return base;
}

/** An explicit unplanned kind is evidence and beats the PLANNED default. */
function mergeKind(
  current: DeploymentKind,
  incoming: DeploymentKind | undefined,
  newer: boolean,
): DeploymentKind {
  if (!incoming || incoming === current) return current;
  if (current === 'PLANNED') return incoming;
  if (incoming === 'PLANNED') return current;
  return newer ? incoming : current;
}

/** A start after the finish cannot be stored; the finish is the better attested fact. */
function guardOrder(s: DeploymentState): DeploymentState {
  return s.startedAt && s.finishedAt && s.startedAt > s.finishedAt ? { ...s, startedAt: null } : s;
}

const unique = (shas: readonly string[]): string[] => [...new Set(shas)].sort();

export function sameDeploymentState(a: DeploymentState, b: DeploymentState): boolean {
  return (
    a.status === b.status &&
    a.kind === b.kind &&
    a.version === b.version &&
    a.previousVersion === b.previousVersion &&
    a.commitSha === b.commitSha &&
    a.repository === b.repository &&
    a.commitShas.join() === b.commitShas.join() &&
    sameTime(a.startedAt, b.startedAt) &&
    sameTime(a.finishedAt, b.finishedAt) &&
    a.url === b.url &&
    a.pipelineRunSource === b.pipelineRunSource &&
    a.pipelineRunExternalId === b.pipelineRunExternalId &&
    a.traceParent === b.traceParent &&
    sameTime(a.statusAt, b.statusAt) &&
    sameTime(a.lastEventAt, b.lastEventAt)
  );
}

export const sameTime = (a: Date | null, b: Date | null): boolean =>
  a === b || (a !== null && b !== null && a.getTime() === b.getTime());
