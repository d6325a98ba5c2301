import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Late regressions (docs/verification.md, "Late regressions"): after a HEALTHY verdict the
 * release's SLIs are watched for burn-rate regressions until the end of its attribution window.
 * `verification_late_watches` is the watch (one per verification: when it ends, when it checks
 * next, its own claim and lease, apart from the ticks' so that the fair tick claim and the
 * oldest-due-tick lag never see it); `verification_late_regressions` the finding (at most one per
 * verification: it is alerted once), with the incident it was attributed in.
 * `verification_policies.late_regression_rollback`: a late regression requests a rollback.
 */
export class LateRegressions1767700000000 implements MigrationInterface {
  name = 'LateRegressions1767700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE verification_policies
         ADD COLUMN late_regression_rollback boolean NOT NULL DEFAULT false`,
    );
    await q.query(
      `CREATE TABLE verification_late_watches (
         verification_id bigint PRIMARY KEY REFERENCES release_verifications (id) ON DELETE CASCADE,
         state           text NOT NULL CONSTRAINT ck_verification_late_watches_state
                         CHECK (state IN ('WATCHING', 'REGRESSED', 'SUPERSEDED', 'ENDED')),
         watch_until     timestamptz NOT NULL,
         next_check_at   timestamptz,
         checks          integer NOT NULL DEFAULT 0,
         last_checked_at timestamptz,
         last_outcome    jsonb,
         ended_at        timestamptz,
         claimed_by      text,
         lease_until     timestamptz,
         started_at      timestamptz NOT NULL,
         CONSTRAINT ck_verification_late_watches_next CHECK ((state = 'WATCHING') = (next_check_at IS NOT NULL))
       )`,
    );
    await q.query(
      `CREATE INDEX ix_verification_late_watches_due
         ON verification_late_watches (next_check_at) WHERE next_check_at IS NOT NULL`,
    );
    await q.query(
      `CREATE TABLE verification_late_regressions (
         id                      bigserial PRIMARY KEY,
         verification_id         bigint NOT NULL REFERENCES release_verifications (id) ON DELETE CASCADE,
         detected_at             timestamptz NOT NULL,
         sli                     text NOT NULL,
         burn_window             text NOT NULL,
         factor                  double precision NOT NULL,
         long_burn_rate          double precision NOT NULL,
         short_burn_rate         double precision NOT NULL,
         onset_at                timestamptz NOT NULL,
         reason                  text NOT NULL,
         evidence                jsonb NOT NULL,
         incident_id             bigint REFERENCES incidents (id) ON DELETE SET NULL,
         incident_opened         boolean NOT NULL DEFAULT false,
         rollback_requested      boolean NOT NULL DEFAULT false,
         rollback_blocked_reason text,
         CONSTRAINT uq_verification_late_regressions_verification UNIQUE (verification_id)
       )`,
    );
    await q.query(
      `CREATE INDEX ix_verification_late_regressions_incident
         ON verification_late_regressions (incident_id) WHERE incident_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE verification_late_regressions`);
    await q.query(`DROP TABLE verification_late_watches`);
    await q.query(`ALTER TABLE verification_policies DROP COLUMN late_regression_rollback`);
  }
}
