import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two figures DORA publishes beside the five metrics (docs/dora.md, "Flow figures"), over a
 * window and the same scope as dora_report (tier, services, teams):
 *
 * - time between production deployments: the gaps between consecutive successful deployments
 *   of each service, both finished in the window (p50, p90, how many gaps);
 * - batch size: the changes (and distinct pull requests) each successful deployment with a known
 *   changeset shipped for the first time: its changeset without the changes already deployed,
 *   of unknown paths, or of a rollback. Rollbacks are no batch; deployments that shipped no new
 *   change (a redeploy, a configuration change) are counted apart, not as batches of 0.
 */
const FLOW_FIGURES = `CREATE FUNCTION dora_flow_figures(p_from timestamptz, p_to timestamptz, p_tier text,
                                    p_services text[] DEFAULT NULL, p_teams text[] DEFAULT NULL)
   RETURNS TABLE (interval_p50_seconds double precision, interval_p90_seconds double precision,
                  intervals integer, batch_changes_p50 double precision,
                  batch_changes_p90 double precision, batch_pull_requests_p50 double precision,
                  batch_pull_requests_p90 double precision, batches integer,
                  deployments_without_changes integer)
   LANGUAGE sql STABLE AS $$
     WITH scope AS (
       SELECT dora_scope_services(p_services, p_teams) AS ids,
              CASE WHEN coalesce(cardinality(p_teams), 0) = 0 THEN NULL ELSE p_teams END AS teams
     ),
     deployed AS (
       SELECT f.deployment_id, f.service_id, f.finished_at, f.kind, f.changeset_known
       FROM dora_deployment_facts f, scope
       WHERE f.tier = p_tier AND f.reached_users
         AND f.finished_at >= p_from AND f.finished_at < p_to
         AND (scope.ids IS NULL OR f.service_id = ANY (scope.ids))
         AND (scope.teams IS NULL OR f.team = ANY (scope.teams))
     ),
     gaps AS (
       SELECT extract(epoch FROM d.finished_at - lag(d.finished_at)
                OVER (PARTITION BY d.service_id ORDER BY d.finished_at, d.deployment_id))::double precision AS seconds
       FROM deployed d
     ),
     shipped AS (
       SELECT d.deployment_id, count(l.change_id)::int AS changes,
              count(DISTINCT c.pull_request_id)::int AS pull_requests
       FROM deployed d
       LEFT JOIN dora_lead_time_facts l
              ON l.deployment_id = d.deployment_id
             AND (l.excluded_reason IS NULL
                  OR l.excluded_reason NOT IN
                    ('NO_PREDECESSOR', 'ALREADY_DEPLOYED', 'UNKNOWN_PATHS', 'ROLLBACK_DEPLOYMENT'))
       LEFT JOIN changes c ON c.id = l.change_id
       WHERE d.changeset_known AND d.kind <> 'ROLLBACK'
       GROUP BY d.deployment_id
     ),
     interval_figures AS (
       SELECT percentile_cont(ARRAY[0.5, 0.9]::double precision[]) WITHIN GROUP (ORDER BY g.seconds) AS p,
              count(*)::int AS n
       FROM gaps g WHERE g.seconds IS NOT NULL
     ),
     batch_figures AS (
       SELECT percentile_cont(ARRAY[0.5, 0.9]::double precision[]) WITHIN GROUP (ORDER BY s.changes) AS changes,
              percentile_cont(ARRAY[0.5, 0.9]::double precision[]) WITHIN GROUP (ORDER BY s.pull_requests) AS prs,
              count(*)::int AS n
       FROM shipped s WHERE s.changes > 0
     )
     SELECT i.p[1], i.p[2], i.n, b.changes[1], b.changes[2], b.prs[1], b.prs[2], b.n,
            (SELECT count(*)::int FROM shipped s WHERE s.changes = 0)
     FROM interval_figures i, batch_figures b
   $$`;

export class DoraFlowFigures1766400000000 implements MigrationInterface {
  name = 'DoraFlowFigures1766400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(FLOW_FIGURES);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP FUNCTION dora_flow_figures(timestamptz, timestamptz, text, text[], text[])`,
    );
  }
}
