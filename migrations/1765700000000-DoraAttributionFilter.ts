import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DEFINITIONS, REPORT } from './1764600000000-DoraMetrics.js';
import { INFERENCE_QUALITY } from './1765400000000-DoraInference.js';
import { patchSql } from './sql-patch.js';

/**
 * Every failure and rework figure filtered by attribution, and the monorepo lead-time exclusion
 * (docs/dora.md, definition version `shipwatch-dora/4`).
 *
 * - `dora_report(..., p_attributions text[])`: the failed, failed-unrecovered and reworked
 *   counts, their rates and the recovery times count only the deployments whose attribution
 *   (`failure_attribution`, `rework_attribution`) is listed; NULL or empty lists every one.
 *   New columns: `excluded_unknown_paths` (lead times left out because a commit's paths are
 *   unknown in a path-scoped service, once counted in `excluded_other`), `failed_inferred` and
 *   `reworked_inferred` (what dora_inference_quality gives).
 * - `dora_service_summary(..., p_attributions text[])`: the same filter per service.
 * - `dora_attribution_figures(...)`: what the filter leaves out, per report period, read from the
 *   facts through partial indexes. The rollups stay as they are: without a filter the org-wide
 *   report reads what it read before, plus the (few) inferred and unknown-path facts.
 */

/** The statement of an earlier migration that starts so. */
const original = (statements: readonly string[], start: string): string => {
  const found = statements.find((s) => s.trimStart().startsWith(start));
  if (!found) throw new Error(`no statement starting ${start}`);
  return found;
};

/** The report's attribution list, checked: NULL when it is NULL or empty (every attribution). */
const ATTRIBUTIONS = `CREATE FUNCTION dora_attributions(p_attributions text[]) RETURNS text[]
     LANGUAGE plpgsql IMMUTABLE AS $fn$
   BEGIN
     IF coalesce(cardinality(p_attributions), 0) = 0 THEN RETURN NULL; END IF;
     IF NOT p_attributions <@ ARRAY['EXPLICIT','CONFIRMED','INFERRED'] OR array_position(p_attributions, NULL) IS NOT NULL THEN
       RAISE EXCEPTION 'dora_report: attributions must be EXPLICIT, CONFIRMED or INFERRED (got %)', p_attributions
         USING ERRCODE = '22023';
     END IF;
     RETURN p_attributions;
   END
   $fn$`;

