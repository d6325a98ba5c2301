import type { MigrationInterface, QueryRunner } from 'typeorm';
import { FIRST_SHIPPED } from './1766400000000-DoraFlowFigures.js';

/**
 * Where change lead time goes (docs/dora.md, "Lead-time stages"), over a window and the scope of
 * dora_report (tier, services, teams), for the pull requests that successful production
 * deployments in the window shipped for the first time (as the batch size counts changes):
 *
 * - CODING: the pull request's first commit to its opening;
 * - REVIEW: opened to merged;
 * - WAITING: merged to the start of the first deployment that shipped it;
 * - DEPLOYING: start to finish of each deployment (all of them, pull requests or not).
 *
 * A stage is measured where both of its ends are known and in order (a negative span, from clock
 * skew, is left out); p50 and p90 by percentile_cont, with the number of samples.
 */
const STAGES = `CREATE FUNCTION dora_lead_time_stages(p_from timestamptz, p_to timestamptz, p_tier text,
                                        p_services text[] DEFAULT NULL, p_teams text[] DEFAULT NULL)
   RETURNS TABLE (stage text, p50_seconds double precision, p90_seconds double precision,
                  samples integer)
   LANGUAGE sql STABLE AS $$
     WITH deployed AS (
       SELECT * FROM dora_scoped_deployments(p_from, p_to, p_tier, p_services, p_teams)
     ),
     shipped AS (
       SELECT d.deployment_id, d.started_at, d.finished_at, c.repository, c.pull_request_id,
              c.pr_first_commit_at, c.pr_created_at, c.pr_merged_at
       FROM deployed d
       JOIN dora_lead_time_facts l
         ON l.deployment_id = d.deployment_id
        AND ${FIRST_SHIPPED}
       JOIN changes c ON c.id = l.change_id
       WHERE c.pull_request_id IS NOT NULL
     ),
     pull_requests AS (
       SELECT min(s.pr_first_commit_at) AS first_commit_at, min(s.pr_created_at) AS opened_at,
              max(s.pr_merged_at) AS merged_at,
              (array_agg(s.started_at ORDER BY s.finished_at, s.deployment_id))[1] AS deploy_started_at
       FROM shipped s
       GROUP BY s.repository, s.pull_request_id
     ),
     spans AS (
       SELECT 1 AS ord, extract(epoch FROM p.opened_at - p.first_commit_at)::double precision AS seconds
       FROM pull_requests p
       UNION ALL
       SELECT 2, extract(epoch FROM p.merged_at - p.opened_at)::double precision FROM pull_requests p
       UNION ALL
       SELECT 3, extract(epoch FROM p.deploy_started_at - p.merged_at)::double precision
       FROM pull_requests p
       UNION ALL
       SELECT 4, extract(epoch FROM d.finished_at - d.started_at)::double precision FROM deployed d
     )
     SELECT st.stage, x.p[1], x.p[2], x.n
     FROM (VALUES (1, 'CODING'), (2, 'REVIEW'), (3, 'WAITING'), (4, 'DEPLOYING')) AS st(ord, stage)
     CROSS JOIN LATERAL (
       SELECT percentile_cont(ARRAY[0.5, 0.9]::double precision[]) WITHIN GROUP (ORDER BY s.seconds) AS p,
              count(*)::int AS n
       FROM spans s WHERE s.ord = st.ord AND s.seconds >= 0
     ) x
     ORDER BY st.ord
   $$`;

export class DoraLeadTimeStages1766500000000 implements MigrationInterface {
  name = 'DoraLeadTimeStages1766500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(STAGES);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP FUNCTION dora_lead_time_stages(timestamptz, timestamptz, text, text[], text[])`,
    );
  }
}
