import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An early HEALTHY is watched to the end of the bake (docs/verification.md, "The watch"): a
 * HEALTHY verification may still have a next tick. The claim, the lease count and the lag metric
 * now look for rows that tick (next_tick_at set), whatever their state.
 */
export class VerificationWatch1766600000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE release_verifications DROP CONSTRAINT ck_release_verifications_running,
         ADD CONSTRAINT ck_release_verifications_ticking
           CHECK (next_tick_at IS NULL OR state IN ('RUNNING', 'HEALTHY')),
         ADD CONSTRAINT ck_release_verifications_running
           CHECK (state <> 'RUNNING' OR next_tick_at IS NOT NULL)`,
    );
    await q.query(`DROP INDEX ix_release_verifications_due`);
    await q.query(
      `CREATE INDEX ix_release_verifications_due ON release_verifications (next_tick_at)
         WHERE next_tick_at IS NOT NULL`,
    );
    await q.query(`DROP INDEX ix_release_verifications_leased`);
    await q.query(
      `CREATE INDEX ix_release_verifications_leased ON release_verifications
         (submitted_by, lease_until) WHERE next_tick_at IS NOT NULL AND lease_until IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // Watches in progress end (their verdict, HEALTHY, stands).
    await q.query(
      `UPDATE release_verifications SET next_tick_at = NULL, claimed_by = NULL, lease_until = NULL
        WHERE state <> 'RUNNING' AND next_tick_at IS NOT NULL`,
    );
    await q.query(`DROP INDEX ix_release_verifications_leased`);
    await q.query(
      `CREATE INDEX ix_release_verifications_leased ON release_verifications
         (submitted_by, lease_until) WHERE state = 'RUNNING' AND lease_until IS NOT NULL`,
    );
    await q.query(`DROP INDEX ix_release_verifications_due`);
    await q.query(
      `CREATE INDEX ix_release_verifications_due ON release_verifications (next_tick_at)
         WHERE state = 'RUNNING'`,
    );
    await q.query(
      `ALTER TABLE release_verifications DROP CONSTRAINT ck_release_verifications_running,
         DROP CONSTRAINT ck_release_verifications_ticking,
         ADD CONSTRAINT ck_release_verifications_running
           CHECK ((state = 'RUNNING') = (next_tick_at IS NOT NULL))`,
    );
  }
}
