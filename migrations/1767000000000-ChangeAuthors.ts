import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who made a change, for the alerts that explain a release (docs/remediation.md):
 *
 * - `changes.author`: the commit's author (GitHub push `commits[].author.username`, else its
 *   `name`; GitLab push `commits[].author.name`; GraphQL `commits[].author`);
 * - on a pull request's landing commit, `pr_author` (GitHub `pull_request.user.login`, GraphQL
 *   `pullRequest.author`) and `pr_url` (GitHub `html_url`, GitLab `object_attributes.url`).
 *
 * Rows stored before show no author.
 */
export class ChangeAuthors1767000000000 implements MigrationInterface {
  name = 'ChangeAuthors1767000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE changes ADD COLUMN author text, ADD COLUMN pr_author text, ADD COLUMN pr_url text`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE changes DROP COLUMN pr_url, DROP COLUMN pr_author, DROP COLUMN author`,
    );
  }
}
