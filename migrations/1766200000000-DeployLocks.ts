import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deploy locks (docs/gate.md, "Locks"): who stopped the deployments of a service (in one
 * environment or all), of an environment, or of everything, why and until when. A lock is never
 * deleted: unlocking sets released_at and released_by, so the history stays.
 */
export class DeployLocks1766200000000 implements MigrationInterface {
  name = 'DeployLocks1766200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE deploy_locks (
         id             bigserial PRIMARY KEY,
         scope          text NOT NULL
                        CONSTRAINT ck_deploy_locks_scope
                        CHECK (scope IN ('SERVICE', 'ENVIRONMENT', 'EVERYTHING')),
         service        text,
         namespace      text NOT NULL DEFAULT '',
         environment    text,
         reason         text NOT NULL CONSTRAINT ck_deploy_locks_reason CHECK (reason <> ''),
         locked_by      text NOT NULL,
         locked_by_name text NOT NULL,
         locked_at      timestamptz NOT NULL DEFAULT now(),
         until          timestamptz,
         released_at    timestamptz,
         released_by    text,
         CONSTRAINT ck_deploy_locks_target CHECK (
           (scope = 'SERVICE' AND service IS NOT NULL)
           OR (scope = 'ENVIRONMENT' AND service IS NULL AND environment IS NOT NULL)
           OR (scope = 'EVERYTHING' AND service IS NULL AND environment IS NULL))
       )`,
    );
    // The gate reads the locks still in force at every question.
    await q.query(
      `CREATE INDEX ix_deploy_locks_active ON deploy_locks (id) WHERE released_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE deploy_locks`);
  }
}