export const ATTRIBUTION_FIGURES = `CREATE FUNCTION dora_attribution_figures(p_from timestamptz, p_to timestamptz,
       p_timezone text, p_granularity text, p_week_start integer, p_tier text,
       p_service_ids bigint[], p_attributions text[])
     RETURNS TABLE (idx integer, failed_dropped integer, failed_unrecovered_dropped integer,
                    reworked_dropped integer, failed_inferred integer, reworked_inferred integer,
                    unknown_paths integer)
     LANGUAGE plpgsql STABLE SET jit = off AS $fn$
   #variable_conflict use_column
   DECLARE
     -- the filter leaves inferred failures in: their count is data quality
     v_inferred boolean := p_attributions IS NULL OR 'INFERRED' = ANY (p_attributions);
   BEGIN
     RETURN QUERY
     WITH g AS (
       SELECT * FROM dora_groups(p_from, p_to, p_timezone, p_granularity, p_week_start) WHERE idx > 0
     ),
     inferred AS (    -- resting on inference alone: ix_dora_deployment_facts_inferred
       SELECT g.idx,
              count(*) FILTER (WHERE f.failure_attribution = 'INFERRED') AS failed,
              count(*) FILTER (WHERE f.rework_attribution = 'INFERRED') AS reworked
       FROM g JOIN dora_deployment_facts f
         ON (f.failure_attribution = 'INFERRED' OR f.rework_attribution = 'INFERRED')
        AND f.tier = p_tier AND f.reached_users AND f.finished_at >= g.s AND f.finished_at < g.e
        AND (p_service_ids IS NULL OR f.service_id = ANY (p_service_ids))
       WHERE v_inferred
       GROUP BY g.idx
     ),
     dropped AS (     -- left out by the filter: ix_dora_deployment_facts_failed_or_reworked
       SELECT g.idx,
              count(*) FILTER (WHERE f.failed AND f.failure_attribution <> ALL (p_attributions)) AS failed,
              count(*) FILTER (WHERE f.failed AND f.recovered_at IS NULL
                                 AND f.failure_attribution <> ALL (p_attributions)) AS failed_unrecovered,
              count(*) FILTER (WHERE f.reworked AND f.rework_attribution <> ALL (p_attributions)) AS reworked
       FROM g JOIN dora_deployment_facts f
         ON (f.failed OR f.reworked)
        AND f.tier = p_tier AND f.finished_at >= g.s AND f.finished_at < g.e
        AND (p_service_ids IS NULL OR f.service_id = ANY (p_service_ids))
       WHERE p_attributions IS NOT NULL
       GROUP BY g.idx
     ),
     unknown_paths AS (   -- ix_dora_lead_time_facts_unknown_paths
       SELECT g.idx, count(*) AS n
       FROM g JOIN dora_lead_time_facts l
         ON l.excluded_reason = 'UNKNOWN_PATHS'
        AND l.tier = p_tier AND l.finished_at >= g.s AND l.finished_at < g.e
        AND (p_service_ids IS NULL OR l.service_id = ANY (p_service_ids))
       GROUP BY g.idx
     ),
     per_bucket AS (
       SELECT g.idx, coalesce(d.failed, 0) AS failed_dropped,
              coalesce(d.failed_unrecovered, 0) AS failed_unrecovered_dropped,
              coalesce(d.reworked, 0) AS reworked_dropped,
              coalesce(i.failed, 0) AS failed_inferred, coalesce(i.reworked, 0) AS reworked_inferred,
              coalesce(u.n, 0) AS unknown_paths
       FROM g
       LEFT JOIN inferred i ON i.idx = g.idx
       LEFT JOIN dropped d ON d.idx = g.idx
       LEFT JOIN unknown_paths u ON u.idx = g.idx
     )
     -- the window is the sum of its buckets (none for an empty window: zeros)
     SELECT 0, coalesce(sum(b.failed_dropped), 0)::int,
            coalesce(sum(b.failed_unrecovered_dropped), 0)::int,
            coalesce(sum(b.reworked_dropped), 0)::int, coalesce(sum(b.failed_inferred), 0)::int,
            coalesce(sum(b.reworked_inferred), 0)::int, coalesce(sum(b.unknown_paths), 0)::int
     FROM per_bucket b
     UNION ALL
     SELECT b.idx, b.failed_dropped::int, b.failed_unrecovered_dropped::int, b.reworked_dropped::int,
            b.failed_inferred::int, b.reworked_inferred::int, b.unknown_paths::int
     FROM per_bucket b;
   END
   $fn$`;

export const RECOVERY_FIGURES = patchSql(
  original(REPORT, 'CREATE FUNCTION dora_recovery_figures('),
  [
    ['p_service_ids bigint[])', 'p_service_ids bigint[], p_attributions text[])'],
    [
      'AND (p_service_ids IS NULL OR f.service_id = ANY (p_service_ids))',
      `AND (p_service_ids IS NULL OR f.service_id = ANY (p_service_ids))
          AND (p_attributions IS NULL OR f.failure_attribution = ANY (p_attributions))`,
    ],
  ],
);

