import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Freeze windows in policy files (docs/verification.md, "Policies as code"): `managed_by` is
 * 'files' for a window `shipwatch policy apply` created (null for one made with
 * createFreezeWindow or `shipwatch freeze`). Files name their windows, so the name of a live
 * window from files is unique; only those are changed or pruned by an apply.
 */
export class FreezeWindowFiles1767900000000 implements MigrationInterface {
  name = 'FreezeWindowFiles1767900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE freeze_windows ADD COLUMN managed_by text
         CONSTRAINT ck_freeze_windows_managed_by CHECK (managed_by IN ('files'))`,
    );
    await q.query(
      `CREATE UNIQUE INDEX uq_freeze_windows_file_name ON freeze_windows (name)
         WHERE deleted_at IS NULL AND managed_by IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX uq_freeze_windows_file_name`);
    await q.query(`ALTER TABLE freeze_windows DROP COLUMN managed_by`);
  }
}
