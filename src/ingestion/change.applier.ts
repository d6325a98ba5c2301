import { Injectable } from '@nestjs/common';
import { occurredAt, type Applied, type ApplyContext, type Indexed } from './apply-context.js';
import {
  applyChangeSubjectEvent,
  landedChange,
  sameChangeSubjectState,
  type ChangeSubjectState,
} from './change-subject.rule.js';
import { ChangesetService } from './changeset.service.js';
import { mergeChangeRows } from './deployment.applier.js';
import type { ChangeEvent } from './domain-events.js';
import { IngestionRepository, type ChangeRow } from './ingestion.repository.js';
import { applyKeyed, type KeyedStateSpec } from './keyed-state.js';
import { keyOf, type KeyedTable, type Row, rowDate } from './recordset.js';
import { revertReferences } from './inference/revert.rule.js';
import { normalisePaths } from './paths/path-glob.rule.js';
import { type BranchKey, PullRequestStartRepository } from './pull-request-start.repository.js';
import { ReleaseTagRepository } from './release-tag.repository.js';

/**
 * Applies pushes and merged pull requests: one `changes` row per (repository, sha), parent links
 * from the push order, pull request times on its commits and its merge commit, and a pull
 * request's first commit from the pushes of its head branch (PullRequestStartRepository), and
 * the commits tags name (ReleaseTagRepository). Late data completes the changesets it affects
 * (see ChangesetService.afterChanges).
 */
@Injectable()
export class ChangeApplier {
  constructor(
    private readonly repo: IngestionRepository,
    private readonly changesets: ChangesetService,
    private readonly starts: PullRequestStartRepository,
    private readonly tags: ReleaseTagRepository,
  ) {}

  async apply(ctx: ApplyContext, items: readonly Indexed<ChangeEvent>[]): Promise<Applied> {
    const applied: Applied = { entityIds: new Map(), transitions: [] };
    if (items.length === 0) return applied;
    const rows = new Map<string, ChangeRow>();
    const direct = items.filter((i) => !i.event.subjectFacts).map((i) => i.event);
    const landed = await landedSubjects(
      ctx,
      items.filter((i) => i.event.subjectFacts).map((i) => i.event),
    );
    for (const event of [...direct, ...landed]) {
      for (const row of changeRows(event, occurredAt(ctx, event))) {
        const k = `${row.repository}\u0000${row.sha}`;
        rows.set(k, mergeChangeRows(rows.get(k), row));
      }
    }
    const written = [...rows.values()];
    const pushed = branchesOf(written, (r) => r.pushed_branch);
    const requests = written.filter((r) => r.pr_head_sha !== null && r.pr_head_branch !== null);
    await this.starts.lockBranches(ctx.manager, [
      ...pushed,
      ...branchesOf(requests, (r) => r.pr_head_branch),
    ]);
    const { changed, unresolved } = await this.repo.upsertChanges(ctx.manager, written);
    const started = await this.starts.refreshFirstCommits(ctx.manager, requests, pushed);
    const tagged = await this.tags.upsert(
      ctx.manager,
      items.flatMap(({ event: e }) =>
        (e.tags ?? []).map((t) => ({
          repository: e.repository,
          name: t.name,
          sha: t.sha,
          source: e.envelope.source,
        })),
      ),
    );
    await this.changesets.afterChanges(
      ctx.manager,
      [...new Set([...unresolved, ...tagged])],
      [...new Set([...changed, ...started])],
    );
    return applied;
  }
}

export const CHANGE_SUBJECTS_TABLE: KeyedTable = {
  table: 'change_subjects',
  key: [
    ['source', 'text'],
    ['change_id', 'text'],
  ],
  columns: [
    ['source', 'text'],
    ['change_id', 'text'],
    ['repository', 'text'],
    ['commit_sha', 'text'],
    ['commit_at', 'timestamptz'],
    ['merged_at', 'timestamptz'],
    ['last_event_at', 'timestamptz'],
  ],
};

const SUBJECT_SPEC: KeyedStateSpec<ChangeSubjectState, { event: ChangeEvent; at: Date }> = {
  table: CHANGE_SUBJECTS_TABLE,
  fromRow: (r) => ({
    repository: r.repository as string,
    commitSha: (r.commit_sha as string | null) ?? null,
    commitAt: rowDate(r.commit_at),
    mergedAt: rowDate(r.merged_at),
    lastEventAt: rowDate(r.last_event_at)!,
  }),
  toRow: (key, s) => ({
    ...key,
    repository: s.repository,
    commit_sha: s.commitSha,
    commit_at: s.commitAt,
    merged_at: s.mergedAt,
    last_event_at: s.lastEventAt,
  }),
  merge: (current, { event, at }) => applyChangeSubjectEvent(current, event, at),
  same: sameChangeSubjectState,
};

