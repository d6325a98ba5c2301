import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Human decisions on release verifications (docs/verification.md, "Human decisions"): who
 * approved an advised rollback, marked a release HEALTHY or FAILED, extended the bake or said an
 * SLI is not a risk, when and why. Rows are never updated or deleted; one approved rollback per
 * verification at most (the partial unique index backs the row lock of the decision), and one
 * decision per signed request (`request_key`: a Slack button click replayed is refused).
 */
export class VerificationDecisions1766900000000 implements MigrationInterface {
  name = 'VerificationDecisions1766900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE verification_decisions (
         id              bigserial PRIMARY KEY,
         verification_id bigint NOT NULL REFERENCES release_verifications (id) ON DELETE CASCADE,
         action          text NOT NULL CONSTRAINT ck_verification_decisions_action
                         CHECK (action IN ('APPROVE_ROLLBACK', 'MARK_HEALTHY', 'MARK_FAILED',
                                           'EXTEND_BAKE', 'DISMISS_SLI_RISK')),
         state_before    text NOT NULL,
         state_after     text NOT NULL,
         sli             text,
         seconds         integer,
         reason          text NOT NULL CONSTRAINT ck_verification_decisions_reason CHECK (reason <> ''),
         actor           text NOT NULL,
         actor_name      text NOT NULL,
         decided_at      timestamptz NOT NULL DEFAULT now(),
         request_key     text,
         CONSTRAINT ck_verification_decisions_sli CHECK ((action = 'DISMISS_SLI_RISK') = (sli IS NOT NULL)),
         CONSTRAINT ck_verification_decisions_seconds CHECK ((action = 'EXTEND_BAKE') = (seconds IS NOT NULL))
       )`,
    );
    await q.query(
      `CREATE INDEX ix_verification_decisions_verification
         ON verification_decisions (verification_id, decided_at, id)`,
    );
    await q.query(
      `CREATE UNIQUE INDEX ux_verification_decisions_one_approval
         ON verification_decisions (verification_id) WHERE action = 'APPROVE_ROLLBACK'`,
    );
    // A signed request (a Slack button's X-Slack-Signature) decides once: a replay is refused.
    await q.query(
      `CREATE UNIQUE INDEX ux_verification_decisions_request
         ON verification_decisions (request_key) WHERE request_key IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE verification_decisions`);
  }
}
