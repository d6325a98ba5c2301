import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where a pull request starts (docs/dora.md, "Change lead time"):
 *
 * - `changes.pushed_branch`: the branch a commit was first pushed to (GitHub marks the commits a
 *   push brings for the first time `distinct`);
 * - on a pull request's landing commit, `pr_head_sha` and `pr_commit_count`: its head commit and
 *   how many commits it has. Its first commit is the earliest of the commits reached from the
 *   head over parent links while they were first pushed to its head branch, at most that many;
 * - `pr_created_at`: when it was opened (GitHub `created_at`, GitLab merge request
 *   `created_at`), its start when its first commit is unknown.
 */
export class PullRequestStarts1765900000000 implements MigrationInterface {
  name = 'PullRequestStarts1765900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE changes ADD COLUMN pushed_branch text, ADD COLUMN pr_created_at timestamptz,
         ADD COLUMN pr_head_sha text, ADD COLUMN pr_commit_count integer,
         ADD CONSTRAINT ck_changes_pr_commit_count CHECK (pr_commit_count >= 0)`,
    );
    // A push to a branch finds the pull requests of that branch whose first commit it may bring.
    await q.query(
      `CREATE INDEX ix_changes_pr_head_branch ON changes (repository, pr_head_branch)
         WHERE pr_head_sha IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_changes_pr_head_branch`);
    await q.query(
      `ALTER TABLE changes DROP CONSTRAINT ck_changes_pr_commit_count, DROP COLUMN pr_commit_count,
         DROP COLUMN pr_head_sha, DROP COLUMN pr_created_at, DROP COLUMN pushed_branch`,
    );
  }
}
