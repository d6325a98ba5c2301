import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tags and the commits they name (GitHub tag pushes, GitLab Tag Push and Release hooks, system
 * tag pushes). A deployment that names no commit but whose version is a tag of its repository
 * (`1.4.2` or `v1.4.2`) deployed that tag's commit: its changeset and lead times follow from it
 * (docs/ingestion.md, "Changesets"). A tag keeps the first commit reported for it.
 */
export class ReleaseTags1766100000000 implements MigrationInterface {
  name = 'ReleaseTags1766100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE release_tags (
         repository  text NOT NULL CONSTRAINT ck_release_tags_repository CHECK (repository <> ''),
         name        text NOT NULL CONSTRAINT ck_release_tags_name CHECK (name <> ''),
         sha         text NOT NULL,
         source      text NOT NULL,
         created_at  timestamptz NOT NULL DEFAULT now(),
         CONSTRAINT pk_release_tags PRIMARY KEY (repository, name)
       )`,
    );
    // A late tag finds the deployments that name its version but no commit.
    await q.query(
      `CREATE INDEX ix_deployments_version_without_commit ON deployments (version)
         WHERE commit_sha IS NULL AND version IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_deployments_version_without_commit`);
    await q.query(`DROP TABLE release_tags`);
  }
}
