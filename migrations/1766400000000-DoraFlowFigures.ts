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
/**
 * The successful production deployments (that reached users) of a window in the scope of
 * dora_report: tier, services, teams (the team a fact carries). One definition for the flow
 * figures and the lead-time stages; the planner inlines it.
 */
const SCOPED_DEPLOYMENTS = `CREATE FUNCTION dora_scoped_deployments(p_from timestamptz, p_to timestamptz, p_tier text,
                                          p_services text[] DEFAULT NULL, p_teams text[] DEFAULT NULL)
   RETURNS TABLE (deployment_id bigint, service_id bigint, kind text, changeset_known boolean,
                  started_at timestamptz, finished_at timestamptz)
   LANGUAGE sql STABLE AS $$
     SELECT f.deployment_id, f.service_id, f.kind, f.changeset_known, d.started_at, f.finished_at
     FROM dora_deployment_facts f
     JOIN deployments d ON d.id = f.deployment_id
     CROSS JOIN (SELECT dora_scope_services(p_services, p_teams) AS ids) scope
     WHERE f.tier = p_tier AND f.reached_users
       AND f.finished_at >= p_from AND f.finished_at < p_to
       AND (scope.ids IS NULL OR f.service_id = ANY (scope.ids))
       AND (coalesce(cardinality(p_teams), 0) = 0 OR f.team = ANY (p_teams))
   $$`;

/**
 * A lead-time fact `l` of a change its deployment shipped for the first time: not already
 * deployed, not of paths the service does not own, not a first deployment's history, not a
 * rollback's. The batch size counts these changes, the lead-time stages their pull requests.
 */
export const FIRST_SHIPPED = `(l.excluded_reason IS NULL
          OR l.excluded_reason NOT IN
            ('NO_PREDECESSOR', 'ALREADY_DEPLOYED', 'UNKNOWN_PATHS', 'ROLLBACK_DEPLOYMENT'))`;

const FLOW_FIGURES = `CREATE FUNCTION dora_flow_figures(p_from timestamptz, p_to timestamptz, p_tier text,
                                    p_services text[] DEFAULT NULL, p_teams text[] DEFAULT NULL)
   RETURNS TABLE (interval_p50_seconds double precision, interval_p90_seconds double precision,
                  intervals integer, batch_changes_p50 double precision,
                  batch_changes_p90 double precision, batch_pull_requests_p50 double precision,
                  batch_pull_requests_p90 double precision, batches integer,
                  deployments_without_changes integer)
   LANGUAGE sql STABLE AS $$
     WITH deployed AS (
       SELECT * FROM dora_scoped_deployments(p_from, p_to, p_tier, p_services, p_teams)
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
             AND ${FIRST_SHIPPED}
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
    await q.query(SCOPED_DEPLOYMENTS);
    await q.query(FLOW_FIGURES);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP FUNCTION dora_flow_figures(timestamptz, timestamptz, text, text[], text[])`,
    );
    await q.query(
      `DROP FUNCTION dora_scoped_deployments(timestamptz, timestamptz, text, text[], text[])`,
    );
  }
}
