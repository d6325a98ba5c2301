/**
 * What an alert or a rollback says about the release it is about: the changes it shipped (pull
 * request, commit, author, lead time of each), the one-line reason of the verdict and the link to
 * the evidence. Pure and bounded: whatever the changeset holds (1,000 changes, 5,000-character
 * titles, markup in titles), the explanation carries at most MAX_EXPLAINED_CHANGES changes of
 * bounded, single-line text, so that every receiver's size limits hold and the outbox snapshot
 * stays small. Receivers escape it for their own markup (Slack); this only bounds it.
 */
import { formatDuration } from '../cli/output.js';

/** The most recent changes an explanation lists; the others are counted (`more`). */
export const MAX_EXPLAINED_CHANGES = 20;
/** Characters of a title, an author, the reason. */
export const MAX_TITLE_LENGTH = 200;
export const MAX_AUTHOR_LENGTH = 100;
export const MAX_REASON_LENGTH = 1_000;
export const MAX_LINK_LENGTH = 2_000;

/** One change of the deployment's changeset, as stored (changes and deployment_changes). */
export interface ChangeFact {
  readonly sha: string;
  readonly pullRequestId: string | null;
  readonly pullRequestTitle: string | null;
  readonly pullRequestUrl: string | null;
  readonly pullRequestAuthor: string | null;
  readonly message: string | null;
  readonly author: string | null;
  /** When the change started (changeStart: the first commit, the opening, the commit). */
  readonly startedAt: Date | null;
  readonly leadTimeSeconds: number | null;
  readonly excludedReason: string | null;
}

export interface ExplanationInput {
  /** The deployment's changeset status (PENDING, FROM_EVENT, FROM_PUSHES, ROLLBACK, UNKNOWN). */
  readonly changesetStatus: string;
  readonly changesetNote: string | null;
  readonly changes: readonly ChangeFact[];
  /** The verdict's reason. */
  readonly reason: string;
  readonly evidenceUrl: string;
}

export interface ExplainedChange {
  /** The first 12 characters of the commit. */
  readonly sha: string;
  readonly pullRequest: string | null;
  /** The pull request's title, else the first line of the commit message. */
  readonly title: string | null;
  readonly url: string | null;
  /** null: the producer did not say (and rows stored before authors were kept). */
  readonly author: string | null;
  readonly leadTimeSeconds: number | null;
  /** e.g. `3.5h`, or `none (ALREADY_DEPLOYED)`. */
  readonly leadTime: string;
}

export interface ReleaseExplanation {
  readonly reason: string;
  readonly evidenceUrl: string;
  readonly changeset: {
    readonly status: string;
    readonly note: string | null;
    /** Every change of the deployment. */
    readonly total: number;
    /** The MAX_EXPLAINED_CHANGES most recent, newest first. */
    readonly changes: readonly ExplainedChange[];
    /** total − changes.length. */
    readonly more: number;
  };
}

/** One line of at most `max` characters: controls and line breaks become spaces. */
export function oneLine(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
  const line = flat.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${[...line].slice(0, max - 1).join('')}…`;
}

const optLine = (text: string | null, max: number): string | null => {
  const line = text === null ? '' : oneLine(text, max);
  return line === '' ? null : line;
};

/** A link a receiver may show as one: http(s), no spaces or markup delimiters, bounded. */
export function safeLink(url: string | null): string | null {
  if (url === null || url.length > MAX_LINK_LENGTH || !/^https?:\/\/[^\s<>|"'`]+$/i.test(url)) {
    return null;
  }
  return url;
}

function explainChange(c: ChangeFact): ExplainedChange {
  const firstLine = c.message?.split(/\r?\n/, 1)[0] ?? null;
  return {
    sha: c.sha.slice(0, 12),
    pullRequest: optLine(c.pullRequestId, 40),
    title: optLine(c.pullRequestTitle ?? firstLine, MAX_TITLE_LENGTH),
    url: safeLink(c.pullRequestUrl),
    author: optLine(c.pullRequestAuthor ?? c.author, MAX_AUTHOR_LENGTH),
    leadTimeSeconds: c.leadTimeSeconds,
    leadTime:
      c.leadTimeSeconds !== null
        ? formatDuration(c.leadTimeSeconds)
        : `none (${c.excludedReason ?? 'unknown'})`,
  };
}

/** Newest first: by start, then lead time (shorter is newer), then SHA. */
function newestFirst(a: ChangeFact, b: ChangeFact): number {
  const at = a.startedAt?.getTime() ?? -Infinity;
  const bt = b.startedAt?.getTime() ?? -Infinity;
  if (at !== bt) return bt - at;
  const al = a.leadTimeSeconds ?? Infinity;
  const bl = b.leadTimeSeconds ?? Infinity;
  if (al !== bl) return al - bl;
  return a.sha < b.sha ? -1 : a.sha > b.sha ? 1 : 0;
}

export function explainRelease(input: ExplanationInput): ReleaseExplanation {
  const shown = [...input.changes].sort(newestFirst).slice(0, MAX_EXPLAINED_CHANGES);
  return {
    reason: oneLine(input.reason, MAX_REASON_LENGTH),
    evidenceUrl: input.evidenceUrl,
    changeset: {
      status: input.changesetStatus,
      note: optLine(input.changesetNote, MAX_REASON_LENGTH),
      total: input.changes.length,
      changes: shown.map(explainChange),
      more: input.changes.length - shown.length,
    },
  };
}

/**
 * A change as one plain-text line: `#42 Fix totals by alice (a1b2c3d4e5f6), lead time 3.5h`.
 * Receivers that render markup escape it themselves.
 */
export function changeLine(c: ExplainedChange): string {
  const what = [c.pullRequest ? `#${c.pullRequest}` : null, c.title].filter((s) => s !== null);
  return (
    `${what.length > 0 ? `${what.join(' ')} ` : ''}by ${c.author ?? 'unknown author'} ` +
    `(${c.sha}), lead time ${c.leadTime}`
  );
}

/** What the changeset says when it lists no change (or why it is not known). */
export function changesetSummary(e: ReleaseExplanation): string {
  const cs = e.changeset;
  if (cs.total > 0) {
    return `${cs.total} change${cs.total === 1 ? '' : 's'}${cs.more > 0 ? ` (the ${cs.changes.length} most recent listed)` : ''}`;
  }
  if (cs.status === 'PENDING') return 'no changeset: it is computed for production deployments';
  return cs.note ?? 'no changes';
}
