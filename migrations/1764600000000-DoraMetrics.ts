import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * DORA metrics (docs/dora.md, definition version `shipwatch-dora/1`).
 *
 * The definitions live in SQL functions over the delivery tables, so that GraphQL, Grafana and
 * the Prometheus gauges read the very same figures:
 *
 * - `dora_compute_*_facts(ids)`: the definitions, per deployment / change / incident.
 * - `dora_deployment_facts`, `dora_lead_time_facts`, `dora_incident_facts`: those facts,
 *   materialised. Triggers on the delivery tables append marks to `dora_dirty`;
 *   `dora_refresh()` (serialised by an advisory lock) recomputes the marked facts and the
 *   rollup periods they touch. `dora_rebuild()` recomputes everything.
 * - `dora_rollup` / `dora_rollup_lead_bins`: org-wide sums per tier and UTC hour / UTC day,
 *   so that an org-wide report reads a few hundred rows; exact percentiles come from the
 *   lead-time histogram (which bin holds the k-th value) and one indexed read of that bin.
 * - `dora_report(...)`: every figure for a window and its calendar buckets in an IANA timezone.
 */

/** Geometric lead-time bins: 8 per doubling, from 1 s to 2^32 s. Strictly increasing. */
const LEAD_TIME_BIN_EDGES = Array.from({ length: 8 * 32 + 1 }, (_, k) =>
  Number(Math.pow(2, k / 8).toPrecision(12)),
);

const STATUSES_REACHED = `('SUCCEEDED','ROLLED_BACK')`;
const STATUSES_FINISHED = `('SUCCEEDED','ROLLED_BACK','FAILED','CANCELLED')`;
const EXPLICIT = `('EXPLICIT','CONFIRMED')`;

const TABLES = [
  `CREATE TABLE dora_state (
     id                  boolean NOT NULL DEFAULT true CONSTRAINT pk_dora_state PRIMARY KEY
                           CONSTRAINT ck_dora_state_single CHECK (id),
     definition_version  text NOT NULL,
     rebuilt_at          timestamptz
   )`,
  `CREATE TABLE dora_dirty (
     id               bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_dora_dirty PRIMARY KEY,
     kind             text NOT NULL CONSTRAINT ck_dora_dirty_kind CHECK (kind IN
                        ('DEPLOYMENT','DEPLOYMENT_KEY','INCIDENT','SERVICE_AT','SERVICE','ALL')),
     ref_id           bigint,
     ref_source       text,
     ref_external_id  text,
     at               timestamptz,
     created_at       timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE TABLE dora_deployment_facts (
     deployment_id              bigint NOT NULL CONSTRAINT pk_dora_deployment_facts PRIMARY KEY,
     service_id                 bigint NOT NULL,
     environment_id             bigint NOT NULL,
     tier                       text NOT NULL,
     status                     text NOT NULL,
     kind                       text NOT NULL,
     finished_at                timestamptz NOT NULL,
     reached_users              boolean NOT NULL,
     changeset_known            boolean NOT NULL,
     failed                     boolean NOT NULL,
     failure_evidence           text[] NOT NULL,
     suspected                  boolean NOT NULL,
     suspicion_evidence         text[] NOT NULL,
     reworked                   boolean NOT NULL,
     rework_evidence            text[] NOT NULL,
     degraded_at                timestamptz,
     recovered_at               timestamptz,
     recovery_seconds           double precision,
     lead_times                 integer NOT NULL,
     excluded_no_predecessor    integer NOT NULL,
     excluded_already_deployed  integer NOT NULL,
     excluded_rollback          integer NOT NULL,
     excluded_no_start_time     integer NOT NULL,
     excluded_negative          integer NOT NULL,
     excluded_other             integer NOT NULL
   )`,
  `CREATE INDEX ix_dora_deployment_facts_finished ON dora_deployment_facts (finished_at)`,
  `CREATE INDEX ix_dora_deployment_facts_service ON dora_deployment_facts (service_id, tier, finished_at)`,
  `CREATE INDEX ix_dora_deployment_facts_recovered ON dora_deployment_facts (tier, recovered_at)
     INCLUDE (service_id, recovery_seconds) WHERE failed`,
  `CREATE TABLE dora_lead_time_facts (
     deployment_id      bigint NOT NULL,
     change_id          bigint NOT NULL,
     service_id         bigint NOT NULL,
     tier               text NOT NULL,
     finished_at        timestamptz NOT NULL,
     lead_time_seconds  double precision,
     excluded_reason    text,
     bin                smallint,
     CONSTRAINT pk_dora_lead_time_facts PRIMARY KEY (deployment_id, change_id)
   )`,
  `CREATE INDEX ix_dora_lead_time_facts_service ON dora_lead_time_facts (service_id, tier, finished_at)
     INCLUDE (lead_time_seconds)`,
  `CREATE INDEX ix_dora_lead_time_facts_bin ON dora_lead_time_facts (tier, bin, finished_at)
     INCLUDE (lead_time_seconds) WHERE bin IS NOT NULL`,
  `CREATE TABLE dora_incident_facts (
     incident_id     bigint NOT NULL,
     service_id      bigint,
     environment_id  bigint,
     tier            text,
     at              timestamptz NOT NULL,
     attribution     text NOT NULL CONSTRAINT ck_dora_incident_facts_attribution
                       CHECK (attribution IN ('EXPLICIT','INFERRED','NONE'))
   )`,
  `CREATE INDEX ix_dora_incident_facts_incident ON dora_incident_facts (incident_id)`,
  `CREATE INDEX ix_dora_incident_facts_at ON dora_incident_facts (at)`,
  `CREATE TABLE dora_rollup (
     tier                       text NOT NULL,
     grain                      text NOT NULL CONSTRAINT ck_dora_rollup_grain CHECK (grain IN ('h','d')),
     period_start               timestamptz NOT NULL,
     deployments                integer NOT NULL,
     not_reached                integer NOT NULL,
     failed                     integer NOT NULL,
     failed_unrecovered         integer NOT NULL,
     suspected                  integer NOT NULL,
     reworked                   integer NOT NULL,
     changesets_known           integer NOT NULL,
     lead_times                 integer NOT NULL,
     excluded_no_predecessor    integer NOT NULL,
     excluded_already_deployed  integer NOT NULL,
     excluded_rollback          integer NOT NULL,
     excluded_no_start_time     integer NOT NULL,
     excluded_negative          integer NOT NULL,
     excluded_other             integer NOT NULL,
     CONSTRAINT pk_dora_rollup PRIMARY KEY (tier, grain, period_start)
   )`,
  `CREATE TABLE dora_rollup_lead_bins (
     tier          text NOT NULL,
     grain         text NOT NULL CONSTRAINT ck_dora_rollup_lead_bins_grain CHECK (grain IN ('h','d')),
     period_start  timestamptz NOT NULL,
     bin           smallint NOT NULL,
     n             integer NOT NULL,
     CONSTRAINT pk_dora_rollup_lead_bins PRIMARY KEY (tier, grain, period_start, bin) INCLUDE (n)
   )`,
  `CREATE TABLE dora_service_gauges (
     service_id              bigint NOT NULL CONSTRAINT pk_dora_service_gauges PRIMARY KEY,
     service                 text NOT NULL,
     deployments_per_day     double precision NOT NULL,
     lead_time_p50_seconds   double precision,
     change_failure_rate     double precision,
     recovery_p50_seconds    double precision,
     rework_rate             double precision,
     computed_at             timestamptz NOT NULL
   )`,
  // Rollback deployments name what they replace through predecessor_id.
  `CREATE INDEX ix_deployments_predecessor ON deployments (predecessor_id) WHERE predecessor_id IS NOT NULL`,
  `CREATE INDEX ix_incident_causes_incident ON incident_causes (incident_id)`,
];

/** Constants and small helpers of the definitions. */
export const HELPERS = [
  `CREATE FUNCTION dora_definition_version() RETURNS text
     LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 'shipwatch-dora/1'::text $$`,
  `CREATE FUNCTION dora_attribution_window() RETURNS interval
     LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT interval '24 hours' $$`,
  `CREATE FUNCTION dora_lock_key() RETURNS bigint
     LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 1146049089::bigint $$`,
  `CREATE FUNCTION dora_lead_time_bin(p_seconds double precision) RETURNS smallint
     LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
       SELECT width_bucket(p_seconds, '{${LEAD_TIME_BIN_EDGES.join(',')}}'::double precision[])::smallint
     $$`,
  `CREATE FUNCTION dora_incident_at(p_detected_at timestamptz, p_impact_started_at timestamptz,
                                    p_created_at timestamptz) RETURNS timestamptz
     LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
       SELECT coalesce(p_detected_at, p_impact_started_at, p_created_at)
     $$`,
  // The deployments an incident of (service, environment) at p_at falls in the attribution window
  // of: reached users, finished at most 24 h before, and no later deployment of the same service
  // and environment finished in between. An incident without environment matches production.
  `CREATE FUNCTION dora_window_deployments(p_service_id bigint, p_environment_id bigint, p_at timestamptz)
     RETURNS TABLE (deployment_id bigint) LANGUAGE sql STABLE AS $$
       SELECT x.id
       FROM deployments x
       JOIN environments xe ON xe.id = x.environment_id
       WHERE x.service_id = p_service_id
         AND x.status IN ${STATUSES_REACHED}
         AND x.finished_at <= p_at
         AND x.finished_at > p_at - dora_attribution_window()
         AND (x.environment_id = p_environment_id OR (p_environment_id IS NULL AND xe.tier = 'production'))
         AND NOT EXISTS (
           SELECT 1 FROM deployments n
           WHERE n.service_id = x.service_id AND n.environment_id = x.environment_id
             AND n.status IN ${STATUSES_REACHED}
             AND n.finished_at > x.finished_at AND n.finished_at <= p_at)
     $$`,
];

