import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Monorepos and multi-service repositories (docs/dora.md, "Services in a shared repository").
 *
 * - `changes.paths`: the files a commit added, modified or removed, repository-relative, sorted
 *   and unique, as pushes (GitHub, GitLab) and `recordChange` report them; NULL = unknown.
 * - `service_repository_paths`: the path globs a service declares in a repository. A service
 *   that declares globs in a repository counts, in its deployments' changesets, only the
 *   commits of that repository touching one of them. `setServicePaths` writes this table, and
 *   so may a service catalog: one row per (service, repository, glob), nothing else to keep.
 */
export class ServiceRepositoryPaths1765500000000 implements MigrationInterface {
  name = 'ServiceRepositoryPaths1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE changes ADD COLUMN paths text[]`);
    await q.query(
      `CREATE TABLE service_repository_paths (
         service_id  bigint NOT NULL CONSTRAINT fk_service_repository_paths_service
                       REFERENCES services (id) ON DELETE CASCADE,
         repository  text NOT NULL CONSTRAINT ck_service_repository_paths_repository CHECK (repository <> ''),
         glob        text NOT NULL CONSTRAINT ck_service_repository_paths_glob CHECK (glob <> ''),
         created_at  timestamptz NOT NULL DEFAULT now(),
         CONSTRAINT pk_service_repository_paths PRIMARY KEY (service_id, repository, glob)
       )`,
    );
    // Which services share a repository (a catalog's checks).
    await q.query(
      `CREATE INDEX ix_service_repository_paths_repository ON service_repository_paths (repository)`,
    );
    // A repository's latest commits with known paths, to check globs against.
    await q.query(
      `CREATE INDEX ix_changes_repository_paths ON changes (repository, id) WHERE paths IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE service_repository_paths`);
    await q.query(`ALTER TABLE changes DROP COLUMN paths`);
  }
}
