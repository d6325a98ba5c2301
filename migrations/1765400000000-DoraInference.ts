import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DEFINITIONS, HELPERS } from './1764600000000-DoraMetrics.js';

/**
 * Inferred change failures (docs/dora.md, definition version `shipwatch-dora/2`).
 *
 * - `deployments.inferred_kind` / `inference`: what the inference rules concluded about an
 *   unlabelled production deployment (a rollback by redeploy, a revert, a hotfix) and why.
 * - `deployment_remediations.attribution` / `rule`: the links those rules add are stored beside
 *   the explicit ones, marked INFERRED with the rule that made them.
 * - `changes.pr_title` / `pr_head_branch` / `pr_labels` / `reverts`: what the rules read from
 *   merged pull/merge requests and commit messages.
 * - `service_inference_rules`: per-service switches and hotfix rules (none = the defaults).
 * - `dora_compute_deployment_facts` counts inferred links, with their attribution in the facts.
 */
export const COMPUTE_FACTS = `CREATE OR REPLACE FUNCTION dora_compute_deployment_facts(p_ids bigint[])
     RETURNS SETOF dora_deployment_facts LANGUAGE plpgsql STABLE AS $fn$
   #variable_conflict use_column
   BEGIN
     RETURN QUERY
     WITH d AS (
       SELECT d.id, d.source, d.external_id, d.service_id, d.environment_id, e.tier, d.status,
              CASE WHEN d.kind = 'PLANNED' THEN coalesce(d.inferred_kind, 'PLANNED') ELSE d.kind END AS kind,
              d.kind AS explicit_kind, d.inferred_kind,
              d.finished_at, d.status_at, d.changeset_status, d.status IN ('SUCCEEDED','ROLLED_BACK') AS reached
       FROM deployments d
       JOIN environments e ON e.id = d.environment_id
       WHERE d.id = ANY (p_ids) AND d.finished_at IS NOT NULL
         AND d.status IN ('SUCCEEDED','ROLLED_BACK','FAILED','CANCELLED')
     ),
     remediated AS (   -- another deployment names it (explicitly or by an inference rule)
       SELECT d.id,
              bool_or(x.attribution <> 'INFERRED') AS explicit,
              array_agg(DISTINCT 'INFERRED_' || x.rule) FILTER (WHERE x.attribution = 'INFERRED') AS inferred,
              min(r.finished_at) FILTER (WHERE r.status = 'SUCCEEDED') AS fixed_at
       FROM d
       JOIN deployment_remediations x ON x.target_kind = 'DEPLOYMENT'
         AND x.target_source = d.source AND x.target_external_id = d.external_id
       JOIN deployments r ON r.id = x.deployment_id AND r.id <> d.id
       WHERE d.reached
       GROUP BY d.id
     ),
     replaced AS (     -- a labelled rollback/revert naming no target replaced it (its predecessor)
       SELECT d.id,
              min(n.finished_at) FILTER (WHERE n.status = 'SUCCEEDED') AS fixed_at
       FROM d
       JOIN deployments n ON n.predecessor_id = d.id AND n.kind IN ('ROLLBACK','REVERT')
       WHERE d.reached
         AND NOT EXISTS (SELECT 1 FROM deployment_remediations x
                         WHERE x.deployment_id = n.id AND x.target_kind = 'DEPLOYMENT')
       GROUP BY d.id
     ),
     caused AS (       -- incidents naming it as their cause
       SELECT d.id,
              bool_or(c.attribution = 'EXPLICIT') AS explicit,
              bool_or(c.attribution = 'CONFIRMED') AS confirmed,
              bool_or(c.attribution = 'INFERRED') AS inferred,
              min(i.impact_started_at) FILTER (WHERE c.attribution IN ('EXPLICIT','CONFIRMED')) AS impact_at,
              min(least(i.mitigated_at, i.resolved_at)) FILTER (WHERE c.attribution IN ('EXPLICIT','CONFIRMED')) AS restored_at
       FROM d
       JOIN incident_causes c ON c.deployment_source = d.source AND c.deployment_external_id = d.external_id
       JOIN incidents i ON i.id = c.incident_id
       WHERE d.reached
       GROUP BY d.id
     ),
     windowed AS (     -- incidents naming no cause, detected in its attribution window
       SELECT DISTINCT w.deployment_id AS id
       FROM incidents i
       JOIN incident_services s ON s.incident_id = i.id
       CROSS JOIN LATERAL dora_window_deployments(
         s.service_id, i.environment_id, dora_incident_at(i.detected_at, i.impact_started_at, i.created_at)) w
       WHERE s.service_id IN (SELECT d.service_id FROM d WHERE d.reached)
         AND dora_incident_at(i.detected_at, i.impact_started_at, i.created_at)
               >= (SELECT min(d.finished_at) FROM d)
         AND dora_incident_at(i.detected_at, i.impact_started_at, i.created_at)
               < (SELECT max(d.finished_at) FROM d) + dora_attribution_window()
         AND NOT EXISTS (SELECT 1 FROM incident_causes c WHERE c.incident_id = i.id)
     ),
     changes AS (
       SELECT dc.deployment_id AS id,
              count(dc.lead_time_seconds)::int AS lead_times,
              count(*) FILTER (WHERE dc.excluded_reason = 'NO_PREDECESSOR')::int AS no_predecessor,
              count(*) FILTER (WHERE dc.excluded_reason = 'ALREADY_DEPLOYED')::int AS already_deployed,
              count(*) FILTER (WHERE dc.excluded_reason = 'ROLLBACK_DEPLOYMENT')::int AS rollback,
              count(*) FILTER (WHERE dc.excluded_reason = 'NO_START_TIME')::int AS no_start_time,
              count(*) FILTER (WHERE dc.excluded_reason = 'NEGATIVE')::int AS negative,
              count(*) FILTER (WHERE dc.lead_time_seconds IS NULL AND dc.excluded_reason NOT IN
                ('NO_PREDECESSOR','ALREADY_DEPLOYED','ROLLBACK_DEPLOYMENT','NO_START_TIME','NEGATIVE'))::int AS other
       FROM deployment_changes dc
       WHERE dc.deployment_id IN (SELECT d.id FROM d WHERE d.reached)
       GROUP BY dc.deployment_id
     ),
     evidence AS (
       SELECT d.*,
              CASE WHEN d.reached THEN array_remove(ARRAY[
                CASE WHEN d.status = 'ROLLED_BACK' THEN 'ROLLED_BACK' END,
                CASE WHEN rm.explicit THEN 'REMEDIATED' END,
                CASE WHEN rp.id IS NOT NULL THEN 'REPLACED_BY_ROLLBACK' END,
                CASE WHEN ca.explicit OR ca.confirmed THEN 'CAUSED_INCIDENT' END], NULL)
                || coalesce(rm.inferred, '{}') ELSE '{}' END AS failure_evidence,
              CASE WHEN d.reached THEN
                CASE WHEN d.status = 'ROLLED_BACK' OR rm.explicit OR rp.id IS NOT NULL OR ca.explicit THEN 'EXPLICIT'
                     WHEN ca.confirmed THEN 'CONFIRMED'
                     WHEN cardinality(rm.inferred) > 0 THEN 'INFERRED' END END AS failure_attribution,
              CASE WHEN d.reached THEN array_remove(ARRAY[
                CASE WHEN ca.inferred THEN 'INFERRED_INCIDENT' END,
                CASE WHEN w.id IS NOT NULL THEN 'INCIDENT_IN_WINDOW' END], NULL) ELSE '{}' END AS suspicion_evidence,
              CASE WHEN d.reached THEN array_remove(ARRAY[
                CASE WHEN d.explicit_kind IN ('HOTFIX','ROLLBACK','REVERT') THEN d.explicit_kind END,
                CASE WHEN d.explicit_kind = 'PLANNED' AND d.inferred_kind IS NOT NULL
                     THEN 'INFERRED_' || d.inferred_kind END,
                CASE WHEN EXISTS (SELECT 1 FROM deployment_remediations x
                                  WHERE x.deployment_id = d.id AND x.attribution <> 'INFERRED')
                     THEN 'REMEDIATES' END], NULL) ELSE '{}' END AS rework_evidence,
              greatest(d.finished_at, ca.impact_at) AS degraded_candidate,
              least(rm.fixed_at, rp.fixed_at, ca.restored_at,
                    CASE WHEN d.status = 'ROLLED_BACK' THEN d.status_at END) AS recovered_candidate
       FROM d
       LEFT JOIN remediated rm ON rm.id = d.id
       LEFT JOIN replaced rp ON rp.id = d.id
       LEFT JOIN caused ca ON ca.id = d.id
       LEFT JOIN windowed w ON w.id = d.id
     )
     SELECT ev.id, ev.service_id, ev.environment_id, ev.tier, ev.status, ev.kind, ev.finished_at,
            ev.reached,
            ev.changeset_status IN ('FROM_EVENT','FROM_PUSHES','ROLLBACK'),
            cardinality(ev.failure_evidence) > 0,
            ev.failure_evidence,
            cardinality(ev.failure_evidence) = 0 AND cardinality(ev.suspicion_evidence) > 0,
            ev.suspicion_evidence,
            cardinality(ev.rework_evidence) > 0,
            ev.rework_evidence,
            CASE WHEN cardinality(ev.failure_evidence) > 0 THEN ev.degraded_candidate END,
            CASE WHEN cardinality(ev.failure_evidence) > 0 THEN ev.recovered_candidate END,
            CASE WHEN cardinality(ev.failure_evidence) > 0 AND ev.recovered_candidate IS NOT NULL
                 THEN greatest(0, extract(epoch FROM ev.recovered_candidate - ev.degraded_candidate))::double precision END,
            coalesce(ch.lead_times, 0), coalesce(ch.no_predecessor, 0), coalesce(ch.already_deployed, 0),
            coalesce(ch.rollback, 0), coalesce(ch.no_start_time, 0), coalesce(ch.negative, 0),
            coalesce(ch.other, 0),
            ev.failure_attribution,
            CASE WHEN cardinality(ev.rework_evidence) = 0 THEN NULL
                 WHEN ev.rework_evidence = ARRAY['INFERRED_' || ev.inferred_kind] THEN 'INFERRED'
                 ELSE 'EXPLICIT' END
     FROM evidence ev
     LEFT JOIN changes ch ON ch.id = ev.id;
   END
   $fn$`;

