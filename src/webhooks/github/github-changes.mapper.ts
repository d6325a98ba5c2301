import type { ChangeEvent, CommitRef } from '../../ingestion/domain-events.js';
import {
  type JsonObject,
  MappingError,
  arr,
  changedPaths,
  isObject,
  labelNames,
  obj,
  optInt,
  optObj,
  optSha,
  optStr,
  optTime,
  str,
  time,
} from '../webhook-mapping.js';
import { type EnvelopeAt, need, repoName } from './github-payload.js';

/** What a push or pull_request delivery becomes: a change, or a note why it is none. */
export interface MappedChange {
  readonly occurredAt?: Date;
  readonly events: ChangeEvent[];
  readonly note?: string;
}

/** Unix seconds (push events) or an ISO string (other events). */
function pushedAt(repository: JsonObject): Date | undefined {
  const value = repository.pushed_at;
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value * 1000);
  return optTime(repository, 'pushed_at', 'repository.pushed_at');
}

/** A push commit's author: the GitHub login when the e-mail is linked to one, else the git name. */
function commitAuthor(commit: JsonObject): string | undefined {
  const author = optObj(commit, 'author');
  return author ? (optStr(author, 'username') ?? optStr(author, 'name')) : undefined;
}

export function githubPush(envelope: EnvelopeAt, payload: JsonObject): MappedChange {
  const repository = need(optObj(payload, 'repository'));
  const repoUrl = repoName(repository);
  const at = pushedAt(repository);
  const ref = optStr(payload, 'ref') ?? '(unknown ref)';
  const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
  if (payload.deleted === true) {
    return { occurredAt: at, events: [], note: `push deleted ${ref}: nothing to record` };
  }
  const commits: CommitRef[] = arr(payload, 'commits').map((value, i) => {
    if (!isObject(value)) throw new MappingError('expected an object', `commits[${i}]`);
    return {
      sha: str(value, 'id', `commits[${i}].id`),
      repository: repoUrl,
      message: optStr(value, 'message'),
      committedAt: optTime(value, 'timestamp', `commits[${i}].timestamp`),
      paths: changedPaths(value, `commits[${i}]`),
      author: commitAuthor(value),
      // `distinct`: pushed for the first time, so this branch is the one it was made on
      ...(branch && value.distinct === true ? { branch } : {}),
    };
  });
  // a tag push: its head_commit is the tagged commit (`after` is an annotated tag's own object)
  const headCommit = optObj(payload, 'head_commit');
  const tagged = headCommit ? optSha(optStr(headCommit, 'id')) : undefined;
  const tags =
    ref.startsWith('refs/tags/') && tagged
      ? [{ name: ref.slice('refs/tags/'.length), sha: tagged }]
      : [];
  if (commits.length === 0 && tags.length === 0) {
    return { occurredAt: at, events: [], note: `push to ${ref} carries no new commits` };
  }
  const ev: ChangeEvent = {
    type: 'change',
    envelope: envelope(at),
    repository: repoUrl,
    commits,
    before: optSha(optStr(payload, 'before')),
    pushedAt: at,
    ...(tags.length > 0 ? { tags } : {}),
  };
  return { occurredAt: at, events: [ev] };
}

/**
 * Only `merged: true` is a merge: a closed, unmerged pull request still has a merge_commit_sha.
 * The payload names no commits of the pull request, only its head commit and how many there
 * are: ingestion finds the first among the pushes of the head branch (when the head is a branch
 * of this repository: a fork's pushes never reach this webhook). It was opened at `created_at`.
 */
function mergedPullRequestEvent(
  envelope: EnvelopeAt,
  pr: JsonObject,
  repository: JsonObject,
): ChangeEvent {
  const mergedAt = time(pr, 'merged_at', 'pull_request.merged_at');
  const head = optObj(pr, 'head');
  const headRepo = head ? optObj(head, 'repo') : undefined;
  const sameRepository =
    headRepo !== undefined && optStr(headRepo, 'full_name') === repoName(repository);
  const commitCount = optInt(pr, 'commits');
  const user = optObj(pr, 'user');
  return {
    type: 'change',
    envelope: envelope(mergedAt),
    repository: repoName(repository),
    commits: [],
    pullRequest: {
      id: str(pr, 'number', 'pull_request.number'),
      mergedAt,
      mergeCommitSha: optSha(optStr(pr, 'merge_commit_sha')),
      title: optStr(pr, 'title'),
      body: optStr(pr, 'body'),
      headBranch: head ? optStr(head, 'ref') : undefined,
      labels: labelNames(pr, 'name'),
      createdAt: optTime(pr, 'created_at', 'pull_request.created_at'),
      headSha: sameRepository && head ? optSha(optStr(head, 'sha')) : undefined,
      commitCount: commitCount !== undefined && commitCount >= 0 ? commitCount : undefined,
      author: user ? optStr(user, 'login') : undefined,
      url: optStr(pr, 'html_url'),
    },
  };
}

/** A pull_request delivery: a merged one is a change; every other action is stored. */
export function githubPullRequest(envelope: EnvelopeAt, payload: JsonObject): MappedChange {
  const pr = obj(payload, 'pull_request');
  const action = optStr(payload, 'action');
  if (action !== 'closed' || pr.merged !== true) {
    return {
      occurredAt: optTime(pr, 'updated_at', 'pull_request.updated_at'),
      events: [],
      note:
        action === 'closed'
          ? 'pull_request closed without merging: not a change'
          : `pull_request ${action ?? '(no action)'} is stored; only merged pull requests are changes`,
    };
  }
  const ev = mergedPullRequestEvent(envelope, pr, need(optObj(payload, 'repository')));
  return { occurredAt: ev.envelope.occurredAt, events: [ev] };
}