/**
 * Records what change events with `subjectFacts` say of their change (change_subjects, one row
 * per (source, change id)); returns the merges they complete, as merged pull requests.
 */
async function landedSubjects(
  ctx: ApplyContext,
  events: readonly ChangeEvent[],
): Promise<ChangeEvent[]> {
  if (events.length === 0) return [];
  const key = (e: ChangeEvent): Row => ({
    source: e.envelope.source,
    change_id: e.pullRequest!.id,
  });
  const results = await applyKeyed(
    ctx.manager,
    SUBJECT_SPEC,
    events.map((event) => ({ key: key(event), event: { event, at: occurredAt(ctx, event) } })),
  );
  const landed = new Map<string, ChangeEvent>();
  for (const event of events) {
    const k = keyOf(CHANGE_SUBJECTS_TABLE, key(event));
    const r = results.get(k)!;
    const change = landedChange(event.pullRequest!.id, event, r.before, r.after);
    if (change && !landed.has(k)) landed.set(k, change);
  }
  return [...landed.values()];
}

/** The distinct (repository, branch) pairs of some change rows. */
function branchesOf(rows: readonly ChangeRow[], branch: (r: ChangeRow) => string | null) {
  const keys = new Map<string, BranchKey>();
  for (const r of rows) {
    const name = branch(r);
    if (name !== null)
      keys.set(`${r.repository}\u0000${name}`, { repository: r.repository, branch: name });
  }
  return [...keys.values()];
}

export function changeRows(e: ChangeEvent, at: Date): ChangeRow[] {
  const pr = e.pullRequest;
  const commitTimes = e.commits
    .map((c) => c.committedAt ?? c.authoredAt)
    .filter((d): d is Date => d !== undefined)
    .map((d) => d.getTime());
  const firstCommitAt =
    pr?.firstCommitAt ?? (pr && commitTimes.length > 0 ? new Date(Math.min(...commitTimes)) : null);
  const prFields = {
    pull_request_id: pr?.id ?? null,
    pr_first_commit_at: firstCommitAt,
    pr_merged_at: pr?.mergedAt ?? null,
    pr_created_at: pr?.createdAt ?? null,
  };
  // Only the commit that lands (the merge/squash commit) carries the request's own facts.
  const landed = {
    pr_title: pr?.title ?? null,
    pr_head_branch: pr?.headBranch ?? null,
    pr_labels: pr?.labels ? [...pr.labels] : null,
    pr_head_sha: pr?.headSha ?? null,
    pr_commit_count: pr?.commitCount ?? null,
    pr_author: pr?.author ?? null,
    pr_url: pr?.url ?? null,
  };
  const noRequest = {
    pr_title: null,
    pr_head_branch: null,
    pr_labels: null,
    pr_head_sha: null,
    pr_commit_count: null,
    pr_author: null,
    pr_url: null,
  };
  const rows: ChangeRow[] = e.commits.map((c, i) => ({
    repository: c.repository ?? e.repository,
    sha: c.sha,
    parent_sha: i === 0 ? (e.before ?? null) : e.commits[i - 1].sha,
    message: c.message ?? null,
    authored_at: c.authoredAt ?? null,
    committed_at: c.committedAt ?? null,
    pushed_at: pr ? null : (e.pushedAt ?? at),
    ...prFields,
    ...noRequest,
    reverts: revertReferences({ repository: c.repository ?? e.repository, message: c.message }),
    paths: c.paths ? normalisePaths(c.paths) : null,
    pushed_branch: pr ? null : (c.branch ?? null),
    author: c.author ?? null,
  }));
  if (pr?.mergeCommitSha) {
    rows.push({
      repository: e.repository,
      sha: pr.mergeCommitSha,
      parent_sha: null,
      message: null,
      authored_at: null,
      committed_at: pr.mergedAt ?? null,
      pushed_at: null,
      ...prFields,
      ...landed,
      reverts: revertReferences({
        repository: e.repository,
        title: pr.title,
        body: pr.body,
        branch: pr.headBranch,
      }),
      paths: null,
      pushed_branch: null,
      author: null,
    });
  }
  return rows;
}