// The report: the failure and rework counts minus what the attribution filter leaves out, the
// recoveries of the attributions listed, and three data-quality columns at the end.
export const REPORT_FUNCTION = patchSql(original(REPORT, 'CREATE FUNCTION dora_report('), [
  [
    'p_teams text[] DEFAULT NULL, p_week_start integer DEFAULT 1)',
    `p_teams text[] DEFAULT NULL, p_week_start integer DEFAULT 1,
                               p_attributions text[] DEFAULT NULL)`,
  ],
  [
    'definition_version text)',
    `definition_version text,
       excluded_unknown_paths integer, failed_inferred integer, reworked_inferred integer)`,
  ],
  [
    'v_granularity text := lower(p_granularity);',
    `v_granularity text := lower(p_granularity);
     v_attributions text[] := dora_attributions(p_attributions);`,
  ],
  [
    'coalesce(c.failed, 0) AS failed, coalesce(c.failed_unrecovered, 0) AS failed_unrecovered,',
    `coalesce(c.failed, 0) - a.failed_dropped AS failed,
              coalesce(c.failed_unrecovered, 0) - a.failed_unrecovered_dropped AS failed_unrecovered,`,
  ],
  [
    'coalesce(c.reworked, 0) AS reworked,',
    'coalesce(c.reworked, 0) - a.reworked_dropped AS reworked,',
  ],
  [
    'coalesce(c.excluded_other, 0) AS excluded_other,',
    `coalesce(c.excluded_other, 0) - a.unknown_paths AS excluded_other,
              a.unknown_paths, a.failed_inferred, a.reworked_inferred,`,
  ],
  [
    'LEFT JOIN dora_count_figures(',
    `JOIN dora_attribution_figures(p_from, p_to, p_timezone, v_granularity, p_week_start, p_tier,
                                     v_services, v_attributions) a
         ON a.idx = g.idx
       LEFT JOIN dora_count_figures(`,
  ],
  [
    'LEFT JOIN dora_recovery_figures(p_from, p_to, p_timezone, v_granularity, p_week_start, p_tier, v_services) r',
    `LEFT JOIN dora_recovery_figures(p_from, p_to, p_timezone, v_granularity, p_week_start, p_tier,
                                       v_services, v_attributions) r`,
  ],
  [
    'dora_definition_version()\n     FROM f',
    `dora_definition_version(),
            f.unknown_paths, f.failed_inferred, f.reworked_inferred
     FROM f`,
  ],
]);

// Per service, the same attribution filter.
const SERVICE_SUMMARY = patchSql(original(REPORT, 'CREATE FUNCTION dora_service_summary('), [
  [
    "p_tier text DEFAULT 'production')",
    `p_tier text DEFAULT 'production',
                                        p_attributions text[] DEFAULT NULL)`,
  ],
  [
    'FROM services s',
    `FROM services s
       CROSS JOIN (SELECT dora_attributions(p_attributions) AS list) a`,
  ],
  [
    'coalesce(sum(c.failed), 0)::int AS failed,',
    `(count(*) FILTER (WHERE c.failed = 1
                   AND (a.list IS NULL OR c.failure_attribution = ANY (a.list))))::int AS failed,`,
  ],
  [
    'coalesce(sum(c.reworked), 0)::int AS reworked',
    `(count(*) FILTER (WHERE c.reworked = 1
                   AND (a.list IS NULL OR c.rework_attribution = ANY (a.list))))::int AS reworked`,
  ],
  [
    'AND f.recovered_at >= p_from AND f.recovered_at < p_to) r',
    `AND f.recovered_at >= p_from AND f.recovered_at < p_to
           AND (a.list IS NULL OR f.failure_attribution = ANY (a.list))) r`,
  ],
]);

// What one deployment fact adds to the counts, with its attributions.
export const FACT_COUNTS = patchSql(
  original(DEFINITIONS, 'CREATE VIEW dora_fact_counts').replace(
    'CREATE VIEW',
    'CREATE OR REPLACE VIEW',
  ),
  [
    [
      'f.excluded_no_start_time, f.excluded_negative, f.excluded_other',
      `f.excluded_no_start_time, f.excluded_negative, f.excluded_other,
            f.failure_attribution, f.rework_attribution`,
    ],
  ],
);