/** The definitions: one fact row per finished deployment, per deployed change, per incident. */
export const DEFINITIONS = [
  `CREATE FUNCTION dora_compute_deployment_facts(p_ids bigint[])
     RETURNS SETOF dora_deployment_facts LANGUAGE plpgsql STABLE AS $fn$
   #variable_conflict use_column
   BEGIN
     RETURN QUERY
     WITH d AS (
       SELECT d.id, d.source, d.external_id, d.service_id, d.environment_id, e.tier, d.status, d.kind,
              d.finished_at, d.status_at, d.changeset_status, d.status IN ${STATUSES_REACHED} AS reached
       FROM deployments d
       JOIN environments e ON e.id = d.environment_id
       WHERE d.id = ANY (p_ids) AND d.finished_at IS NOT NULL AND d.status IN ${STATUSES_FINISHED}
     ),
     remediated AS (   -- another deployment names it as what it remediates
       SELECT d.id,
              min(r.finished_at) FILTER (WHERE r.status = 'SUCCEEDED') AS fixed_at
       FROM d
       JOIN deployment_remediations x ON x.target_kind = 'DEPLOYMENT'
         AND x.target_source = d.source AND x.target_external_id = d.external_id
       JOIN deployments r ON r.id = x.deployment_id AND r.id <> d.id
       WHERE d.reached
       GROUP BY d.id
     ),
     replaced AS (     -- a rollback/revert naming no target replaced it (its predecessor)
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
              bool_or(c.attribution IN ${EXPLICIT}) AS explicit,
              bool_or(c.attribution = 'INFERRED') AS inferred,
              min(i.impact_started_at) FILTER (WHERE c.attribution IN ${EXPLICIT}) AS impact_at,
              min(least(i.mitigated_at, i.resolved_at)) FILTER (WHERE c.attribution IN ${EXPLICIT}) AS restored_at
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
                CASE WHEN rm.id IS NOT NULL THEN 'REMEDIATED' END,
                CASE WHEN rp.id IS NOT NULL THEN 'REPLACED_BY_ROLLBACK' END,
                CASE WHEN ca.explicit THEN 'CAUSED_INCIDENT' END], NULL) ELSE '{}' END AS failure_evidence,
              CASE WHEN d.reached THEN array_remove(ARRAY[
                CASE WHEN ca.inferred THEN 'INFERRED_INCIDENT' END,
                CASE WHEN w.id IS NOT NULL THEN 'INCIDENT_IN_WINDOW' END], NULL) ELSE '{}' END AS suspicion_evidence,
              CASE WHEN d.reached THEN array_remove(ARRAY[
                CASE WHEN d.kind IN ('HOTFIX','ROLLBACK','REVERT') THEN d.kind END,
                CASE WHEN EXISTS (SELECT 1 FROM deployment_remediations x WHERE x.deployment_id = d.id)
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
            ev.changeset_status IN ('FROM_EVENT','FROM_PUSHES'),
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
            coalesce(ch.other, 0)
     FROM evidence ev
     LEFT JOIN changes ch ON ch.id = ev.id;
   END
   $fn$`,
  `CREATE FUNCTION dora_compute_lead_time_facts(p_ids bigint[])
     RETURNS SETOF dora_lead_time_facts LANGUAGE sql STABLE AS $$
       SELECT dc.deployment_id, dc.change_id, d.service_id, e.tier, d.finished_at,
              dc.lead_time_seconds, dc.excluded_reason, dora_lead_time_bin(dc.lead_time_seconds)
       FROM deployment_changes dc
       JOIN deployments d ON d.id = dc.deployment_id
       JOIN environments e ON e.id = d.environment_id
       WHERE dc.deployment_id = ANY (p_ids)
         AND d.finished_at IS NOT NULL AND d.status IN ${STATUSES_REACHED}
     $$`,
  `CREATE FUNCTION dora_compute_incident_facts(p_ids bigint[])
     RETURNS SETOF dora_incident_facts LANGUAGE sql STABLE AS $$
       SELECT i.id, s.service_id, i.environment_id, e.tier,
              dora_incident_at(i.detected_at, i.impact_started_at, i.created_at),
              CASE
                WHEN EXISTS (SELECT 1 FROM incident_causes c
                             WHERE c.incident_id = i.id AND c.attribution IN ${EXPLICIT}) THEN 'EXPLICIT'
                WHEN EXISTS (SELECT 1 FROM incident_causes c
                             WHERE c.incident_id = i.id AND c.attribution = 'INFERRED') THEN 'INFERRED'
                WHEN NOT EXISTS (SELECT 1 FROM incident_causes c WHERE c.incident_id = i.id)
                 AND EXISTS (SELECT 1 FROM incident_services s2
                             CROSS JOIN LATERAL dora_window_deployments(s2.service_id, i.environment_id,
                               dora_incident_at(i.detected_at, i.impact_started_at, i.created_at)) w
                             WHERE s2.incident_id = i.id) THEN 'INFERRED'
                ELSE 'NONE'
              END
       FROM incidents i
       LEFT JOIN environments e ON e.id = i.environment_id
       LEFT JOIN incident_services s ON s.incident_id = i.id
       WHERE i.id = ANY (p_ids)
     $$`,
  // What one deployment fact adds to the counts; rollups and scoped reports both sum this.
  `CREATE VIEW dora_fact_counts AS
     SELECT f.deployment_id, f.service_id, f.tier, f.finished_at,
            f.reached_users::int AS deployments,
            (NOT f.reached_users)::int AS not_reached,
            f.failed::int AS failed,
            (f.failed AND f.recovered_at IS NULL)::int AS failed_unrecovered,
            f.suspected::int AS suspected,
            f.reworked::int AS reworked,
            (f.reached_users AND f.changeset_known)::int AS changesets_known,
            f.lead_times, f.excluded_no_predecessor, f.excluded_already_deployed, f.excluded_rollback,
            f.excluded_no_start_time, f.excluded_negative, f.excluded_other
     FROM dora_deployment_facts f`,
];

const ROLLUP_COUNTS = `sum(c.deployments)::int, sum(c.not_reached)::int, sum(c.failed)::int,
  sum(c.failed_unrecovered)::int, sum(c.suspected)::int, sum(c.reworked)::int,
  sum(c.changesets_known)::int, sum(c.lead_times)::int, sum(c.excluded_no_predecessor)::int,
  sum(c.excluded_already_deployed)::int, sum(c.excluded_rollback)::int,
  sum(c.excluded_no_start_time)::int, sum(c.excluded_negative)::int, sum(c.excluded_other)::int`;

