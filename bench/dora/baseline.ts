/**
 * The straightforward way (the Four Keys approach): compute everything at query time from the
 * raw delivery tables, with the very same definitions (dora_compute_deployment_facts over the
 * deployments of the window, percentile_cont over deployment_changes, calendar buckets in the
 * timezone). Failed deployments are looked at 30 days back for recoveries that fall in the
 * window. The benchmark checks it gives the figures dora_report gives.
 */
export const BASELINE_REPORT = `
  WITH g AS (SELECT * FROM dora_groups($1, $2, $3, $4, 1)),
  scope AS (SELECT CASE WHEN $5::text[] IS NULL THEN NULL ELSE dora_scope_services($5, NULL) END AS ids),
  ids AS (
    SELECT array_agg(d.id) AS ids
    FROM deployments d JOIN environments e ON e.id = d.environment_id, scope
    WHERE e.tier = 'production' AND d.finished_at >= $1 - interval '30 days' AND d.finished_at < $2
      AND (scope.ids IS NULL OR d.service_id = ANY (scope.ids))),
  f AS (SELECT * FROM dora_compute_deployment_facts((SELECT ids FROM ids))),
  counts AS (
    SELECT g.idx,
           count(*) FILTER (WHERE f.reached_users) AS deployments,
           count(DISTINCT (f.finished_at AT TIME ZONE $3)::date) FILTER (WHERE f.reached_users) AS deployment_days,
           count(*) FILTER (WHERE f.failed) AS failed,
           count(*) FILTER (WHERE f.reworked) AS reworked
    FROM g JOIN f ON f.finished_at >= g.s AND f.finished_at < g.e
    GROUP BY g.idx),
  lead AS (
    SELECT g.idx, count(dc.lead_time_seconds) AS lead_times,
           percentile_cont(ARRAY[0.5, 0.75, 0.9]::float8[]) WITHIN GROUP (ORDER BY dc.lead_time_seconds) AS q
    FROM g
    JOIN deployments d ON d.finished_at >= g.s AND d.finished_at < g.e AND d.status IN ('SUCCEEDED','ROLLED_BACK')
    JOIN environments e ON e.id = d.environment_id AND e.tier = 'production'
    JOIN deployment_changes dc ON dc.deployment_id = d.id, scope
    WHERE scope.ids IS NULL OR d.service_id = ANY (scope.ids)
    GROUP BY g.idx),
  recovery AS (
    SELECT g.idx, count(*) AS recoveries,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY f.recovery_seconds) AS p50
    FROM g JOIN f ON f.failed AND f.recovered_at >= g.s AND f.recovered_at < g.e
    GROUP BY g.idx)
  SELECT g.idx, g.label, coalesce(c.deployments, 0)::int AS deployments,
         coalesce(c.deployment_days, 0)::int AS deployment_days, coalesce(c.failed, 0)::int AS failed,
         coalesce(c.reworked, 0)::int AS reworked, coalesce(l.lead_times, 0)::int AS lead_times,
         l.q[1] AS lead_time_p50_seconds, l.q[2] AS lead_time_p75_seconds, l.q[3] AS lead_time_p90_seconds,
         coalesce(r.recoveries, 0)::int AS recoveries, r.p50 AS recovery_p50_seconds
  FROM g
  LEFT JOIN counts c ON c.idx = g.idx
  LEFT JOIN lead l ON l.idx = g.idx
  LEFT JOIN recovery r ON r.idx = g.idx
  ORDER BY g.idx`;
