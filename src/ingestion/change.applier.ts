import { Injectable } from '@nestjs/common';
import { occurredAt, type Applied, type ApplyContext, type Indexed } from './apply-context.js';
import { ChangesetService } from './changeset.service.js';
import { mergeChangeRows } from './deployment.applier.js';
import type { ChangeEvent } from './domain-events.js';
import { IngestionRepository, type ChangeRow } from './ingestion.repository.js';

/**
 * Applies pushes and merged pull requests: one `changes` row per (repository, sha), parent links
 * from the push order, pull request times on its commits and its merge commit. Late data
 * completes the changesets it affects (see ChangesetService.afterChanges).
 */
@Injectable()
export class ChangeApplier {
  constructor(
    private readonly repo: IngestionRepository,
    private readonly changesets: ChangesetService,
  ) {}

  async apply(ctx: ApplyContext, items: readonly Indexed<ChangeEvent>[]): Promise<Applied> {
    const applied: Applied = { entityIds: new Map(), transitions: [] };
    if (items.length === 0) return applied;
    const rows = new Map<string, ChangeRow>();
    for (const { event } of items) {
      for (const row of changeRows(event, occurredAt(ctx, event))) {
        const k = `${row.repository}\u0000${row.sha}`;
        rows.set(k, mergeChangeRows(rows.get(k), row));
      }
    }
    const { changed, unresolved } = await this.repo.upsertChanges(ctx.manager, [...rows.values()]);
    await this.changesets.afterChanges(ctx.manager, unresolved, changed);
    return applied;
  }
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
    });
  }
  return rows;
}