/** Failed and reworked deployments that rest on inference alone, per report period. */
export const INFERENCE_QUALITY = `CREATE FUNCTION dora_inference_quality(p_from timestamptz, p_to timestamptz,
       p_timezone text DEFAULT 'UTC', p_granularity text DEFAULT 'week',
       p_tier text DEFAULT 'production', p_services text[] DEFAULT NULL,
       p_teams text[] DEFAULT NULL, p_week_start integer DEFAULT 1)
     RETURNS TABLE (bucket_index integer, failed_inferred integer, reworked_inferred integer)
     LANGUAGE sql STABLE SET jit = off AS $$
       WITH v AS (SELECT dora_scope_services(p_services, p_teams) AS ids)
       SELECT g.idx,
              count(f.deployment_id) FILTER (WHERE f.failure_attribution = 'INFERRED')::int,
              count(f.deployment_id) FILTER (WHERE f.rework_attribution = 'INFERRED')::int
       FROM dora_groups(p_from, p_to, p_timezone, lower(p_granularity), p_week_start) g
       CROSS JOIN v
       LEFT JOIN dora_deployment_facts f
         ON (f.failure_attribution = 'INFERRED' OR f.rework_attribution = 'INFERRED')
        AND f.tier = p_tier AND f.reached_users
        AND f.finished_at >= g.s AND f.finished_at < g.e
        AND (v.ids IS NULL OR f.service_id = ANY (v.ids))
       GROUP BY g.idx
       ORDER BY g.idx
     $$`;