/** Keeping the facts and rollups in step with the delivery tables. */
export const MAINTENANCE = [
  // Recomputes the rollup rows of the given UTC hours ('h', from the facts: one indexed range
  // read per hour) or days ('d', from their hour rows, which must be current).
  `CREATE FUNCTION dora_rollup_periods(p_grain text, p_periods timestamptz[]) RETURNS void
     LANGUAGE plpgsql SET jit = off AS $fn$
   DECLARE
     v_len interval := CASE p_grain WHEN 'h' THEN interval '1 hour' ELSE interval '24 hours' END;
     v_tiers text[] := ARRAY['production','staging','testing','development'];
   BEGIN
     DELETE FROM dora_rollup
     WHERE tier = ANY (v_tiers) AND grain = p_grain AND period_start = ANY (p_periods);
     DELETE FROM dora_rollup_lead_bins
     WHERE tier = ANY (v_tiers) AND grain = p_grain AND period_start = ANY (p_periods);
     IF p_grain = 'd' THEN   -- a UTC day is the sum of its 24 hour rows
       INSERT INTO dora_rollup
       SELECT r.tier, 'd', p.ps, sum(r.deployments)::int, sum(r.not_reached)::int, sum(r.failed)::int,
              sum(r.failed_unrecovered)::int, sum(r.suspected)::int, sum(r.reworked)::int,
              sum(r.changesets_known)::int, sum(r.lead_times)::int, sum(r.excluded_no_predecessor)::int,
              sum(r.excluded_already_deployed)::int, sum(r.excluded_rollback)::int,
              sum(r.excluded_no_start_time)::int, sum(r.excluded_negative)::int, sum(r.excluded_other)::int
       FROM (SELECT DISTINCT u.ps FROM unnest(p_periods) AS u(ps)) p
       JOIN dora_rollup r ON r.tier = ANY (v_tiers) AND r.grain = 'h'
        AND r.period_start >= p.ps AND r.period_start < p.ps + v_len
       GROUP BY r.tier, p.ps;
       INSERT INTO dora_rollup_lead_bins
       SELECT b.tier, 'd', p.ps, b.bin, sum(b.n)::int
       FROM (SELECT DISTINCT u.ps FROM unnest(p_periods) AS u(ps)) p
       JOIN dora_rollup_lead_bins b ON b.tier = ANY (v_tiers) AND b.grain = 'h'
        AND b.period_start >= p.ps AND b.period_start < p.ps + v_len
       GROUP BY b.tier, p.ps, b.bin;
       RETURN;
     END IF;
     INSERT INTO dora_rollup
     SELECT x.tier, p_grain, p.ps, x.deployments, x.not_reached, x.failed, x.failed_unrecovered,
            x.suspected, x.reworked, x.changesets_known, x.lead_times, x.excluded_no_predecessor,
            x.excluded_already_deployed, x.excluded_rollback, x.excluded_no_start_time,
            x.excluded_negative, x.excluded_other
     FROM (SELECT DISTINCT u.ps FROM unnest(p_periods) AS u(ps)) p
     CROSS JOIN LATERAL (
       SELECT c.tier, ${ROLLUP_COUNTS}
       FROM dora_fact_counts c
       WHERE c.finished_at >= p.ps AND c.finished_at < p.ps + v_len
       GROUP BY c.tier) AS x (tier, deployments, not_reached, failed, failed_unrecovered, suspected,
                               reworked, changesets_known, lead_times, excluded_no_predecessor,
                               excluded_already_deployed, excluded_rollback, excluded_no_start_time,
                               excluded_negative, excluded_other);
     INSERT INTO dora_rollup_lead_bins
     SELECT x.tier, p_grain, p.ps, x.bin, x.n
     FROM (SELECT DISTINCT u.ps FROM unnest(p_periods) AS u(ps)) p
     CROSS JOIN LATERAL (
       SELECT f.tier, l.bin, count(*)::int AS n
       FROM dora_deployment_facts f
       JOIN dora_lead_time_facts l ON l.deployment_id = f.deployment_id
       WHERE f.finished_at >= p.ps AND f.finished_at < p.ps + v_len AND l.bin IS NOT NULL
       GROUP BY f.tier, l.bin) x;
   END
   $fn$`,
  `CREATE FUNCTION dora_rebuild(p_chunk integer DEFAULT 50000) RETURNS void
     LANGUAGE plpgsql AS $fn$
   DECLARE
     v_ids bigint[];
   BEGIN
     PERFORM pg_advisory_xact_lock(dora_lock_key());
     DELETE FROM dora_dirty;
     TRUNCATE dora_deployment_facts, dora_lead_time_facts, dora_incident_facts, dora_rollup,
              dora_rollup_lead_bins;
     FOR v_ids IN
       SELECT array_agg(q.id) FROM (
         SELECT d.id, (row_number() OVER (ORDER BY d.finished_at, d.id) - 1) / p_chunk AS chunk
         FROM deployments d
         WHERE d.finished_at IS NOT NULL AND d.status IN ${STATUSES_FINISHED}) q
       GROUP BY q.chunk ORDER BY q.chunk
     LOOP
       INSERT INTO dora_deployment_facts SELECT * FROM dora_compute_deployment_facts(v_ids);
       INSERT INTO dora_lead_time_facts SELECT * FROM dora_compute_lead_time_facts(v_ids);
     END LOOP;
     INSERT INTO dora_incident_facts
       SELECT * FROM dora_compute_incident_facts(ARRAY(SELECT i.id FROM incidents i));
     INSERT INTO dora_rollup
       SELECT c.tier, g.grain, date_trunc(CASE g.grain WHEN 'h' THEN 'hour' ELSE 'day' END, c.finished_at, 'UTC'),
              ${ROLLUP_COUNTS}
       FROM dora_fact_counts c CROSS JOIN (VALUES ('h'), ('d')) AS g(grain)
       GROUP BY 1, 2, 3;
     INSERT INTO dora_rollup_lead_bins
       SELECT l.tier, g.grain, date_trunc(CASE g.grain WHEN 'h' THEN 'hour' ELSE 'day' END, l.finished_at, 'UTC'),
              l.bin, count(*)::int
       FROM dora_lead_time_facts l CROSS JOIN (VALUES ('h'), ('d')) AS g(grain)
       WHERE l.bin IS NOT NULL
       GROUP BY 1, 2, 3, 4;
     INSERT INTO dora_state (definition_version, rebuilt_at) VALUES (dora_definition_version(), now())
       ON CONFLICT (id) DO UPDATE SET definition_version = excluded.definition_version,
                                      rebuilt_at = excluded.rebuilt_at;
   END
   $fn$`,
  `CREATE FUNCTION dora_refresh(p_max_marks integer DEFAULT 20000) RETURNS jsonb
     LANGUAGE plpgsql SET jit = off AS $fn$
   DECLARE
     v_marks integer;
     v_all boolean;
     a_dep bigint[]; a_src text[]; a_ext text[]; a_inc bigint[]; a_sat bigint[];
     a_sat_at timestamptz[]; a_svc bigint[];
     v_dep bigint[]; v_inc bigint[];
     v_hours timestamptz[]; v_days timestamptz[];
     v_old_failed bigint[]; v_old_recovered bigint[]; v_old_lead bigint[];
     v_left integer;
   BEGIN
     PERFORM pg_advisory_xact_lock(dora_lock_key());
     IF (SELECT definition_version FROM dora_state) IS DISTINCT FROM dora_definition_version() THEN
       PERFORM dora_rebuild();
       RETURN jsonb_build_object('rebuilt', true, 'remaining', 0);
     END IF;
     WITH m AS (
       DELETE FROM dora_dirty WHERE id IN (SELECT id FROM dora_dirty ORDER BY id LIMIT p_max_marks)
       RETURNING kind, ref_id, ref_source, ref_external_id, at)
     SELECT count(*)::int, coalesce(bool_or(kind = 'ALL'), false),
            coalesce(array_agg(ref_id) FILTER (WHERE kind = 'DEPLOYMENT'), '{}'),
            coalesce(array_agg(ref_source) FILTER (WHERE kind = 'DEPLOYMENT_KEY'), '{}'),
            coalesce(array_agg(ref_external_id) FILTER (WHERE kind = 'DEPLOYMENT_KEY'), '{}'),
            coalesce(array_agg(ref_id) FILTER (WHERE kind = 'INCIDENT'), '{}'),
            coalesce(array_agg(ref_id) FILTER (WHERE kind = 'SERVICE_AT'), '{}'),
            coalesce(array_agg(at) FILTER (WHERE kind = 'SERVICE_AT'), '{}'),
            coalesce(array_agg(ref_id) FILTER (WHERE kind = 'SERVICE'), '{}')
       INTO v_marks, v_all, a_dep, a_src, a_ext, a_inc, a_sat, a_sat_at, a_svc
       FROM m;
     IF v_all THEN
       PERFORM dora_rebuild();
       RETURN jsonb_build_object('rebuilt', true, 'remaining', 0);
     END IF;
     SELECT count(*)::int INTO v_left FROM dora_dirty;
     IF v_marks = 0 THEN
       RETURN jsonb_build_object('rebuilt', false, 'marks', 0, 'remaining', v_left);
     END IF;

     v_dep := ARRAY(
       SELECT unnest(a_dep)
       UNION SELECT d.id FROM unnest(a_src, a_ext) AS k(src, ext)
             JOIN deployments d ON d.source = k.src AND d.external_id = k.ext
       UNION SELECT d.id FROM unnest(a_sat, a_sat_at) AS m(svc, at)
             JOIN deployments d ON d.service_id = m.svc
              AND d.finished_at >= m.at - dora_attribution_window() AND d.finished_at <= m.at
       UNION SELECT d.id FROM deployments d WHERE d.service_id = ANY (a_svc)
       UNION SELECT d.id FROM incident_causes c
             JOIN deployments d ON d.source = c.deployment_source AND d.external_id = c.deployment_external_id
             WHERE c.incident_id = ANY (a_inc)
       UNION SELECT d.id FROM incidents i
             JOIN incident_services s ON s.incident_id = i.id
             JOIN deployments d ON d.service_id = s.service_id
              AND d.finished_at <= dora_incident_at(i.detected_at, i.impact_started_at, i.created_at)
              AND d.finished_at >= dora_incident_at(i.detected_at, i.impact_started_at, i.created_at)
                                   - dora_attribution_window()
             WHERE i.id = ANY (a_inc)
       UNION SELECT t.id FROM deployment_remediations x
             JOIN deployments t ON t.source = x.target_source AND t.external_id = x.target_external_id
             WHERE x.deployment_id = ANY (a_dep) AND x.target_kind = 'DEPLOYMENT'
       UNION SELECT d.predecessor_id FROM deployments d
             WHERE d.id = ANY (a_dep) AND d.predecessor_id IS NOT NULL);
     v_inc := ARRAY(
       SELECT unnest(a_inc)
       UNION SELECT s.incident_id FROM unnest(a_sat, a_sat_at) AS m(svc, at)
             JOIN incident_services s ON s.service_id = m.svc
             JOIN incidents i ON i.id = s.incident_id
              AND dora_incident_at(i.detected_at, i.impact_started_at, i.created_at) >= m.at
              AND dora_incident_at(i.detected_at, i.impact_started_at, i.created_at)
                    <= m.at + dora_attribution_window()
       UNION SELECT s.incident_id FROM incident_services s WHERE s.service_id = ANY (a_svc));

     SELECT array_agg(DISTINCT date_trunc('hour', f.finished_at, 'UTC')),
            array_agg(DISTINCT date_trunc('day', f.finished_at, 'UTC')),
            coalesce(array_agg(f.deployment_id) FILTER (WHERE f.failed), '{}'),
            coalesce(array_agg(f.deployment_id) FILTER (WHERE f.recovered_at IS NOT NULL), '{}')
       INTO v_hours, v_days, v_old_failed, v_old_recovered
       FROM dora_deployment_facts f WHERE f.deployment_id = ANY (v_dep);
     v_old_lead := ARRAY(SELECT f.deployment_id FROM dora_deployment_facts f
                         WHERE f.deployment_id = ANY (v_dep) AND f.lead_times > 0);

     DELETE FROM dora_deployment_facts WHERE deployment_id = ANY (v_dep);
     DELETE FROM dora_lead_time_facts WHERE deployment_id = ANY (v_dep);
     INSERT INTO dora_deployment_facts SELECT * FROM dora_compute_deployment_facts(v_dep);
     INSERT INTO dora_lead_time_facts SELECT * FROM dora_compute_lead_time_facts(v_dep);
     DELETE FROM dora_incident_facts WHERE incident_id = ANY (v_inc);
     INSERT INTO dora_incident_facts SELECT * FROM dora_compute_incident_facts(v_inc);

     v_hours := ARRAY(SELECT unnest(v_hours) UNION
                      SELECT date_trunc('hour', f.finished_at, 'UTC') FROM dora_deployment_facts f
                      WHERE f.deployment_id = ANY (v_dep));
     v_days := ARRAY(SELECT unnest(v_days) UNION
                     SELECT date_trunc('day', f.finished_at, 'UTC') FROM dora_deployment_facts f
                     WHERE f.deployment_id = ANY (v_dep));
     PERFORM dora_rollup_periods('h', v_hours);
     PERFORM dora_rollup_periods('d', v_days);

     RETURN jsonb_build_object(
       'rebuilt', false,
       'marks', v_marks,
       'remaining', v_left,
       'deployments', cardinality(v_dep),
       'incidents', cardinality(v_inc),
       'failures', (
         SELECT coalesce(jsonb_agg(jsonb_build_object('service', dora_service_label(f.service_id), 'tier', f.tier)), '[]')
         FROM dora_deployment_facts f
         WHERE f.deployment_id = ANY (v_dep) AND f.failed AND NOT f.deployment_id = ANY (v_old_failed)),
       'recoveries', (
         SELECT coalesce(jsonb_agg(jsonb_build_object('service', dora_service_label(f.service_id), 'tier', f.tier,
                                                      'seconds', f.recovery_seconds)), '[]')
         FROM dora_deployment_facts f
         WHERE f.deployment_id = ANY (v_dep) AND f.recovered_at IS NOT NULL
           AND NOT f.deployment_id = ANY (v_old_recovered)),
       'leadTimes', (
         SELECT coalesce(jsonb_agg(jsonb_build_object('service', dora_service_label(l.service_id), 'tier', l.tier,
                                                      'seconds', l.lead_time_seconds)), '[]')
         FROM dora_lead_time_facts l
         WHERE l.deployment_id = ANY (v_dep) AND l.lead_time_seconds IS NOT NULL
           AND NOT l.deployment_id = ANY (v_old_lead)));
   END
   $fn$`,
  `CREATE FUNCTION dora_service_label(p_service_id bigint) RETURNS text
     LANGUAGE sql STABLE AS $$
       SELECT CASE WHEN s.namespace = '' THEN s.name ELSE s.namespace || '/' || s.name END
       FROM services s WHERE s.id = p_service_id
     $$`,
];

