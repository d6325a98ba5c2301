import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { MAX_CHAIN_DEPTH } from './changeset.repository.js';
import { recordset } from './recordset.js';

/** A branch of a repository (a push's branch, a pull request's head branch). */
export interface BranchKey {
  readonly repository: string;
  readonly branch: string;
}

/** Advisory lock class of pull request starts (second key: a hash of repository and branch). */
const BRANCH_LOCK = 0x5052_4252; // "PRBR"

const BRANCH_COLS = [
  ['repository', 'text'],
  ['branch', 'text'],
] as const;
const SHA_COLS = [
  ['repository', 'text'],
  ['sha', 'text'],
] as const;

/**
 * A pull request's first commit, from the pushes of its head branch. Its landing commit (merge or
 * squash commit) names its head commit, head branch and size; the walk goes from the head commit
 * over parent links (the push order) while the commits were first pushed to the head branch, at
 * most its size (and MAX_CHAIN_DEPTH) steps, and the earliest commit time found is its first
 * commit. Commits pushed to the branch before it was forked, and the base branch merged into it,
 * were first pushed elsewhere and stop the walk.
 *
 * Order independence: the pull request and the pushes of its branch may arrive in any order;
 * whichever comes second completes the walk. Both take the branch's lock first, so that two
 * transactions never each miss the other's rows; the first-commit time only ever moves earlier.
 */
@Injectable()
export class PullRequestStartRepository {
  /**
   * Serialises the work on these branches across transactions (held until commit), in one
   * statement in key order. Change events take it before they write any change row.
   */
  async lockBranches(m: EntityManager, keys: readonly BranchKey[]): Promise<void> {
    if (keys.length === 0) return;
    await m.query(
      `SELECT pg_advisory_xact_lock($1, k.h)
       FROM (SELECT DISTINCT hashtext(v.repository || E'\\n' || v.branch) AS h
             FROM ${recordset(BRANCH_COLS, 2)} ORDER BY 1) k`,
      [BRANCH_LOCK, JSON.stringify(keys)],
    );
  }

  /**
   * Walks from the head commit of the pull requests landed by these commits (`landed`) or
   * headed on these branches (`pushed`), and moves their first-commit time earlier when the walk
   * finds an earlier commit. Returns the ids of the landing commits it moved.
   */
  async refreshFirstCommits(
    m: EntityManager,
    landed: readonly { readonly repository: string; readonly sha: string }[],
    pushed: readonly BranchKey[],
  ): Promise<string[]> {
    if (landed.length === 0 && pushed.length === 0) return [];
    const rows = await m.query<{ id: string }[]>(
      `WITH RECURSIVE target AS (
         SELECT c.id, c.repository, c.pr_head_sha, c.pr_head_branch,
                LEAST(COALESCE(c.pr_commit_count, $3::int), $3::int) AS budget
         FROM ${recordset(SHA_COLS, 1, 'l')}
         JOIN changes c ON c.repository = l.repository AND c.sha = l.sha
         WHERE c.pr_head_sha IS NOT NULL AND c.pr_head_branch IS NOT NULL
         UNION
         SELECT c.id, c.repository, c.pr_head_sha, c.pr_head_branch,
                LEAST(COALESCE(c.pr_commit_count, $3::int), $3::int)
         FROM ${recordset(BRANCH_COLS, 2, 'b')}
         JOIN changes c ON c.repository = b.repository AND c.pr_head_branch = b.branch
         WHERE c.pr_head_sha IS NOT NULL),
       walk AS (
         SELECT t.id AS target, t.repository, t.pr_head_branch AS branch, t.budget, 1 AS depth,
                h.parent_sha, COALESCE(h.committed_at, h.authored_at) AS at
         FROM target t
         JOIN changes h ON h.repository = t.repository AND h.sha = t.pr_head_sha
                       AND h.pushed_branch = t.pr_head_branch
         WHERE t.budget > 0
         UNION ALL
         SELECT w.target, w.repository, w.branch, w.budget, w.depth + 1, c.parent_sha,
                COALESCE(c.committed_at, c.authored_at)
         FROM walk w
         JOIN changes c ON c.repository = w.repository AND c.sha = w.parent_sha
                       AND c.pushed_branch = w.branch
         WHERE w.depth < w.budget),
       first AS (SELECT target, min(at) AS at FROM walk GROUP BY target),
       moved AS (
         UPDATE changes c SET pr_first_commit_at = f.at
         FROM first f
         WHERE c.id = f.target AND f.at IS NOT NULL
           AND (c.pr_first_commit_at IS NULL OR f.at < c.pr_first_commit_at)
         RETURNING c.id)
       SELECT id FROM moved`,
      [JSON.stringify(landed), JSON.stringify(pushed), MAX_CHAIN_DEPTH],
    );
    return rows.map((r) => String(r.id));
  }
}