export class DoraInference1765400000000 implements MigrationInterface {
  name = 'DoraInference1765400000000';

  async up(q: QueryRunner): Promise<void> {
    for (const statement of [
      `ALTER TABLE changes ADD COLUMN pr_title text, ADD COLUMN pr_head_branch text,
         ADD COLUMN pr_labels text[], ADD COLUMN reverts text[] NOT NULL DEFAULT '{}'`,
      `CREATE INDEX ix_changes_pull_request ON changes (repository, pull_request_id)
         WHERE pull_request_id IS NOT NULL`,
      `ALTER TABLE deployments ADD COLUMN inferred_kind text
         CONSTRAINT ck_deployments_inferred_kind CHECK (inferred_kind IN ('HOTFIX','ROLLBACK','REVERT')),
         ADD COLUMN inference jsonb`,
      `CREATE INDEX ix_deployments_release ON deployments (service_id, environment_id, version)`,
      `ALTER TABLE deployments DROP CONSTRAINT ck_deployments_changeset_status,
         ADD CONSTRAINT ck_deployments_changeset_status
           CHECK (changeset_status IN ('PENDING','FROM_EVENT','FROM_PUSHES','ROLLBACK','UNKNOWN'))`,
      `ALTER TABLE deployment_remediations
         ADD COLUMN attribution text NOT NULL DEFAULT 'EXPLICIT'
           CONSTRAINT ck_deployment_remediations_attribution CHECK (attribution IN ('EXPLICIT','INFERRED','CONFIRMED')),
         ADD COLUMN rule text
           CONSTRAINT ck_deployment_remediations_rule CHECK (rule IN ('ROLLBACK','REVERT','HOTFIX')),
         ADD CONSTRAINT ck_deployment_remediations_inferred_rule CHECK ((attribution = 'INFERRED') = (rule IS NOT NULL))`,
      `CREATE TABLE service_inference_rules (
         service_id              bigint NOT NULL CONSTRAINT pk_service_inference_rules PRIMARY KEY
                                   CONSTRAINT fk_service_inference_rules_service REFERENCES services (id) ON DELETE CASCADE,
         rollback_by_redeploy    boolean NOT NULL DEFAULT true,
         reverts                 boolean NOT NULL DEFAULT true,
         hotfixes                boolean NOT NULL DEFAULT true,
         hotfix_labels           text[],
         hotfix_branch_prefixes  text[],
         hotfix_title_patterns   text[],
         updated_at              timestamptz NOT NULL DEFAULT now()
       )`,
      `ALTER TABLE dora_deployment_facts ADD COLUMN failure_attribution text, ADD COLUMN rework_attribution text`,
      `CREATE INDEX ix_dora_deployment_facts_inferred ON dora_deployment_facts (tier, finished_at)
         WHERE failure_attribution = 'INFERRED' OR rework_attribution = 'INFERRED'`,
      COMPUTE_FACTS,
      INFERENCE_QUALITY,
      `CREATE OR REPLACE VIEW dora_failed_deployments AS
         SELECT f.deployment_id, d.source, d.external_id, dora_service_label(f.service_id) AS service,
                s.team, f.tier, f.finished_at, f.failure_evidence, f.degraded_at, f.recovered_at,
                f.recovery_seconds, f.failure_attribution
         FROM dora_deployment_facts f
         JOIN deployments d ON d.id = f.deployment_id
         JOIN services s ON s.id = f.service_id
         WHERE f.failed`,
      // A new definition version: the next dora_refresh() rebuilds every fact.
      `CREATE OR REPLACE FUNCTION dora_definition_version() RETURNS text
         LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 'shipwatch-dora/2'::text $$`,
    ]) {
      await q.query(statement);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP FUNCTION dora_inference_quality(timestamptz, timestamptz, text, text, text, text[], text[], integer)`,
    );
    await q.query(`DROP VIEW dora_failed_deployments`);
    await q.query(`DROP INDEX ix_dora_deployment_facts_inferred`);
    await q.query(`DROP FUNCTION dora_compute_deployment_facts(bigint[])`);
    await q.query(
      `ALTER TABLE dora_deployment_facts DROP COLUMN failure_attribution, DROP COLUMN rework_attribution`,
    );
    await q.query(DEFINITIONS[0]);
    await q.query(HELPERS[0].replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'));
    await q.query(
      `CREATE VIEW dora_failed_deployments AS
         SELECT f.deployment_id, d.source, d.external_id, dora_service_label(f.service_id) AS service,
                s.team, f.tier, f.finished_at, f.failure_evidence, f.degraded_at, f.recovered_at,
                f.recovery_seconds
         FROM dora_deployment_facts f
         JOIN deployments d ON d.id = f.deployment_id
         JOIN services s ON s.id = f.service_id
         WHERE f.failed`,
    );
    await q.query(`DROP TABLE service_inference_rules`);
    await q.query(`DELETE FROM deployment_remediations WHERE attribution = 'INFERRED'`);
    await q.query(
      `ALTER TABLE deployment_remediations DROP CONSTRAINT ck_deployment_remediations_inferred_rule,
         DROP COLUMN rule, DROP COLUMN attribution`,
    );
    await q.query(`DROP INDEX ix_deployments_release`);
    await q.query(
      `UPDATE deployments SET changeset_status = 'UNKNOWN' WHERE changeset_status = 'ROLLBACK'`,
    );
    await q.query(
      `ALTER TABLE deployments DROP CONSTRAINT ck_deployments_changeset_status,
         ADD CONSTRAINT ck_deployments_changeset_status
           CHECK (changeset_status IN ('PENDING','FROM_EVENT','FROM_PUSHES','UNKNOWN'))`,
    );
    await q.query(`ALTER TABLE deployments DROP COLUMN inferred_kind, DROP COLUMN inference`);
    await q.query(`DROP INDEX ix_changes_pull_request`);
    await q.query(
      `ALTER TABLE changes DROP COLUMN pr_title, DROP COLUMN pr_head_branch, DROP COLUMN pr_labels, DROP COLUMN reverts`,
    );
    await q.query(`INSERT INTO dora_dirty (kind) VALUES ('ALL')`);
  }
}