/** Triggers: every change to the delivery tables appends what it may affect to dora_dirty. */
export const TRIGGERS = [
  `CREATE FUNCTION dora_mark_deployments() RETURNS trigger LANGUAGE plpgsql AS $fn$
   BEGIN
     IF TG_OP IN ('UPDATE','DELETE') THEN
       INSERT INTO dora_dirty (kind, ref_id, at)
       SELECT 'DEPLOYMENT', o.id, NULL::timestamptz FROM old_rows o
       UNION ALL SELECT 'DEPLOYMENT', o.predecessor_id, NULL::timestamptz FROM old_rows o WHERE o.predecessor_id IS NOT NULL
       UNION ALL SELECT 'SERVICE_AT', o.service_id, o.finished_at FROM old_rows o WHERE o.finished_at IS NOT NULL;
     END IF;
     IF TG_OP IN ('INSERT','UPDATE') THEN
       INSERT INTO dora_dirty (kind, ref_id, at)
       SELECT 'DEPLOYMENT', n.id, NULL::timestamptz FROM new_rows n
       UNION ALL SELECT 'DEPLOYMENT', n.predecessor_id, NULL::timestamptz FROM new_rows n WHERE n.predecessor_id IS NOT NULL
       UNION ALL SELECT 'SERVICE_AT', n.service_id, n.finished_at FROM new_rows n WHERE n.finished_at IS NOT NULL;
     END IF;
     RETURN NULL;
   END
   $fn$`,
  `CREATE FUNCTION dora_mark_remediations() RETURNS trigger LANGUAGE plpgsql AS $fn$
   BEGIN
     IF TG_OP IN ('UPDATE','DELETE') THEN
       INSERT INTO dora_dirty (kind, ref_id, ref_source, ref_external_id)
       SELECT 'DEPLOYMENT', o.deployment_id, NULL::text, NULL::text FROM old_rows o
       UNION ALL SELECT 'DEPLOYMENT_KEY', NULL::bigint, o.target_source, o.target_external_id
                 FROM old_rows o WHERE o.target_kind = 'DEPLOYMENT';
     END IF;
     IF TG_OP IN ('INSERT','UPDATE') THEN
       INSERT INTO dora_dirty (kind, ref_id, ref_source, ref_external_id)
       SELECT 'DEPLOYMENT', n.deployment_id, NULL::text, NULL::text FROM new_rows n
       UNION ALL SELECT 'DEPLOYMENT_KEY', NULL::bigint, n.target_source, n.target_external_id
                 FROM new_rows n WHERE n.target_kind = 'DEPLOYMENT';
     END IF;
     RETURN NULL;
   END
   $fn$`,
  `CREATE FUNCTION dora_mark_deployment_changes() RETURNS trigger LANGUAGE plpgsql AS $fn$
   BEGIN
     IF TG_OP IN ('UPDATE','DELETE') THEN
       INSERT INTO dora_dirty (kind, ref_id) SELECT DISTINCT 'DEPLOYMENT', o.deployment_id FROM old_rows o;
     END IF;
     IF TG_OP IN ('INSERT','UPDATE') THEN
       INSERT INTO dora_dirty (kind, ref_id) SELECT DISTINCT 'DEPLOYMENT', n.deployment_id FROM new_rows n;
     END IF;
     RETURN NULL;
   END
   $fn$`,
  `CREATE FUNCTION dora_mark_incidents() RETURNS trigger LANGUAGE plpgsql AS $fn$
   BEGIN
     IF TG_OP IN ('UPDATE','DELETE') THEN
       INSERT INTO dora_dirty (kind, ref_id, at)
       SELECT 'INCIDENT', o.id, NULL::timestamptz FROM old_rows o
       UNION ALL
       SELECT 'SERVICE_AT', s.service_id, dora_incident_at(o.detected_at, o.impact_started_at, o.created_at)
       FROM old_rows o JOIN incident_services s ON s.incident_id = o.id;
     END IF;
     IF TG_OP IN ('INSERT','UPDATE') THEN
       INSERT INTO dora_dirty (kind, ref_id) SELECT 'INCIDENT', n.id FROM new_rows n;
     END IF;
     RETURN NULL;
   END
   $fn$`,
  `CREATE FUNCTION dora_mark_incident_services() RETURNS trigger LANGUAGE plpgsql AS $fn$
   BEGIN
     IF TG_OP IN ('UPDATE','DELETE') THEN
       INSERT INTO dora_dirty (kind, ref_id, at)
       SELECT 'INCIDENT', o.incident_id, NULL::timestamptz FROM old_rows o
       UNION ALL
       SELECT CASE WHEN i.id IS NULL THEN 'SERVICE' ELSE 'SERVICE_AT' END, o.service_id,
              dora_incident_at(i.detected_at, i.impact_started_at, i.created_at)
       FROM old_rows o LEFT JOIN incidents i ON i.id = o.incident_id;
     END IF;
     IF TG_OP IN ('INSERT','UPDATE') THEN
       INSERT INTO dora_dirty (kind, ref_id) SELECT 'INCIDENT', n.incident_id FROM new_rows n;
     END IF;
     RETURN NULL;
   END
   $fn$`,
  `CREATE FUNCTION dora_mark_incident_causes() RETURNS trigger LANGUAGE plpgsql AS $fn$
   BEGIN
     IF TG_OP IN ('UPDATE','DELETE') THEN
       INSERT INTO dora_dirty (kind, ref_id, ref_source, ref_external_id)
       SELECT 'INCIDENT', o.incident_id, NULL::text, NULL::text FROM old_rows o
       UNION ALL SELECT 'DEPLOYMENT_KEY', NULL::bigint, o.deployment_source, o.deployment_external_id FROM old_rows o;
     END IF;
     IF TG_OP IN ('INSERT','UPDATE') THEN
       INSERT INTO dora_dirty (kind, ref_id, ref_source, ref_external_id)
       SELECT 'INCIDENT', n.incident_id, NULL::text, NULL::text FROM new_rows n
       UNION ALL SELECT 'DEPLOYMENT_KEY', NULL::bigint, n.deployment_source, n.deployment_external_id FROM new_rows n;
     END IF;
     RETURN NULL;
   END
   $fn$`,
  `CREATE FUNCTION dora_mark_environments() RETURNS trigger LANGUAGE plpgsql AS $fn$
   BEGIN
     IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE n.tier <> o.tier) THEN
       INSERT INTO dora_dirty (kind) VALUES ('ALL');
     END IF;
     RETURN NULL;
   END
   $fn$`,
];

