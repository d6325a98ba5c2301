import type { ChangeEvent } from './domain-events.js';
import { earliest, pick } from './lattice.rule.js';

/**
 * What Shipwatch knows of a change named by its subject (CDEvents `change.*` events: source and
 * `subject.id`) whose merge and commit come in separate events: a row of change_subjects.
 */
export interface ChangeSubjectState {
  readonly repository: string;
  /** The commit the newest event naming one named. */
  readonly commitSha: string | null;
  /** Occurrence time of that event. */
  readonly commitAt: Date | null;
  /** The earliest merge reported. */
  readonly mergedAt: Date | null;
  readonly lastEventAt: Date;
}

/** The state after `event` (one with `subjectFacts`), which occurred at `at`. */
export function applyChangeSubjectEvent(
  current: ChangeSubjectState | null,
  event: ChangeEvent,
  at: Date,
): ChangeSubjectState {
  const sha = event.subjectFacts?.commitSha ?? null;
  const mergedAt = event.subjectFacts?.mergedAt ?? null;
  if (!current) {
    return {
      repository: event.repository,
      commitSha: sha,
      commitAt: sha ? at : null,
      mergedAt,
      lastEventAt: at,
    };
  }
  const newer = at.getTime() > current.lastEventAt.getTime();
  const takeSha =
    sha !== null &&
    (current.commitAt === null ||
      at.getTime() > current.commitAt.getTime() ||
      // one instant, two commits: the same one wins in any order
      (at.getTime() === current.commitAt.getTime() && sha > (current.commitSha ?? '')));
  return {
    repository: pick(current.repository, event.repository, newer) ?? current.repository,
    commitSha: takeSha ? sha : current.commitSha,
    commitAt: takeSha ? at : current.commitAt,
    mergedAt: earliest(current.mergedAt, mergedAt),
    lastEventAt: newer ? at : current.lastEventAt,
  };
}

export function sameChangeSubjectState(a: ChangeSubjectState, b: ChangeSubjectState): boolean {
  const t = (d: Date | null) => d?.getTime() ?? null;
  return (
    a.repository === b.repository &&
    a.commitSha === b.commitSha &&
    t(a.commitAt) === t(b.commitAt) &&
    t(a.mergedAt) === t(b.mergedAt) &&
    t(a.lastEventAt) === t(b.lastEventAt)
  );
}

/**
 * The merge to record once a change's events have named both its merge and its commit, as a
 * change event of a merged pull request; null until then, or when `before` already recorded the
 * same merge.
 */
export function landedChange(
  changeId: string,
  template: ChangeEvent,
  before: ChangeSubjectState | null,
  after: ChangeSubjectState,
): ChangeEvent | null {
  if (after.commitSha === null || after.mergedAt === null) return null;
  if (
    before !== null &&
    before.commitSha === after.commitSha &&
    before.mergedAt?.getTime() === after.mergedAt.getTime() &&
    before.repository === after.repository
  ) {
    return null;
  }
  return {
    type: 'change',
    envelope: template.envelope,
    repository: after.repository,
    commits: [],
    pullRequest: { id: changeId, mergedAt: after.mergedAt, mergeCommitSha: after.commitSha },
  };
}
