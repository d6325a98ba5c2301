import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ATTRIBUTION_FIGURES_V4 } from './1765800000000-ServiceCatalog.js';
import { patchSql } from './sql-patch.js';

/**
 * Plans of the DORA report that stay fast whatever arguments it gets (measured on the
 * 1M-deployment benchmark, `npm run bench -- dora`).
 *
 * - The report and its attribution figures are planned for each call's arguments. After five
 *   calls PostgreSQL may keep a generic plan of a PL/pgSQL statement, one that does not know
 *   whether the report is org-wide or scoped to services or teams, filtered by attribution or
 *   not (`p_services IS NULL OR …`); those plans took the org-wide 90-day report from 58 to
 *   about 185 ms and a one-service 2-year report from 73 to about 180 ms. Planned per call (a
 *   few milliseconds of planning) they take 58 and 50 ms.
 * - Every fact the attribution figures read lies in the report's window, and the reads say so
 *   (`finished_at >= p_from AND finished_at < p_to`): the buckets alone left the planner free to
 *   read two years of inferred facts once and filter them per bucket (150 ms instead of 7).
 * - The partial indexes those reads use cover every column they read (the team too, since
 *   facts carry their team), so that they are index-only and the planner prefers them to
 *   reading every fact of the window (62 ms) for the few inferred or unknown-path ones.
 */
const WINDOW: readonly [string, string][] = [
  [
    'AND f.tier = p_tier AND f.reached_users AND f.finished_at >= g.s AND f.finished_at < g.e',
    `AND f.tier = p_tier AND f.reached_users AND f.finished_at >= g.s AND f.finished_at < g.e
        AND f.finished_at >= p_from AND f.finished_at < p_to`,
  ],
  [
    'AND f.tier = p_tier AND f.finished_at >= g.s AND f.finished_at < g.e',
    `AND f.tier = p_tier AND f.finished_at >= g.s AND f.finished_at < g.e
        AND f.finished_at >= p_from AND f.finished_at < p_to`,
  ],
  [
    'AND l.tier = p_tier AND l.finished_at >= g.s AND l.finished_at < g.e',
    `AND l.tier = p_tier AND l.finished_at >= g.s AND l.finished_at < g.e
        AND l.finished_at >= p_from AND l.finished_at < p_to`,
  ],
];

const ATTRIBUTION_FIGURES_V5 = patchSql(
  ATTRIBUTION_FIGURES_V4.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'),
  WINDOW,
);

/** [name, table, columns and predicate now, before] of the partial indexes replaced. */
const INDEXES: readonly [string, string, string, string][] = [
  [
    'ix_dora_deployment_facts_inferred',
    'dora_deployment_facts',
    `(tier, finished_at)
       INCLUDE (service_id, team, reached_users, failure_attribution, rework_attribution)
       WHERE failure_attribution = 'INFERRED' OR rework_attribution = 'INFERRED'`,
    `(tier, finished_at) WHERE failure_attribution = 'INFERRED' OR rework_attribution = 'INFERRED'`,
  ],
  [
    'ix_dora_deployment_facts_failed_or_reworked',
    'dora_deployment_facts',
    `(tier, finished_at)
       INCLUDE (service_id, team, failed, reworked, failure_attribution, rework_attribution, recovered_at)
       WHERE failed OR reworked`,
    `(tier, finished_at)
       INCLUDE (service_id, failure_attribution, rework_attribution, recovered_at)
       WHERE failed OR reworked`,
  ],
  [
    'ix_dora_lead_time_facts_unknown_paths',
    'dora_lead_time_facts',
    `(tier, finished_at) INCLUDE (service_id, team) WHERE excluded_reason = 'UNKNOWN_PATHS'`,
    `(tier, finished_at) INCLUDE (service_id) WHERE excluded_reason = 'UNKNOWN_PATHS'`,
  ],
];

const FUNCTIONS = [
  'dora_report(timestamptz, timestamptz, text, text, text, text[], text[], integer, text[])',
  'dora_attribution_figures(timestamptz, timestamptz, text, text, integer, text, bigint[], text[], text[])',
];

export class DoraReportPlans1766000000000 implements MigrationInterface {
  name = 'DoraReportPlans1766000000000';

  async up(q: QueryRunner): Promise<void> {
    for (const [name, table, now] of INDEXES) {
      await q.query(`DROP INDEX ${name}`);
      await q.query(`CREATE INDEX ${name} ON ${table} ${now}`);
    }
    await q.query(ATTRIBUTION_FIGURES_V5);
    for (const fn of FUNCTIONS)
      await q.query(`ALTER FUNCTION ${fn} SET plan_cache_mode = force_custom_plan`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const fn of FUNCTIONS) await q.query(`ALTER FUNCTION ${fn} RESET plan_cache_mode`);
    await q.query(ATTRIBUTION_FIGURES_V4.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'));
    for (const [name, table, , before] of INDEXES) {
      await q.query(`DROP INDEX ${name}`);
      await q.query(`CREATE INDEX ${name} ON ${table} ${before}`);
    }
  }
}
