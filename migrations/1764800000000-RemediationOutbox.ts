import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The transactional outbox of remediation actions (rollbacks, alerts). Rows are written in the
 * verdict's transaction and delivered by any replica: due rows are claimed with
 * FOR UPDATE SKIP LOCKED and a lease (locked_until); a crashed replica's row is due again when
 * the lease expires. `payload` holds the target, secrets included: no API ever returns it.
 */
export class RemediationOutbox1764800000000 implements MigrationInterface {
  name = 'RemediationOutbox1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE remediation_outbox (
        id               bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_remediation_outbox PRIMARY KEY,
        idempotency_key  text NOT NULL CONSTRAINT uq_remediation_outbox_idempotency_key UNIQUE
                           CONSTRAINT ck_remediation_outbox_idempotency_key
                             CHECK (idempotency_key <> '' AND length(idempotency_key) <= 255),
        kind             text NOT NULL CONSTRAINT ck_remediation_outbox_kind
                           CHECK (kind IN ('ROLLBACK','ALERT')),
        channel          text NOT NULL,
        deployment_id    text NOT NULL,
        payload          jsonb NOT NULL,
        status           text NOT NULL DEFAULT 'PENDING' CONSTRAINT ck_remediation_outbox_status
                           CHECK (status IN ('PENDING','DELIVERING','DELIVERED','DEAD')),
        attempts         integer NOT NULL DEFAULT 0 CONSTRAINT ck_remediation_outbox_attempts
                           CHECK (attempts >= 0),
        next_attempt_at  timestamptz NOT NULL DEFAULT now(),
        locked_until     timestamptz,
        locked_by        text,
        last_error       text,
        created_at       timestamptz NOT NULL DEFAULT now(),
        delivered_at     timestamptz
      )`);
    // The dispatcher's hot path: due rows, oldest first. Delivered/dead rows drop out of the index.
    await q.query(`
      CREATE INDEX ix_remediation_outbox_due ON remediation_outbox (next_attempt_at, id)
        WHERE status IN ('PENDING','DELIVERING')`);
    await q.query(
      `CREATE INDEX ix_remediation_outbox_deployment ON remediation_outbox (deployment_id, kind, channel)`,
    );
    // At most one rollback per deployment, whatever idempotency key a caller picks.
    await q.query(`
      CREATE UNIQUE INDEX uq_remediation_outbox_rollback_per_deployment
        ON remediation_outbox (deployment_id) WHERE kind = 'ROLLBACK'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE remediation_outbox`);
  }
}
