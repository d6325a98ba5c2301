import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { recordset } from './recordset.js';

export interface ReleaseTagRow {
  readonly repository: string;
  readonly name: string;
  readonly sha: string;
  readonly source: string;
}

/**
 * The commit of a deployment in SQL: its own, else the commit of the tag of its repository named
 * like its version (`1.4.2` or `v1.4.2`, the exact name first). `alias` is the deployments row,
 * `repository` the SQL of its repository.
 */
export function deploymentCommitSql(alias: string, repository: string): string {
  return `COALESCE(${alias}.commit_sha, (
    SELECT t.sha FROM release_tags t
    WHERE t.repository = ${repository} AND t.name IN (${alias}.version, 'v' || ${alias}.version)
    ORDER BY (t.name = ${alias}.version) DESC LIMIT 1))`;
}

/** Tags and the commits they name (a deployment of a tag's version deployed its commit). */
@Injectable()
export class ReleaseTagRepository {
  /**
   * Stores tags not known yet (a tag keeps the first commit reported for it) and returns the
   * deployments that name one of the new tags as their version but no commit: their changesets
   * follow from the tag now.
   */
  async upsert(m: EntityManager, tags: readonly ReleaseTagRow[]): Promise<string[]> {
    if (tags.length === 0) return [];
    const rows = await m.query<{ id: string }[]>(
      `WITH added AS (
         INSERT INTO release_tags (repository, name, sha, source)
         SELECT v.repository, v.name, v.sha, v.source
         FROM ${recordset(
           [
             ['repository', 'text'],
             ['name', 'text'],
             ['sha', 'text'],
             ['source', 'text'],
           ],
           1,
         )}
         ORDER BY v.repository, v.name
         ON CONFLICT (repository, name) DO NOTHING
         RETURNING repository, name)
       SELECT d.id FROM added a
       JOIN deployments d ON d.commit_sha IS NULL
                         AND d.version IN (a.name, regexp_replace(a.name, '^v', ''))
       JOIN services s ON s.id = d.service_id
       WHERE COALESCE(d.repository, s.repository) = a.repository`,
      [JSON.stringify(tags)],
    );
    return rows.map((r) => String(r.id));
  }
}