// The Grafana data-quality function of the previous version, now a view of the same figures.
export const INFERENCE_QUALITY_V3 = `CREATE OR REPLACE FUNCTION dora_inference_quality(p_from timestamptz,
       p_to timestamptz, p_timezone text DEFAULT 'UTC', p_granularity text DEFAULT 'week',
       p_tier text DEFAULT 'production', p_services text[] DEFAULT NULL,
       p_teams text[] DEFAULT NULL, p_week_start integer DEFAULT 1)
     RETURNS TABLE (bucket_index integer, failed_inferred integer, reworked_inferred integer)
     LANGUAGE sql STABLE SET jit = off AS $$
       SELECT a.idx, a.failed_inferred, a.reworked_inferred
       FROM dora_attribution_figures(p_from, p_to, p_timezone, lower(p_granularity), p_week_start,
                                     p_tier, dora_scope_services(p_services, p_teams), NULL) a
       ORDER BY a.idx
     $$`;

export class DoraAttributionFilter1765700000000 implements MigrationInterface {
  name = 'DoraAttributionFilter1765700000000';

  async up(q: QueryRunner): Promise<void> {
    for (const statement of [
      `CREATE INDEX ix_dora_deployment_facts_failed_or_reworked ON dora_deployment_facts (tier, finished_at)
         INCLUDE (service_id, failure_attribution, rework_attribution, recovered_at)
         WHERE failed OR reworked`,
      `CREATE INDEX ix_dora_lead_time_facts_unknown_paths ON dora_lead_time_facts (tier, finished_at)
         INCLUDE (service_id) WHERE excluded_reason = 'UNKNOWN_PATHS'`,
      FACT_COUNTS,
      ATTRIBUTIONS,
      ATTRIBUTION_FIGURES,
      INFERENCE_QUALITY_V3,
      `DROP FUNCTION dora_report(timestamptz, timestamptz, text, text, text, text[], text[], integer)`,
      `DROP FUNCTION dora_recovery_figures(timestamptz, timestamptz, text, text, integer, text, bigint[])`,
      `DROP FUNCTION dora_service_summary(timestamptz, timestamptz, text)`,
      RECOVERY_FIGURES,
      REPORT_FUNCTION,
      SERVICE_SUMMARY,
      // Lead times of services in a shared repository count only their paths' commits.
      `CREATE OR REPLACE FUNCTION dora_definition_version() RETURNS text
         LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 'shipwatch-dora/4'::text $$`,
    ]) {
      await q.query(statement);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const statement of [
      `DROP FUNCTION dora_service_summary(timestamptz, timestamptz, text, text[])`,
      `DROP FUNCTION dora_report(timestamptz, timestamptz, text, text, text, text[], text[], integer, text[])`,
      `DROP FUNCTION dora_recovery_figures(timestamptz, timestamptz, text, text, integer, text, bigint[], text[])`,
      original(REPORT, 'CREATE FUNCTION dora_recovery_figures('),
      original(REPORT, 'CREATE FUNCTION dora_report('),
      original(REPORT, 'CREATE FUNCTION dora_service_summary('),
      INFERENCE_QUALITY.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'),
      `DROP FUNCTION dora_attribution_figures(timestamptz, timestamptz, text, text, integer, text, bigint[], text[])`,
      `DROP FUNCTION dora_attributions(text[])`,
      `DROP VIEW dora_fact_counts`,
      original(DEFINITIONS, 'CREATE VIEW dora_fact_counts'),
      `DROP INDEX ix_dora_lead_time_facts_unknown_paths`,
      `DROP INDEX ix_dora_deployment_facts_failed_or_reworked`,
      `CREATE OR REPLACE FUNCTION dora_definition_version() RETURNS text
         LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 'shipwatch-dora/3'::text $$`,
    ]) {
      await q.query(statement);
    }
  }
}
