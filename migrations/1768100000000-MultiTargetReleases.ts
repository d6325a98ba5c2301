import type { MigrationInterface, QueryRunner } from 'typeorm';
import { MAINTENANCE } from './1764600000000-DoraMetrics.js';
import { DEPLOYMENT_FACTS_V4 } from './1765800000000-ServiceCatalog.js';
import { patchSql } from './sql-patch.js';

/**
 * Multi-target releases (docs/verification.md "Multi-target releases (waves)", docs/dora.md).
 * The DORA definition version stays `shipwatch-dora/5`: the new rule reads only deployments with
 * a target, and none had one before this migration, so every stored fact is already what the
 * new definition computes (no rebuild).
 *
 * - `deployments.target`, `release_verifications.target`: the region or cluster a deployment went
 *   to (null: the whole environment, as before). A verification reads only its target's series,
 *   those with the label `verification_policies.target_label` (null: none, every series).
 * - DORA counts a release once: the deployments that reached users of one (service, environment,
 *   version) with a target are one release, whose first target to finish stands for it (its
 *   finish is the release's); the other targets' failure, suspicion and rework evidence is
 *   gathered on it, it recovered when every failed target recovered. The other targets keep no
 *   fact of their own. dora_refresh recomputes a deployment's sibling targets with it.
 */

const IN_RELEASE = 'ev.target IS NOT NULL AND ev.version IS NOT NULL AND ev.reached';

export const DEPLOYMENT_FACTS_V5 = patchSql(DEPLOYMENT_FACTS_V4, [
  [
    `d.finished_at, d.status_at, d.changeset_status, d.status IN ('SUCCEEDED','ROLLED_BACK') AS reached`,
    `d.finished_at, d.status_at, d.changeset_status, d.status IN ('SUCCEEDED','ROLLED_BACK') AS reached,
              d.version, d.target`,
  ],
  [
    'WHERE d.id = ANY (p_ids) AND d.finished_at IS NOT NULL',
    // one array, read once, so that the deployments are still found by their primary key
    `WHERE d.id = ANY (p_ids || ARRAY(
                SELECT s.id FROM deployments x
                JOIN deployments s ON s.service_id = x.service_id
                 AND s.environment_id = x.environment_id AND s.version = x.version
                 AND s.target IS NOT NULL
                WHERE x.id = ANY (p_ids) AND x.target IS NOT NULL))
         AND d.finished_at IS NOT NULL`,
  ],
  [
    `       LEFT JOIN windowed w ON w.id = d.id
     )`,
    `       LEFT JOIN windowed w ON w.id = d.id
     ),
     grouped AS (      -- the targets of a release that reached users: the first to finish stands for it
       SELECT ev.*, ${IN_RELEASE} AS in_release,
              CASE WHEN ${IN_RELEASE}
                   THEN first_value(ev.id) OVER (
                          PARTITION BY ev.service_id, ev.environment_id, ev.version, ${IN_RELEASE}
                          ORDER BY ev.finished_at, ev.id)
                   ELSE ev.id END AS release_id
       FROM evidence ev
     ),
     release_evidence AS (
       SELECT g.release_id,
              coalesce(array_agg(DISTINCT x.e ORDER BY x.e) FILTER (WHERE x.k = 'F'), '{}') AS failure_evidence,
              coalesce(array_agg(DISTINCT x.e ORDER BY x.e) FILTER (WHERE x.k = 'S'), '{}') AS suspicion_evidence,
              coalesce(array_agg(DISTINCT x.e ORDER BY x.e) FILTER (WHERE x.k = 'R'), '{}') AS rework_evidence
       FROM grouped g
       CROSS JOIN LATERAL (SELECT 'F' AS k, e FROM unnest(g.failure_evidence) e
                           UNION ALL SELECT 'S', e FROM unnest(g.suspicion_evidence) e
                           UNION ALL SELECT 'R', e FROM unnest(g.rework_evidence) e) x
       WHERE g.in_release
       GROUP BY g.release_id
     ),
     release_times AS (
       SELECT g.release_id,
              min(g.degraded_candidate) FILTER (WHERE cardinality(g.failure_evidence) > 0) AS degraded_candidate,
              CASE WHEN bool_and(g.recovered_candidate IS NOT NULL) FILTER (WHERE cardinality(g.failure_evidence) > 0)
                   THEN max(g.recovered_candidate) FILTER (WHERE cardinality(g.failure_evidence) > 0) END
                AS recovered_candidate,
              CASE WHEN bool_or(g.failure_attribution = 'EXPLICIT') THEN 'EXPLICIT'
                   WHEN bool_or(g.failure_attribution = 'CONFIRMED') THEN 'CONFIRMED'
                   WHEN bool_or(g.failure_attribution = 'INFERRED') THEN 'INFERRED' END AS failure_attribution
       FROM grouped g
       WHERE g.in_release
       GROUP BY g.release_id
     ),
     released AS (
       SELECT g.id, g.service_id, g.environment_id, g.tier, g.status, g.kind, g.finished_at, g.reached,
              g.changeset_status, g.inferred_kind,
              CASE WHEN g.in_release THEN coalesce(e.failure_evidence, '{}') ELSE g.failure_evidence END
                AS failure_evidence,
              CASE WHEN g.in_release THEN coalesce(e.suspicion_evidence, '{}') ELSE g.suspicion_evidence END
                AS suspicion_evidence,
              CASE WHEN g.in_release THEN coalesce(e.rework_evidence, '{}') ELSE g.rework_evidence END
                AS rework_evidence,
              CASE WHEN g.in_release THEN t.failure_attribution ELSE g.failure_attribution END
                AS failure_attribution,
              CASE WHEN g.in_release THEN t.degraded_candidate ELSE g.degraded_candidate END
                AS degraded_candidate,
              CASE WHEN g.in_release THEN t.recovered_candidate ELSE g.recovered_candidate END
                AS recovered_candidate
       FROM grouped g
       LEFT JOIN release_evidence e ON e.release_id = g.id
       LEFT JOIN release_times t ON t.release_id = g.id
       WHERE g.release_id = g.id
     )`,
  ],
  [
    `     FROM evidence ev
     LEFT JOIN changes ch ON ch.id = ev.id;`,
    `     FROM released ev
     LEFT JOIN changes ch ON ch.id = ev.id
     WHERE ev.id = ANY (p_ids);`,
  ],
]);