/** [table, trigger function] for INSERT, UPDATE and DELETE statement triggers. */
const MARKED_TABLES: [string, string][] = [
  ['deployments', 'dora_mark_deployments'],
  ['deployment_remediations', 'dora_mark_remediations'],
  ['deployment_changes', 'dora_mark_deployment_changes'],
  ['incidents', 'dora_mark_incidents'],
  ['incident_services', 'dora_mark_incident_services'],
  ['incident_causes', 'dora_mark_incident_causes'],
];

function triggerStatements(): string[] {
  const statements: string[] = [];
  for (const [table, fn] of MARKED_TABLES) {
    statements.push(
      `CREATE TRIGGER tg_dora_${table}_insert AFTER INSERT ON ${table}
         REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
      `CREATE TRIGGER tg_dora_${table}_update AFTER UPDATE ON ${table}
         REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
      `CREATE TRIGGER tg_dora_${table}_delete AFTER DELETE ON ${table}
         REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
    );
  }
  statements.push(
    `CREATE TRIGGER tg_dora_environments_update AFTER UPDATE ON environments
       REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
       EXECUTE FUNCTION dora_mark_environments()`,
  );
  return statements;
}

/** Reading: calendar buckets, decomposition into rollup periods, and the figures. */
export const REPORT = [
  // idx 0 is the window; 1..n the calendar buckets (local calendar periods in p_timezone,
  // weeks starting on ISO day p_week_start), clipped to the window. `days` counts wall-clock
  // days in p_timezone, so a 23-hour DST day is one day.
  `CREATE FUNCTION dora_groups(p_from timestamptz, p_to timestamptz, p_timezone text,
                               p_granularity text, p_week_start integer)
     RETURNS TABLE (idx integer, s timestamptz, e timestamptz, label text, days double precision)
     LANGUAGE sql STABLE AS $$
       WITH lb AS (
         SELECT p_from AT TIME ZONE p_timezone AS lf, p_to AT TIME ZONE p_timezone AS lt,
                CASE lower(p_granularity) WHEN 'day' THEN interval '1 day'
                                          WHEN 'week' THEN interval '7 days'
                                          WHEN 'month' THEN interval '1 month' END AS step
       ),
       first AS (
         SELECT lb.*, CASE lower(p_granularity)
                   WHEN 'day' THEN date_trunc('day', lb.lf)
                   WHEN 'week' THEN date_trunc('day', lb.lf)
                     - make_interval(days => ((extract(isodow FROM lb.lf)::int - p_week_start + 7) % 7))
                   WHEN 'month' THEN date_trunc('month', lb.lf) END AS f
         FROM lb
       ),
       b AS (
         SELECT ls, ls + first.step AS le, first.lf, first.lt
         FROM first, generate_series(first.f, first.lt, first.step) AS ls
         WHERE ls < first.lt
       )
       SELECT 0, p_from, p_to, 'window', extract(epoch FROM (lb.lt - lb.lf))::double precision / 86400
       FROM lb
       UNION ALL
       SELECT (row_number() OVER (ORDER BY b.ls))::int,
              greatest(p_from, b.ls AT TIME ZONE p_timezone),
              least(p_to, b.le AT TIME ZONE p_timezone),
              to_char(b.ls, 'YYYY-MM-DD'),
              extract(epoch FROM (least(b.lt, b.le) - greatest(b.lf, b.ls)))::double precision / 86400
       FROM b
     $$`,
  // [p_start, p_end) as signed pieces: raw facts for the parts off the hour grid, UTC hours near
  // the ends, UTC days between. Each end snaps to its nearest UTC midnight and the hours in
  // between are added or subtracted, so a local day in any whole-hour timezone is one day row and
  // two hour rows.
  `CREATE FUNCTION dora_pieces(p_start timestamptz, p_end timestamptz)
     RETURNS TABLE (grain text, piece_start timestamptz, piece_end timestamptz, sign integer)
     LANGUAGE plpgsql STABLE ROWS 4 AS $fn$
   #variable_conflict use_column
   DECLARE
     a timestamptz; b timestamptz; l timestamptz; r timestamptz;
   BEGIN
     IF p_start >= p_end THEN RETURN; END IF;
     a := date_trunc('hour', p_start, 'UTC');
     IF a < p_start THEN a := a + interval '1 hour'; END IF;
     b := date_trunc('hour', p_end, 'UTC');
     IF a >= b THEN
       RETURN QUERY SELECT 'r'::text, p_start, p_end, 1;
       RETURN;
     END IF;
     IF p_start < a THEN RETURN QUERY SELECT 'r'::text, p_start, a, 1; END IF;
     IF b < p_end THEN RETURN QUERY SELECT 'r'::text, b, p_end, 1; END IF;
     l := date_trunc('day', a + interval '12 hours', 'UTC');
     r := date_trunc('day', b + interval '12 hours', 'UTC');
     IF l >= r THEN
       RETURN QUERY SELECT 'h'::text, a, b, 1;
       RETURN;
     END IF;
     RETURN QUERY SELECT 'd'::text, l, r, 1;
     IF a < l THEN RETURN QUERY SELECT 'h'::text, a, l, 1; END IF;
     IF l < a THEN RETURN QUERY SELECT 'h'::text, l, a, -1; END IF;
     IF r < b THEN RETURN QUERY SELECT 'h'::text, r, b, 1; END IF;
     IF b < r THEN RETURN QUERY SELECT 'h'::text, b, r, -1; END IF;
   END
   $fn$`,
  // NULL = no filter (the whole organisation); otherwise the ids of the services matching every
  // given list: a service entry is a name or namespace/name.
  `CREATE FUNCTION dora_scope_services(p_services text[], p_teams text[]) RETURNS bigint[]
     LANGUAGE sql STABLE AS $$
       SELECT CASE
         WHEN coalesce(cardinality(p_services), 0) = 0 AND coalesce(cardinality(p_teams), 0) = 0 THEN NULL
         ELSE ARRAY(
           SELECT s.id FROM services s
           WHERE (coalesce(cardinality(p_services), 0) = 0 OR s.name = ANY (p_services)
                  OR (s.namespace <> '' AND s.namespace || '/' || s.name = ANY (p_services)))
             AND (coalesce(cardinality(p_teams), 0) = 0 OR s.team = ANY (p_teams))
           ORDER BY s.id)
       END
     $$`,
  `CREATE FUNCTION dora_count_figures(p_from timestamptz, p_to timestamptz, p_timezone text,
                                      p_granularity text, p_week_start integer, p_tier text,
                                      p_service_ids bigint[])
     RETURNS TABLE (idx integer, deployments integer, not_reached integer, failed integer,
                    failed_unrecovered integer, suspected integer, reworked integer,
                    changesets_known integer, lead_times integer, excluded_no_predecessor integer,
                    excluded_already_deployed integer, excluded_rollback integer,
                    excluded_no_start_time integer, excluded_negative integer,
                    excluded_other integer, deployment_days integer)
     LANGUAGE plpgsql STABLE SET jit = off AS $fn$
   #variable_conflict use_column
   BEGIN
     IF p_service_ids IS NOT NULL THEN
       RETURN QUERY
       SELECT g.idx, ${ROLLUP_COUNTS},
              (count(DISTINCT (c.finished_at AT TIME ZONE p_timezone)::date) FILTER (WHERE c.deployments = 1))::int
       FROM dora_groups(p_from, p_to, p_timezone, p_granularity, p_week_start) g
       JOIN dora_fact_counts c ON c.finished_at >= g.s AND c.finished_at < g.e
        AND c.tier = p_tier AND c.service_id = ANY (p_service_ids)
        AND c.finished_at >= p_from AND c.finished_at < p_to
       GROUP BY g.idx;
       RETURN;
     END IF;
     RETURN QUERY
     WITH g AS (
       SELECT * FROM dora_groups(p_from, p_to, p_timezone, p_granularity, p_week_start) WHERE idx > 0
     ),
     p AS (SELECT g.idx, x.* FROM g CROSS JOIN LATERAL dora_pieces(g.s, g.e) x),
     c AS (   -- one indexed range read per piece: rollup rows, or raw facts off the hour grid
       SELECT p.idx, p.sign, x.*
       FROM p CROSS JOIN LATERAL (
         SELECT sum(r.deployments) AS deployments, sum(r.not_reached) AS not_reached,
                sum(r.failed) AS failed, sum(r.failed_unrecovered) AS failed_unrecovered,
                sum(r.suspected) AS suspected, sum(r.reworked) AS reworked,
                sum(r.changesets_known) AS changesets_known, sum(r.lead_times) AS lead_times,
                sum(r.excluded_no_predecessor) AS excluded_no_predecessor,
                sum(r.excluded_already_deployed) AS excluded_already_deployed,
                sum(r.excluded_rollback) AS excluded_rollback,
                sum(r.excluded_no_start_time) AS excluded_no_start_time,
                sum(r.excluded_negative) AS excluded_negative, sum(r.excluded_other) AS excluded_other
         FROM dora_rollup r
         WHERE p.grain <> 'r' AND r.tier = p_tier AND r.grain = p.grain
           AND r.period_start >= p.piece_start AND r.period_start < p.piece_end
         UNION ALL
         SELECT sum(f.deployments), sum(f.not_reached), sum(f.failed), sum(f.failed_unrecovered),
                sum(f.suspected), sum(f.reworked), sum(f.changesets_known), sum(f.lead_times),
                sum(f.excluded_no_predecessor), sum(f.excluded_already_deployed),
                sum(f.excluded_rollback), sum(f.excluded_no_start_time), sum(f.excluded_negative),
                sum(f.excluded_other)
         FROM dora_fact_counts f
         WHERE p.grain = 'r' AND f.tier = p_tier
           AND f.finished_at >= p.piece_start AND f.finished_at < p.piece_end) x
     ),
     sums AS (
       SELECT c.idx, sum(c.sign * c.deployments) AS deployments, sum(c.sign * c.not_reached) AS not_reached,
              sum(c.sign * c.failed) AS failed, sum(c.sign * c.failed_unrecovered) AS failed_unrecovered,
              sum(c.sign * c.suspected) AS suspected, sum(c.sign * c.reworked) AS reworked,
              sum(c.sign * c.changesets_known) AS changesets_known, sum(c.sign * c.lead_times) AS lead_times,
              sum(c.sign * c.excluded_no_predecessor) AS excluded_no_predecessor,
              sum(c.sign * c.excluded_already_deployed) AS excluded_already_deployed,
              sum(c.sign * c.excluded_rollback) AS excluded_rollback,
              sum(c.sign * c.excluded_no_start_time) AS excluded_no_start_time,
              sum(c.sign * c.excluded_negative) AS excluded_negative,
              sum(c.sign * c.excluded_other) AS excluded_other
       FROM c GROUP BY c.idx
     ),
     days AS (
       SELECT * FROM dora_groups(p_from, p_to, p_timezone, 'day', p_week_start) WHERE idx > 0
     ),
     day_counts AS (
       SELECT dd.s, sum(dp.sign * x.n) AS n
       FROM days dd
       CROSS JOIN LATERAL dora_pieces(dd.s, dd.e) dp
       CROSS JOIN LATERAL (
         SELECT sum(r.deployments) AS n FROM dora_rollup r
         WHERE dp.grain <> 'r' AND r.tier = p_tier AND r.grain = dp.grain
           AND r.period_start >= dp.piece_start AND r.period_start < dp.piece_end
         UNION ALL
         SELECT sum(f.deployments) FROM dora_fact_counts f
         WHERE dp.grain = 'r' AND f.tier = p_tier
           AND f.finished_at >= dp.piece_start AND f.finished_at < dp.piece_end) x
       GROUP BY dd.s
     ),
     bucket_days AS (
       SELECT g.idx, count(*) AS deployment_days
       FROM g JOIN day_counts dc ON dc.s >= g.s AND dc.s < g.e AND dc.n > 0
       GROUP BY g.idx
     ),
     per_bucket AS (
       SELECT g.idx, coalesce(s.deployments, 0) AS deployments, coalesce(s.not_reached, 0) AS not_reached,
              coalesce(s.failed, 0) AS failed, coalesce(s.failed_unrecovered, 0) AS failed_unrecovered,
              coalesce(s.suspected, 0) AS suspected, coalesce(s.reworked, 0) AS reworked,
              coalesce(s.changesets_known, 0) AS changesets_known, coalesce(s.lead_times, 0) AS lead_times,
              coalesce(s.excluded_no_predecessor, 0) AS excluded_no_predecessor,
              coalesce(s.excluded_already_deployed, 0) AS excluded_already_deployed,
              coalesce(s.excluded_rollback, 0) AS excluded_rollback,
              coalesce(s.excluded_no_start_time, 0) AS excluded_no_start_time,
              coalesce(s.excluded_negative, 0) AS excluded_negative,
              coalesce(s.excluded_other, 0) AS excluded_other,
              coalesce(bd.deployment_days, 0) AS deployment_days
       FROM g LEFT JOIN sums s ON s.idx = g.idx LEFT JOIN bucket_days bd ON bd.idx = g.idx
     )
     SELECT pb.idx, pb.deployments::int, pb.not_reached::int, pb.failed::int, pb.failed_unrecovered::int,
            pb.suspected::int, pb.reworked::int, pb.changesets_known::int, pb.lead_times::int,
            pb.excluded_no_predecessor::int, pb.excluded_already_deployed::int, pb.excluded_rollback::int,
            pb.excluded_no_start_time::int, pb.excluded_negative::int, pb.excluded_other::int,
            pb.deployment_days::int
     FROM per_bucket pb
     UNION ALL
     SELECT 0, sum(pb.deployments)::int, sum(pb.not_reached)::int, sum(pb.failed)::int,
            sum(pb.failed_unrecovered)::int, sum(pb.suspected)::int, sum(pb.reworked)::int,
            sum(pb.changesets_known)::int, sum(pb.lead_times)::int, sum(pb.excluded_no_predecessor)::int,
            sum(pb.excluded_already_deployed)::int, sum(pb.excluded_rollback)::int,
            sum(pb.excluded_no_start_time)::int, sum(pb.excluded_negative)::int,
            sum(pb.excluded_other)::int, sum(pb.deployment_days)::int
     FROM per_bucket pb;
   END
   $fn$`,
  // Exact percentile_cont of lead times. Scoped reports sort the values; org-wide reports find
  // the bin of each needed rank from the histogram rollup and sort only that bin's values.
  `CREATE FUNCTION dora_lead_time_percentiles(p_from timestamptz, p_to timestamptz, p_timezone text,
                                              p_granularity text, p_week_start integer, p_tier text,
                                              p_service_ids bigint[])
     RETURNS TABLE (idx integer, p50 double precision, p75 double precision, p90 double precision)
     LANGUAGE plpgsql STABLE SET jit = off AS $fn$
   #variable_conflict use_column
   BEGIN
     IF p_service_ids IS NOT NULL THEN
       RETURN QUERY
       SELECT g.idx, q[1], q[2], q[3]
       FROM (
         SELECT g.idx, percentile_cont(ARRAY[0.5, 0.75, 0.9]::double precision[])
                         WITHIN GROUP (ORDER BY l.lead_time_seconds) AS q
         FROM dora_groups(p_from, p_to, p_timezone, p_granularity, p_week_start) g
         JOIN dora_lead_time_facts l ON l.finished_at >= g.s AND l.finished_at < g.e
          AND l.tier = p_tier AND l.service_id = ANY (p_service_ids) AND l.lead_time_seconds IS NOT NULL
          AND l.finished_at >= p_from AND l.finished_at < p_to
         GROUP BY g.idx) g;
       RETURN;
     END IF;
     RETURN QUERY
     WITH g AS (SELECT * FROM dora_groups(p_from, p_to, p_timezone, p_granularity, p_week_start)),
     p AS (SELECT g.idx, x.* FROM g CROSS JOIN LATERAL dora_pieces(g.s, g.e) x WHERE g.idx > 0),
     bucket_bins AS (
       SELECT p.idx, x.bin, sum(p.sign * x.n)::bigint AS n
       FROM p CROSS JOIN LATERAL (
         SELECT b.bin, b.n FROM dora_rollup_lead_bins b
         WHERE p.grain <> 'r' AND b.tier = p_tier AND b.grain = p.grain
           AND b.period_start >= p.piece_start AND b.period_start < p.piece_end
         UNION ALL
         SELECT l.bin, 1 FROM dora_deployment_facts f
         JOIN dora_lead_time_facts l ON l.deployment_id = f.deployment_id AND l.bin IS NOT NULL
         WHERE p.grain = 'r' AND f.tier = p_tier
           AND f.finished_at >= p.piece_start AND f.finished_at < p.piece_end) x
       GROUP BY p.idx, x.bin
     ),
     bins AS (
       SELECT bb.idx, bb.bin, bb.n FROM bucket_bins bb WHERE bb.n <> 0
       UNION ALL
       SELECT 0, bb.bin, sum(bb.n)::bigint FROM bucket_bins bb GROUP BY bb.bin HAVING sum(bb.n) <> 0
     ),
     cum AS (
       SELECT b.idx, b.bin, b.n,
              (sum(b.n) OVER (PARTITION BY b.idx ORDER BY b.bin))::bigint - b.n AS before,
              (sum(b.n) OVER (PARTITION BY b.idx))::bigint AS total
       FROM bins b
     ),
     targets AS (
       SELECT DISTINCT t.idx, t.total, q.ord, q.pct,
              floor(q.pct * (t.total - 1)::double precision)::bigint AS k_lo,
              ceil(q.pct * (t.total - 1)::double precision)::bigint AS k_hi
       FROM (SELECT DISTINCT cum.idx, cum.total FROM cum) t
       CROSS JOIN (VALUES (1, 0.5::double precision), (2, 0.75::double precision), (3, 0.9::double precision)) AS q(ord, pct)
     ),
     ranks AS (
       SELECT t.idx, t.ord, t.pct, t.total, t.k_lo, k.which, k.k
       FROM targets t CROSS JOIN LATERAL (VALUES ('lo', t.k_lo), ('hi', t.k_hi)) AS k(which, k)
     ),
     located AS (
       SELECT r.*, c.bin, r.k - c.before AS offset_in_bin
       FROM ranks r JOIN cum c ON c.idx = r.idx AND r.k >= c.before AND r.k < c.before + c.n
     ),
     bin_values AS (
       SELECT nb.idx, nb.bin,
              (SELECT array_agg(l.lead_time_seconds ORDER BY l.lead_time_seconds)
               FROM dora_lead_time_facts l
               WHERE l.tier = p_tier AND l.bin = nb.bin AND l.finished_at >= g.s AND l.finished_at < g.e) AS v
       FROM (SELECT DISTINCT located.idx, located.bin FROM located) nb
       JOIN g ON g.idx = nb.idx
     ),
     picked AS (
       SELECT lo.idx, lo.ord, lo.pct, lo.total, lo.k_lo,
              blo.v[lo.offset_in_bin + 1] AS v_lo, bhi.v[hi.offset_in_bin + 1] AS v_hi
       FROM located lo
       JOIN located hi ON hi.idx = lo.idx AND hi.ord = lo.ord AND hi.which = 'hi'
       JOIN bin_values blo ON blo.idx = lo.idx AND blo.bin = lo.bin
       JOIN bin_values bhi ON bhi.idx = hi.idx AND bhi.bin = hi.bin
       WHERE lo.which = 'lo'
     ),
     value AS (
       SELECT pk.idx, pk.ord,
              CASE WHEN pk.v_hi = pk.v_lo THEN pk.v_lo
                   ELSE pk.v_lo + ((pk.pct * (pk.total - 1)::double precision - pk.k_lo::double precision)
                                   * (pk.v_hi - pk.v_lo)) END AS v
       FROM picked pk
     )
     SELECT g.idx,
            max(value.v) FILTER (WHERE value.ord = 1),
            max(value.v) FILTER (WHERE value.ord = 2),
            max(value.v) FILTER (WHERE value.ord = 3)
     FROM g JOIN value ON value.idx = g.idx
     GROUP BY g.idx;
   END
   $fn$`,
  `CREATE FUNCTION dora_recovery_figures(p_from timestamptz, p_to timestamptz, p_timezone text,
                                         p_granularity text, p_week_start integer, p_tier text,
                                         p_service_ids bigint[])
     RETURNS TABLE (idx integer, recoveries integer, p50 double precision, p90 double precision)
     LANGUAGE sql STABLE AS $$
       SELECT g.idx, g.n, q[1], q[2] FROM (
         SELECT g.idx, count(*)::int AS n, percentile_cont(ARRAY[0.5, 0.9]::double precision[])
                         WITHIN GROUP (ORDER BY f.recovery_seconds) AS q
         FROM dora_groups(p_from, p_to, p_timezone, p_granularity, p_week_start) g
         JOIN dora_deployment_facts f ON f.failed AND f.tier = p_tier
          AND f.recovered_at >= g.s AND f.recovered_at < g.e
          AND f.recovered_at >= p_from AND f.recovered_at < p_to
          AND (p_service_ids IS NULL OR f.service_id = ANY (p_service_ids))
         GROUP BY g.idx) g
     $$`,
  `CREATE FUNCTION dora_incident_figures(p_from timestamptz, p_to timestamptz, p_timezone text,
                                         p_granularity text, p_week_start integer, p_tier text,
                                         p_service_ids bigint[])
     RETURNS TABLE (idx integer, incidents integer, attributed integer, attributed_or_inferred integer)
     LANGUAGE sql STABLE AS $$
       SELECT g.idx, count(DISTINCT i.incident_id)::int,
              (count(DISTINCT i.incident_id) FILTER (WHERE i.attribution = 'EXPLICIT'))::int,
              (count(DISTINCT i.incident_id) FILTER (WHERE i.attribution <> 'NONE'))::int
       FROM dora_groups(p_from, p_to, p_timezone, p_granularity, p_week_start) g
       JOIN dora_incident_facts i ON i.at >= g.s AND i.at < g.e AND i.at >= p_from AND i.at < p_to
        AND (i.tier = p_tier OR (i.tier IS NULL AND p_tier = 'production'))
        AND (p_service_ids IS NULL OR i.service_id = ANY (p_service_ids))
       GROUP BY g.idx
     $$`,
  // Every figure of the window (scope WINDOW, bucket_index 0) and of each calendar bucket (scope
  // BUCKET), for Grafana panels and the GraphQL doraMetrics query alike. Ratios and percentiles
  // are NULL when their denominator or sample is empty.
  `CREATE FUNCTION dora_report(p_from timestamptz, p_to timestamptz,
                               p_timezone text DEFAULT 'UTC', p_granularity text DEFAULT 'week',
                               p_tier text DEFAULT 'production', p_services text[] DEFAULT NULL,
                               p_teams text[] DEFAULT NULL, p_week_start integer DEFAULT 1)
     RETURNS TABLE (
       scope text, bucket_index integer, bucket_start timestamptz, bucket_end timestamptz,
       label text, days double precision,
       deployments integer, deployments_per_day double precision, deployment_days integer,
       deployments_not_reached integer,
       lead_time_p50_seconds double precision, lead_time_p75_seconds double precision,
       lead_time_p90_seconds double precision, lead_times integer,
       excluded_no_predecessor integer, excluded_already_deployed integer,
       excluded_rollback integer, excluded_no_start_time integer, excluded_negative integer,
       excluded_other integer,
       failed integer, suspected integer, change_failure_rate double precision,
       change_failure_rate_with_suspected double precision,
       recovery_p50_seconds double precision, recovery_p90_seconds double precision,
       recoveries integer, failed_unrecovered integer,
       reworked integer, rework_rate double precision,
       changesets_known integer, changeset_known_share double precision,
       incidents integer, incidents_attributed integer, incidents_attributed_or_inferred integer,
       incident_attributed_share double precision,
       definition_version text)
     LANGUAGE plpgsql STABLE SET jit = off AS $fn$
   #variable_conflict use_column
   DECLARE
     v_services bigint[] := dora_scope_services(p_services, p_teams);
     v_granularity text := lower(p_granularity);
   BEGIN
     IF p_from > p_to THEN
       RAISE EXCEPTION 'dora_report: from (%) is after to (%)', p_from, p_to USING ERRCODE = '22023';
     END IF;
     IF v_granularity NOT IN ('day','week','month') THEN
       RAISE EXCEPTION 'dora_report: granularity must be day, week or month' USING ERRCODE = '22023';
     END IF;
     IF p_week_start NOT BETWEEN 1 AND 7 THEN
       RAISE EXCEPTION 'dora_report: week start must be an ISO weekday 1..7' USING ERRCODE = '22023';
     END IF;
     RETURN QUERY
     WITH f AS (
       SELECT g.idx, g.s, g.e, g.label, g.days,
              coalesce(c.deployments, 0) AS deployments, coalesce(c.not_reached, 0) AS not_reached,
              coalesce(c.deployment_days, 0) AS deployment_days,
              coalesce(c.failed, 0) AS failed, coalesce(c.failed_unrecovered, 0) AS failed_unrecovered,
              coalesce(c.suspected, 0) AS suspected, coalesce(c.reworked, 0) AS reworked,
              coalesce(c.changesets_known, 0) AS changesets_known, coalesce(c.lead_times, 0) AS lead_times,
              coalesce(c.excluded_no_predecessor, 0) AS excluded_no_predecessor,
              coalesce(c.excluded_already_deployed, 0) AS excluded_already_deployed,
              coalesce(c.excluded_rollback, 0) AS excluded_rollback,
              coalesce(c.excluded_no_start_time, 0) AS excluded_no_start_time,
              coalesce(c.excluded_negative, 0) AS excluded_negative,
              coalesce(c.excluded_other, 0) AS excluded_other,
              lt.p50 AS lt_p50, lt.p75 AS lt_p75, lt.p90 AS lt_p90,
              r.p50 AS r_p50, r.p90 AS r_p90, coalesce(r.recoveries, 0) AS recoveries,
              coalesce(i.incidents, 0) AS incidents, coalesce(i.attributed, 0) AS attributed,
              coalesce(i.attributed_or_inferred, 0) AS attributed_or_inferred
       FROM dora_groups(p_from, p_to, p_timezone, v_granularity, p_week_start) g
       LEFT JOIN dora_count_figures(p_from, p_to, p_timezone, v_granularity, p_week_start, p_tier, v_services) c
         ON c.idx = g.idx
       LEFT JOIN dora_lead_time_percentiles(p_from, p_to, p_timezone, v_granularity, p_week_start, p_tier, v_services) lt
         ON lt.idx = g.idx
       LEFT JOIN dora_recovery_figures(p_from, p_to, p_timezone, v_granularity, p_week_start, p_tier, v_services) r
         ON r.idx = g.idx
       LEFT JOIN dora_incident_figures(p_from, p_to, p_timezone, v_granularity, p_week_start, p_tier, v_services) i
         ON i.idx = g.idx
     )
     SELECT CASE WHEN f.idx = 0 THEN 'WINDOW' ELSE 'BUCKET' END, f.idx, f.s, f.e, f.label, f.days,
            f.deployments, CASE WHEN f.days > 0 THEN f.deployments / f.days END,
            f.deployment_days, f.not_reached,
            f.lt_p50, f.lt_p75, f.lt_p90, f.lead_times,
            f.excluded_no_predecessor, f.excluded_already_deployed, f.excluded_rollback,
            f.excluded_no_start_time, f.excluded_negative, f.excluded_other,
            f.failed, f.suspected,
            f.failed::double precision / nullif(f.deployments, 0),
            (f.failed + f.suspected)::double precision / nullif(f.deployments, 0),
            f.r_p50, f.r_p90, f.recoveries, f.failed_unrecovered,
            f.reworked, f.reworked::double precision / nullif(f.deployments, 0),
            f.changesets_known, f.changesets_known::double precision / nullif(f.deployments, 0),
            f.incidents, f.attributed, f.attributed_or_inferred,
            f.attributed::double precision / nullif(f.incidents, 0),
            dora_definition_version()
     FROM f
     ORDER BY f.idx;
   END
   $fn$`,
  // One row per service with production activity in [p_from, p_to): the figures of the report's
  // window, per service (Grafana tables, the 30-day Prometheus gauges).
  `CREATE FUNCTION dora_service_summary(p_from timestamptz, p_to timestamptz,
                                        p_tier text DEFAULT 'production')
     RETURNS TABLE (service_id bigint, service text, team text, deployments integer,
                    deployments_per_day double precision, lead_times integer,
                    lead_time_p50_seconds double precision, lead_time_p90_seconds double precision,
                    failed integer, change_failure_rate double precision, recoveries integer,
                    recovery_p50_seconds double precision, reworked integer,
                    rework_rate double precision, definition_version text)
     LANGUAGE sql STABLE SET jit = off AS $$
       SELECT s.id, dora_service_label(s.id), s.team, d.deployments,
              d.deployments / nullif(extract(epoch FROM p_to - p_from)::double precision / 86400, 0),
              l.n, l.q[1], l.q[2],
              d.failed, d.failed::double precision / nullif(d.deployments, 0),
              r.n, r.p50,
              d.reworked, d.reworked::double precision / nullif(d.deployments, 0),
              dora_definition_version()
       FROM services s
       CROSS JOIN LATERAL (
         SELECT coalesce(sum(c.deployments), 0)::int AS deployments, coalesce(sum(c.failed), 0)::int AS failed,
                coalesce(sum(c.reworked), 0)::int AS reworked
         FROM dora_fact_counts c
         WHERE c.service_id = s.id AND c.tier = p_tier AND c.finished_at >= p_from AND c.finished_at < p_to) d
       CROSS JOIN LATERAL (
         SELECT count(*)::int AS n, percentile_cont(ARRAY[0.5, 0.9]::double precision[])
                                      WITHIN GROUP (ORDER BY l.lead_time_seconds) AS q
         FROM dora_lead_time_facts l
         WHERE l.service_id = s.id AND l.tier = p_tier AND l.finished_at >= p_from AND l.finished_at < p_to
           AND l.lead_time_seconds IS NOT NULL) l
       CROSS JOIN LATERAL (
         SELECT count(*)::int AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY f.recovery_seconds) AS p50
         FROM dora_deployment_facts f
         WHERE f.service_id = s.id AND f.failed AND f.tier = p_tier
           AND f.recovered_at >= p_from AND f.recovered_at < p_to) r
       WHERE d.deployments > 0 OR r.n > 0
       ORDER BY 2
     $$`,
  // Every failed deployment with its evidence and recovery (Grafana table panels).
  `CREATE VIEW dora_failed_deployments AS
     SELECT f.deployment_id, d.source, d.external_id, dora_service_label(f.service_id) AS service,
            s.team, f.tier, f.finished_at, f.failure_evidence, f.degraded_at, f.recovered_at,
            f.recovery_seconds
     FROM dora_deployment_facts f
     JOIN deployments d ON d.id = f.deployment_id
     JOIN services s ON s.id = f.service_id
     WHERE f.failed`,
];

export class DoraMetrics1764600000000 implements MigrationInterface {
  name = 'DoraMetrics1764600000000';

  async up(q: QueryRunner): Promise<void> {
    for (const statement of [
      ...TABLES,
      ...HELPERS,
      ...DEFINITIONS,
      ...MAINTENANCE,
      ...TRIGGERS,
      ...triggerStatements(),
      ...REPORT,
    ]) {
      await q.query(statement);
    }
    // Facts for what is already there are computed by the first dora_refresh().
    await q.query(`INSERT INTO dora_state (definition_version) VALUES (dora_definition_version())`);
    await q.query(`INSERT INTO dora_dirty (kind) VALUES ('ALL')`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [table] of [...MARKED_TABLES, ['environments', '']]) {
      for (const op of ['insert', 'update', 'delete']) {
        await q.query(`DROP TRIGGER IF EXISTS tg_dora_${table}_${op} ON ${table}`);
      }
    }
    await q.query(`DROP VIEW dora_failed_deployments`);
    await q.query(`DROP FUNCTION dora_service_summary(timestamptz, timestamptz, text)`);
    for (const fn of [
      'dora_report(timestamptz, timestamptz, text, text, text, text[], text[], integer)',
      'dora_incident_figures(timestamptz, timestamptz, text, text, integer, text, bigint[])',
      'dora_recovery_figures(timestamptz, timestamptz, text, text, integer, text, bigint[])',
      'dora_lead_time_percentiles(timestamptz, timestamptz, text, text, integer, text, bigint[])',
      'dora_count_figures(timestamptz, timestamptz, text, text, integer, text, bigint[])',
      'dora_scope_services(text[], text[])',
      'dora_pieces(timestamptz, timestamptz)',
      'dora_groups(timestamptz, timestamptz, text, text, integer)',
      'dora_mark_environments()',
      'dora_mark_incident_causes()',
      'dora_mark_incident_services()',
      'dora_mark_incidents()',
      'dora_mark_deployment_changes()',
      'dora_mark_remediations()',
      'dora_mark_deployments()',
      'dora_refresh(integer)',
      'dora_service_label(bigint)',
      'dora_rebuild(integer)',
      'dora_rollup_periods(text, timestamptz[])',
    ]) {
      await q.query(`DROP FUNCTION ${fn}`);
    }
    await q.query(`DROP VIEW dora_fact_counts`);
    for (const fn of [
      'dora_compute_incident_facts(bigint[])',
      'dora_compute_lead_time_facts(bigint[])',
      'dora_compute_deployment_facts(bigint[])',
      'dora_window_deployments(bigint, bigint, timestamptz)',
      'dora_incident_at(timestamptz, timestamptz, timestamptz)',
      'dora_lead_time_bin(double precision)',
      'dora_lock_key()',
      'dora_attribution_window()',
      'dora_definition_version()',
    ]) {
      await q.query(`DROP FUNCTION ${fn}`);
    }
    await q.query(`DROP INDEX ix_incident_causes_incident`);
    await q.query(`DROP INDEX ix_deployments_predecessor`);
    for (const table of [
      'dora_rollup_lead_bins',
      'dora_rollup',
      'dora_incident_facts',
      'dora_lead_time_facts',
      'dora_deployment_facts',
      'dora_dirty',
      'dora_state',
      'dora_service_gauges',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
