import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who submitted the deployment a verification watches (`token:<id>`, `bootstrap`, or
 * `source:<event source>` without a token), so that due ticks are claimed fairly between
 * submitters and a cap bounds how many of one submitter's verifications run at once: a flood of
 * deployments from one token cannot delay another's verdict. Existing rows are attributed to
 * their deployment's source.
 */
export class VerificationSubmitter1765300000000 implements MigrationInterface {
  name = 'VerificationSubmitter1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE release_verifications ADD COLUMN submitted_by text`);
    await q.query(
      `UPDATE release_verifications v SET submitted_by = 'source:' || d.source
         FROM deployments d WHERE d.id = v.deployment_id`,
    );
    await q.query(
      `ALTER TABLE release_verifications ALTER COLUMN submitted_by SET NOT NULL,
         ADD CONSTRAINT ck_release_verifications_submitted_by CHECK (submitted_by <> '')`,
    );
    // The claim counts the leased (running) verifications of each submitter.
    await q.query(
      `CREATE INDEX ix_release_verifications_leased ON release_verifications
         (submitted_by, lease_until) WHERE state = 'RUNNING' AND lease_until IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_release_verifications_leased`);
    await q.query(`ALTER TABLE release_verifications DROP COLUMN submitted_by`);
  }
}
