import type { DeploymentKind } from './domain-events.js';

/** Why a change of a deployment carries no lead time. The DORA module reads these codes. */
export const LEAD_TIME_EXCLUSIONS = [
  'NO_PREDECESSOR',
  'ROLLBACK_DEPLOYMENT',
  'ALREADY_DEPLOYED',
  'NO_START_TIME',
  'NEGATIVE',
  'UNKNOWN_PATHS',
] as const;
export type LeadTimeExclusion = (typeof LEAD_TIME_EXCLUSIONS)[number];

export const CHANGESET_STATUSES = [
  'PENDING',
  'FROM_EVENT',
  'FROM_PUSHES',
  'ROLLBACK',
  'UNKNOWN',
] as const;
export type ChangesetStatus = (typeof CHANGESET_STATUSES)[number];

export interface ChangeFacts {
  readonly changeId: string;
  readonly sha: string;
  readonly prFirstCommitAt: Date | null;
  /** When its pull request was opened (on the commit that landed it). */
  readonly prCreatedAt: Date | null;
  readonly committedAt: Date | null;
  readonly authoredAt: Date | null;
  /** Contained in an earlier successful production deployment of the same service. */
  readonly alreadyDeployed: boolean;
  /**
   * The service declares path globs in the change's repository and no producer said which
   * files the change touched: it may or may not be the service's (docs/dora.md).
   */
  readonly pathsUnknown?: boolean;
}

export interface ChangesetInput {
  readonly kind: DeploymentKind;
  readonly finishedAt: Date;
  /** The previous successful deployment of the service to the environment, if any is known. */
  readonly predecessor: { readonly id: string; readonly version: string | null } | null;
  /** Where the changes come from; null when they could not be resolved. */
  readonly origin: 'FROM_EVENT' | 'FROM_PUSHES' | 'ROLLBACK' | null;
  /** Why the changes could not be resolved (origin null), for the note. */
  readonly unresolvedReason?: string;
  readonly changes: readonly ChangeFacts[];
  /** Commits between the deployments that touch none of the service's paths (left out). */
  readonly elsewhere?: number;
}

export interface ChangesetRow {
  readonly changeId: string;
  readonly leadTimeSeconds: number | null;
  readonly excludedReason: LeadTimeExclusion | null;
}

export interface Changeset {
  readonly status: ChangesetStatus;
  readonly note: string | null;
  readonly rows: readonly ChangesetRow[];
}

/**
 * Start of a change: its pull request's first commit if known, else the earlier of the pull
 * request's opening and its own commit time (the landing commit of a squash or merge is
 * committed at the merge, after the request's work began), else its author time.
 */
export function changeStart(
  c: Pick<ChangeFacts, 'prFirstCommitAt' | 'prCreatedAt' | 'committedAt' | 'authoredAt'>,
): Date | null {
  if (c.prFirstCommitAt) return c.prFirstCommitAt;
  const own = c.committedAt ?? c.authoredAt;
  if (c.prCreatedAt && (!own || c.prCreatedAt < own)) return c.prCreatedAt;
  return own;
}

/** The lead time of one change deployed at `finishedAt`, or why it has none. */
export function leadTimeOf(
  change: Omit<ChangeFacts, 'changeId' | 'sha'>,
  input: Pick<ChangesetInput, 'kind' | 'finishedAt' | 'predecessor'>,
): { leadTimeSeconds: number | null; excludedReason: LeadTimeExclusion | null } {
  const excluded = (excludedReason: LeadTimeExclusion) => ({
    leadTimeSeconds: null,
    excludedReason,
  });
  if (!input.predecessor) return excluded('NO_PREDECESSOR');
  if (input.kind === 'ROLLBACK' || input.kind === 'REVERT') return excluded('ROLLBACK_DEPLOYMENT');
  if (change.alreadyDeployed) return excluded('ALREADY_DEPLOYED');
  if (change.pathsUnknown) return excluded('UNKNOWN_PATHS');
  const start = changeStart(change);
  if (!start) return excluded('NO_START_TIME');
  const seconds = (input.finishedAt.getTime() - start.getTime()) / 1000;
  if (seconds < 0) return excluded('NEGATIVE');
  return { leadTimeSeconds: seconds, excludedReason: null };
}

/**
 * The changeset of a successful production deployment: one row per change with its lead time or
 * the reason it has none, and how the set was established. A deployment with no known
 * predecessor (the first one Shipwatch sees) keeps its changes but gives none a lead time: their
 * history is unknown, and counting them would report the age of the whole repository.
 */
export function computeChangeset(input: ChangesetInput): Changeset {
  const rows = input.changes.map((c) => ({ changeId: c.changeId, ...leadTimeOf(c, input) }));
  if (!input.predecessor) {
    return {
      status: 'UNKNOWN',
      note:
        'no earlier successful deployment of this service to this environment is known, so the ' +
        'history of its changes is unknown and none carries a lead time (NO_PREDECESSOR)',
      rows,
    };
  }
  if (!input.origin) {
    return {
      status: 'UNKNOWN',
      note: input.unresolvedReason ?? 'the changes of this deployment are unknown',
      rows,
    };
  }
  if (input.origin === 'ROLLBACK') {
    return {
      status: 'ROLLBACK',
      note: 'a rollback brings back a release that ran before: it carries no new change',
      rows: [],
    };
  }
  const elsewhere = input.elsewhere ?? 0;
  const since = `since the previous deployment${input.predecessor.version ? ` (${input.predecessor.version})` : ''}`;
  const note =
    elsewhere > 0
      ? `${elsewhere} commit${elsewhere === 1 ? '' : 's'} ${since} touch${elsewhere === 1 ? 'es' : ''} none of the service's paths and ${elsewhere === 1 ? 'is' : 'are'} left out`
      : rows.length === 0
        ? `no new changes ${since}`
        : null;
  return { status: input.origin, note, rows };
}
