import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Answers to GitHub deployment protection rules (the GitHub App: gate decision, installation
 * token, callback) go through the remediation outbox as a fourth kind of entry,
 * GITHUB_PROTECTION, so that each request is answered once, with retries, by any replica.
 */
export class GithubProtectionRules1767200000000 implements MigrationInterface {
  name = 'GithubProtectionRules1767200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE remediation_outbox DROP CONSTRAINT ck_remediation_outbox_kind,
         ADD CONSTRAINT ck_remediation_outbox_kind
           CHECK (kind IN ('ROLLBACK','ALERT','PUBLISH','GITHUB_PROTECTION'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM remediation_outbox WHERE kind = 'GITHUB_PROTECTION'`);
    await q.query(
      `ALTER TABLE remediation_outbox DROP CONSTRAINT ck_remediation_outbox_kind,
         ADD CONSTRAINT ck_remediation_outbox_kind CHECK (kind IN ('ROLLBACK','ALERT','PUBLISH'))`,
    );
  }
}