const REFRESH = MAINTENANCE.filter((s) =>
  s.trimStart().startsWith('CREATE FUNCTION dora_refresh('),
);
if (REFRESH.length !== 1) throw new Error('expected one definition of dora_refresh');
const REFRESH_V1 = REFRESH[0].replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION');
const REFRESH_V2 = patchSql(REFRESH_V1, [
  [
    `       UNION SELECT d.predecessor_id FROM deployments d
             WHERE d.id = ANY (a_dep) AND d.predecessor_id IS NOT NULL);`,
    `       UNION SELECT d.predecessor_id FROM deployments d
             WHERE d.id = ANY (a_dep) AND d.predecessor_id IS NOT NULL
       UNION SELECT s.id FROM deployments d
             JOIN deployments s ON s.service_id = d.service_id AND s.environment_id = d.environment_id
              AND s.version = d.version AND s.target IS NOT NULL
             WHERE d.id = ANY (a_dep) AND d.target IS NOT NULL);`,
  ],
]);

export class MultiTargetReleases1768100000000 implements MigrationInterface {
  name = 'MultiTargetReleases1768100000000';

  async up(q: QueryRunner): Promise<void> {
    for (const statement of [
      `ALTER TABLE deployments ADD COLUMN target text`,
      `ALTER TABLE release_verifications ADD COLUMN target text`,
      `ALTER TABLE verification_policies ADD COLUMN target_label text`,
      `CREATE INDEX ix_deployments_release_targets ON deployments (service_id, environment_id, version)
         WHERE target IS NOT NULL`,
      DEPLOYMENT_FACTS_V5,
      REFRESH_V2,
    ]) {
      await q.query(statement);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const statement of [
      REFRESH_V1,
      DEPLOYMENT_FACTS_V4,
      `DROP INDEX ix_deployments_release_targets`,
      `ALTER TABLE verification_policies DROP COLUMN target_label`,
      `ALTER TABLE release_verifications DROP COLUMN target`,
      `ALTER TABLE deployments DROP COLUMN target`,
    ]) {
      await q.query(statement);
    }
  }
}
