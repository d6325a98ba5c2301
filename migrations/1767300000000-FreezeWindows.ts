import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Recurring freeze windows (docs/gate.md, "Freeze windows"): a service (in one environment or
 * all), an environment or everything is frozen at every fire of `cron`, read in `time_zone`, for
 * `duration_minutes`, between `active_from` and `active_until`. Like a lock, a window is never
 * deleted: deleting sets deleted_at and deleted_by, which also ends it, so the history stays.
 */
export class FreezeWindows1767300000000 implements MigrationInterface {
  name = 'FreezeWindows1767300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE freeze_windows (
         id               bigserial PRIMARY KEY,
         name             text NOT NULL CONSTRAINT ck_freeze_windows_name CHECK (name <> ''),
         scope            text NOT NULL
                          CONSTRAINT ck_freeze_windows_scope
                          CHECK (scope IN ('SERVICE', 'ENVIRONMENT', 'EVERYTHING')),
         service          text,
         namespace        text NOT NULL DEFAULT '',
         environment      text,
         cron             text NOT NULL,
         time_zone        text NOT NULL,
         duration_minutes integer NOT NULL
                          CONSTRAINT ck_freeze_windows_duration CHECK (duration_minutes > 0),
         reason           text NOT NULL CONSTRAINT ck_freeze_windows_reason CHECK (reason <> ''),
         created_by       text NOT NULL,
         created_by_name  text NOT NULL,
         created_at       timestamptz NOT NULL DEFAULT now(),
         active_from      timestamptz,
         active_until     timestamptz,
         deleted_at       timestamptz,
         deleted_by       text,
         CONSTRAINT ck_freeze_windows_target CHECK (
           (scope = 'SERVICE' AND service IS NOT NULL)
           OR (scope = 'ENVIRONMENT' AND service IS NULL AND environment IS NOT NULL)
           OR (scope = 'EVERYTHING' AND service IS NULL AND environment IS NULL))
       )`,
    );
    // The gate reads the windows not deleted at every question.
    await q.query(
      `CREATE INDEX ix_freeze_windows_live ON freeze_windows (id) WHERE deleted_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE freeze_windows`);
  }
}
