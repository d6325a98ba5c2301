/**
 * Set-based generation of a realistic delivery history in real PostgreSQL: 500 services (50
 * teams) deploying about every 9 hours each for two years (1M deployments, 85% production,
 * 15% staging), 5M changes with log-uniform lead times (10 min to 20 days, 40% through pull
 * requests that started earlier), hotfixes and rollbacks naming what they fix, rolled-back
 * deployments, and incidents (6% of deployments, most naming their cause, plus unattributed
 * ones). Inference and path attribution are on: 3% of the planned production deployments are
 * rollbacks by redeploy that inference found (INFERRED links, their changes without lead times),
 * and 1% of the changes have unknown paths in a path-scoped service (UNKNOWN_PATHS).
 * Triggers and foreign-key checks are off during the load (session_replication_role);
 * dora_rebuild() computes the DORA facts afterwards, as a definition change would.
 */
export const BENCH_START = '2024-11-30T00:00:00Z';
export const BENCH_DAYS = 730;
export const SERVICES = 500;
export const DEPLOYMENTS = 1_000_000;

export const GENERATE: readonly { readonly label: string; readonly sql: string }[] = [
  { label: 'seed', sql: `SELECT setseed(0.42)` },
  {
    label: 'environments and services',
    sql: `
      INSERT INTO environments (name, tier) VALUES ('production', 'production'), ('staging', 'staging');
      INSERT INTO services (name, team, repository)
        SELECT 'svc-' || lpad(i::text, 3, '0'), 'team-' || lpad((i % 50)::text, 2, '0'), 'acme/svc-' || i
        FROM generate_series(0, ${SERVICES - 1}) i`,
  },
  {
    label: `${DEPLOYMENTS.toLocaleString('en')} deployments`,
    sql: `
      INSERT INTO deployments (id, source, external_id, service_id, environment_id, status, kind,
                               started_at, finished_at, status_at, last_event_at, changeset_status,
                               predecessor_id)
      OVERRIDING SYSTEM VALUE
      SELECT id, 'bench', 'd' || id, service_id, env_id, status, kind,
             finished_at - interval '4 minutes', finished_at,
             CASE WHEN status = 'ROLLED_BACK' THEN finished_at + (5 + r_rollback * 55) * interval '1 minute'
                  ELSE finished_at END,
             finished_at,
             CASE WHEN env_id <> 1 OR status NOT IN ('SUCCEEDED','ROLLED_BACK') THEN 'PENDING'
                  WHEN prev IS NULL THEN 'UNKNOWN' ELSE 'FROM_EVENT' END,
             prev
      FROM (
        SELECT w.*, max(id) FILTER (WHERE status IN ('SUCCEEDED','ROLLED_BACK'))
                      OVER (PARTITION BY service_id, env_id ORDER BY finished_at, id
                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev
        FROM (
          SELECT i AS id, 1 + i % ${SERVICES} AS service_id,
                 CASE WHEN r_env < 0.85 THEN 1 ELSE 2 END AS env_id,
                 CASE WHEN r_status < 0.05 THEN 'FAILED' WHEN r_status < 0.07 THEN 'CANCELLED'
                      WHEN r_status < 0.10 THEN 'ROLLED_BACK' ELSE 'SUCCEEDED' END AS status,
                 CASE WHEN r_kind < 0.04 THEN 'HOTFIX' WHEN r_kind < 0.06 THEN 'ROLLBACK'
                      WHEN r_kind < 0.07 THEN 'REVERT' ELSE 'PLANNED' END AS kind,
                 timestamptz '${BENCH_START}'
                   + ((i / ${SERVICES}) + 0.05 + 0.9 * r_time) * interval '${(BENCH_DAYS * 86400 * SERVICES) / DEPLOYMENTS} seconds'
                   AS finished_at,
                 r_rollback
          FROM (SELECT i, random() AS r_env, random() AS r_status, random() AS r_kind,
                       random() AS r_time, random() AS r_rollback
                FROM generate_series(1, ${DEPLOYMENTS}) i) r) w) p`,
  },
  {
    label: 'changes and deployment_changes (about 5M)',
    sql: `
      WITH c AS (
        INSERT INTO changes (id, repository, sha, committed_at, pr_first_commit_at, pull_request_id)
        OVERRIDING SYSTEM VALUE
        SELECT d.id * 16 + j, 'acme/svc-' || (d.service_id - 1), lpad(to_hex(d.id * 16 + j), 12, '0'),
               d.finished_at - x.lead * interval '1 second',
               CASE WHEN x.r_pr < 0.4 THEN d.finished_at - (x.lead + x.extra) * interval '1 second' END,
               CASE WHEN x.r_pr < 0.4 THEN 'pr-' || d.id END
        FROM deployments d
        -- (the d.id and j references make PostgreSQL draw new random numbers for every row)
        CROSS JOIN LATERAL generate_series(1, 1 + floor(random() * 12 + 0 * d.id)::int) j
        CROSS JOIN LATERAL (SELECT exp(ln(600) + random() * (ln(1728000) - ln(600)) + 0 * j) AS lead,
                                   random() * 259200 + 0 * j AS extra, random() + 0 * j AS r_pr) x
        WHERE d.environment_id = 1 AND d.status IN ('SUCCEEDED','ROLLED_BACK')
        RETURNING id, committed_at, pr_first_commit_at)
      INSERT INTO deployment_changes (deployment_id, change_id, lead_time_seconds, excluded_reason)
      SELECT d.id, c.id,
             CASE WHEN d.predecessor_id IS NOT NULL AND d.kind NOT IN ('ROLLBACK','REVERT')
                  THEN extract(epoch FROM d.finished_at - coalesce(c.pr_first_commit_at, c.committed_at))::float8 END,
             CASE WHEN d.predecessor_id IS NULL THEN 'NO_PREDECESSOR'
                  WHEN d.kind IN ('ROLLBACK','REVERT') THEN 'ROLLBACK_DEPLOYMENT' END
      FROM c JOIN deployments d ON d.id = c.id / 16`,
  },
  {
    label: 'remediations',
    sql: `
      INSERT INTO deployment_remediations (deployment_id, target_kind, target_source, target_external_id)
      SELECT d.id, 'DEPLOYMENT', 'bench', 'd' || d.predecessor_id
      FROM deployments d
      WHERE d.kind IN ('HOTFIX','ROLLBACK') AND d.predecessor_id IS NOT NULL AND random() < 0.6`,
  },
  {
    label: 'inferred rollbacks and unknown paths',
    sql: `
      WITH picked AS MATERIALIZED (
        SELECT d.id, d.predecessor_id FROM deployments d
        WHERE d.environment_id = 1 AND d.status = 'SUCCEEDED' AND d.kind = 'PLANNED'
          AND d.predecessor_id IS NOT NULL AND random() < 0.03),
      kinds AS (
        UPDATE deployments d SET inferred_kind = 'ROLLBACK',
               inference = jsonb_build_object('rule', 'ROLLBACK', 'reason', 'a redeploy of an older release')
        FROM picked p WHERE d.id = p.id),
      changes AS (
        UPDATE deployment_changes dc SET lead_time_seconds = NULL, excluded_reason = 'ROLLBACK_DEPLOYMENT'
        FROM picked p WHERE dc.deployment_id = p.id)
      INSERT INTO deployment_remediations (deployment_id, target_kind, target_source, target_external_id,
                                           attribution, rule)
      SELECT p.id, 'DEPLOYMENT', 'bench', 'd' || p.predecessor_id, 'INFERRED', 'ROLLBACK' FROM picked p
      ON CONFLICT DO NOTHING;
      UPDATE deployment_changes SET lead_time_seconds = NULL, excluded_reason = 'UNKNOWN_PATHS'
      WHERE lead_time_seconds IS NOT NULL AND random() < 0.01`,
  },
  {
    label: 'incidents',
    sql: `
      WITH src AS (
        SELECT d.id, d.service_id, d.environment_id, d.finished_at + random() * interval '6 hours' AS det,
               random() AS r_cause, random() AS r_mit, random() AS r_res
        FROM deployments d
        WHERE d.status IN ('SUCCEEDED','ROLLED_BACK') AND random() < 0.06),
      i AS (
        INSERT INTO incidents (id, source, external_id, environment_id, impact_started_at, detected_at,
                               mitigated_at, resolved_at, last_event_at)
        OVERRIDING SYSTEM VALUE
        SELECT id, 'bench', 'i' || id, environment_id, det - interval '5 minutes', det,
               det + (10 + r_mit * 290) * interval '1 minute', det + (60 + r_res * 1440) * interval '1 minute', det
        FROM src RETURNING id),
      s AS (INSERT INTO incident_services (incident_id, service_id) SELECT id, service_id FROM src)
      INSERT INTO incident_causes (incident_id, deployment_source, deployment_external_id, attribution)
      SELECT id, 'bench', 'd' || id,
             CASE WHEN r_cause < 0.45 THEN 'EXPLICIT' WHEN r_cause < 0.6 THEN 'CONFIRMED' ELSE 'INFERRED' END
      FROM src WHERE r_cause < 0.7`,
  },
  {
    label: 'unattributed incidents',
    sql: `
      WITH src AS (
        SELECT ${DEPLOYMENTS} + i AS id, 1 + floor(random() * ${SERVICES})::int AS service_id,
               timestamptz '${BENCH_START}' + random() * interval '${BENCH_DAYS} days' AS det
        FROM generate_series(1, 10000) i),
      i AS (
        INSERT INTO incidents (id, source, external_id, environment_id, detected_at, resolved_at, last_event_at)
        OVERRIDING SYSTEM VALUE
        SELECT id, 'bench', 'i' || id, 1, det, det + interval '2 hours', det FROM src)
      INSERT INTO incident_services (incident_id, service_id) SELECT id, service_id FROM src`,
  },
  {
    label: 'identity sequences',
    sql: `
      SELECT setval(pg_get_serial_sequence('deployments', 'id'), (SELECT max(id) FROM deployments));
      SELECT setval(pg_get_serial_sequence('changes', 'id'), (SELECT max(id) FROM changes));
      SELECT setval(pg_get_serial_sequence('incidents', 'id'), (SELECT max(id) FROM incidents))`,
  },
];
