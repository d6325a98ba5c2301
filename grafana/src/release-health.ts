/**
 * "Release health": for SREs. Deployments, verdicts and rollbacks as annotations; every release
 * with its verdict; each release's SLIs against its baseline as Shipwatch measured them (the
 * evidence of each verification tick) and live from the workloads' OpenTelemetry metrics; what is
 * open now. PostgreSQL for what Shipwatch recorded, Prometheus for the live signals.
 */
import {
  DashboardBuilder,
  DashboardCursorSync,
  RowBuilder,
} from '@grafana/grafana-foundation-sdk/dashboard';
import {
  GENERATED_TAGS,
  bars,
  promQuery,
  sel,
  sqlAnnotation,
  sqlQuery,
  sqlVariable,
  table,
  timeseries,
} from './common.js';

/** Deployments (d), services (s) and environments (e) of the selected services and environments. */
const SCOPE = `s.name IN (\${service:sqlstring}) AND e.name IN (\${environment:sqlstring})`;
const JOIN_SCOPE = (alias: string) =>
  `JOIN services s ON s.id = ${alias}.service_id JOIN environments e ON e.id = ${alias}.environment_id`;

/** Verdicts that raise a release alert. */
const ALERTING = `('FAILED','DEGRADED','ENV_DEGRADED')`;

/** The OpenTelemetry HTTP server metric of the selected workloads (service.name, environment). */
const OTEL = ['service_name=~"$service"', 'deployment_environment_name=~"$environment"'];
const otel = (...extra: string[]) => sel(...OTEL, ...extra);
const BY_VERSION = 'service_name, service_version';
const RATE = '$__rate_interval';

function deploymentAnnotations() {
  return sqlAnnotation(
    'Deployments',
    'blue',
    `
    SELECT d.finished_at AS "time",
           s.name || ' ' || coalesce(d.version, '?') || ' to ' || e.name
             || coalesce(' / ' || d.target, '')
             || CASE WHEN d.kind <> 'PLANNED' THEN ' (' || lower(d.kind) || ')' ELSE '' END AS "text",
           concat_ws(',', s.name, e.name, lower(d.kind)) AS "tags"
    FROM deployments d
    ${JOIN_SCOPE('d')}
    WHERE $__timeFilter(d.finished_at) AND d.status IN ('SUCCEEDED','ROLLED_BACK') AND ${SCOPE}`,
  );
}

function rollbackAnnotations() {
  return sqlAnnotation(
    'Rollbacks',
    'red',
    `
    SELECT d.finished_at AS "time",
           'rollback of ' || s.name || ' to ' || coalesce(d.version, '?') || ' in ' || e.name AS "text",
           concat_ws(',', s.name, e.name, 'rollback') AS "tags"
    FROM deployments d
    ${JOIN_SCOPE('d')}
    WHERE $__timeFilter(d.finished_at) AND d.kind IN ('ROLLBACK','REVERT') AND d.status = 'SUCCEEDED'
      AND ${SCOPE}`,
  );
}

function verdictAnnotations() {
  return sqlAnnotation(
    'Verdicts',
    'orange',
    `
    SELECT rv.finished_at AS "time",
           s.name || ' ' || coalesce(rv.version, '?') || ': ' || rv.state
             || coalesce(' (' || rv.reason || ')', '') AS "text",
           concat_ws(',', s.name, e.name, lower(rv.state)) AS "tags"
    FROM release_verifications rv
    ${JOIN_SCOPE('rv')}
    WHERE rv.finished_at IS NOT NULL AND $__timeFilter(rv.finished_at) AND ${SCOPE}`,
  );
}

function releases() {
  return table(
    'Releases',
    'Every deployment in the range with its verification verdict (empty: not verified, e.g. not production); each wave of a multi-target release on its own row, with its target',
  ).withTarget(
    sqlQuery(`
      SELECT d.finished_at AS "finished", s.name AS "service", e.name AS "environment",
             d.target AS "target", d.version AS "version", d.previous_version AS "previous", d.kind AS "kind",
             d.status AS "status", rv.state AS "verdict", rv.reason AS "reason",
             rv.tick_count AS "ticks", rv.baseline_kind AS "baseline", d.url AS "link"
      FROM deployments d
      ${JOIN_SCOPE('d')}
      LEFT JOIN release_verifications rv ON rv.deployment_id = d.id
      WHERE $__timeFilter(d.finished_at) AND ${SCOPE}
      ORDER BY d.finished_at DESC
      LIMIT 500`),
  );
}

function verdictsPerDay() {
  return bars(
    'Verdicts per day',
    'Release verifications that reached a verdict, by verdict',
    'none',
  ).withTarget(
    sqlQuery(
      `
      SELECT date_trunc('day', rv.finished_at) AS "time", rv.state AS "metric", count(*) AS "value"
      FROM release_verifications rv
      ${JOIN_SCOPE('rv')}
      WHERE rv.finished_at IS NOT NULL AND $__timeFilter(rv.finished_at) AND ${SCOPE}
      GROUP BY 1, 2
      ORDER BY 1`,
      'time_series',
    ),
  );
}

function rollbacks() {
  return table(
    'Rollbacks',
    'Rollbacks Shipwatch requested (verdict FAILED in enforce mode) and rollback or revert deployments recorded',
    { w: 12, h: 8 },
  ).withTarget(
    sqlQuery(`
      SELECT rv.rollback_requested_at AS "time", s.name AS "service", e.name AS "environment",
             rv.version AS "from version", rv.previous_version AS "to version",
             'requested by Shipwatch' AS "how", rv.reason AS "reason"
      FROM release_verifications rv
      ${JOIN_SCOPE('rv')}
      WHERE rv.rollback_requested_at IS NOT NULL AND $__timeFilter(rv.rollback_requested_at) AND ${SCOPE}
      UNION ALL
      SELECT d.finished_at, s.name, e.name, d.previous_version, d.version,
             lower(d.kind) || ' deployed', string_agg(x.target_external_id, ', ')
      FROM deployments d
      ${JOIN_SCOPE('d')}
      LEFT JOIN deployment_remediations x ON x.deployment_id = d.id
      WHERE d.kind IN ('ROLLBACK','REVERT') AND $__timeFilter(d.finished_at) AND ${SCOPE}
      GROUP BY d.id, s.name, e.name
      ORDER BY 1 DESC`),
  );
}

function sliAgainstBaseline() {
  return timeseries(
    'SLIs against baseline (verification ticks)',
    'Bad-event ratio of each SLI for the new version and for its baseline, per verification tick window',
    'percentunit',
    { w: 24, h: 8 },
  ).withTarget(
    sqlQuery(
      `
      SELECT t.window_end AS "time",
             s.name || ' ' || coalesce(rv.version, '?') || ' ' || (sli->>'name') || ' ' || side.name AS "metric",
             (side.stats->>'ratio')::double precision AS "value"
      FROM verification_ticks t
      JOIN release_verifications rv ON rv.id = t.verification_id
      ${JOIN_SCOPE('rv')}
      CROSS JOIN LATERAL jsonb_array_elements(t.evidence->'slis') AS sli
      CROSS JOIN LATERAL (VALUES ('new', sli->'canary'), ('baseline', sli->'baseline')) AS side(name, stats)
      WHERE $__timeFilter(t.window_end) AND jsonb_typeof(side.stats) = 'object' AND ${SCOPE}
      ORDER BY 1`,
      'time_series',
    ),
  );
}

function sliEvidence() {
  return table(
    'Latest SLI evidence per release',
    'The last tick of each verification in the range: each SLI, new version vs baseline, and why',
  ).withTarget(
    sqlQuery(`
      SELECT DISTINCT ON (rv.id, sli->>'name')
             t.tick_at AS "tick", s.name AS "service", e.name AS "environment", rv.version AS "version",
             sli->>'name' AS "SLI", (sli->'canary'->>'ratio')::double precision AS "new bad ratio",
             (sli->'baseline'->>'ratio')::double precision AS "baseline bad ratio",
             (sli->'canary'->>'total')::double precision AS "new events",
             (sli->>'pValue')::double precision AS "p-value", sli->>'classification' AS "tick",
             rv.state AS "verdict", sli->>'reason' AS "reason"
      FROM verification_ticks t
      JOIN release_verifications rv ON rv.id = t.verification_id
      ${JOIN_SCOPE('rv')}
      CROSS JOIN LATERAL jsonb_array_elements(t.evidence->'slis') AS sli
      WHERE $__timeFilter(t.tick_at) AND ${SCOPE}
      ORDER BY rv.id, sli->>'name', t.tick_number DESC`),
  );
}

function liveErrorRatio() {
  const all = `sum by (${BY_VERSION}) (rate(http_server_request_duration_seconds_count${otel()}[${RATE}]))`;
  const errors = `sum by (${BY_VERSION}) (rate(http_server_request_duration_seconds_count${otel('http_response_status_code=~"5.."')}[${RATE}]))`;
  return timeseries(
    'Error ratio by version (live)',
    'Share of HTTP server requests answered 5xx, per service and version (OpenTelemetry http.server.request.duration)',
    'percentunit',
    { w: 8, h: 8 },
  ).withTarget(
    promQuery(`(${errors} or ${all} * 0)\n/ ${all}`, '{{service_name}} {{service_version}}'),
  );
}

function liveLatency() {
  return timeseries(
    'p90 latency by version (live)',
    'HTTP server request duration p90, per service and version',
    's',
    { w: 8, h: 8 },
  ).withTarget(
    promQuery(
      `histogram_quantile(0.9, sum by (le, ${BY_VERSION}) (rate(http_server_request_duration_seconds_bucket${otel()}[${RATE}])))`,
      '{{service_name}} {{service_version}}',
    ),
  );
}

function liveTraffic() {
  return timeseries(
    'Requests by version (live)',
    'HTTP server requests per second, per service and version: how traffic moves during a rollout',
    'reqps',
    { w: 8, h: 8 },
  ).withTarget(
    promQuery(
      `sum by (${BY_VERSION}) (rate(http_server_request_duration_seconds_count${otel()}[${RATE}]))`,
      '{{service_name}} {{service_version}}',
    ),
  );
}

function openReleaseAlerts() {
  return table(
    'Open release alerts',
    'Services whose latest verification ended in an alerting verdict (FAILED, DEGRADED, ENV_DEGRADED): the alert stays open until a later release or rollback verifies healthy',
    { w: 12, h: 8 },
  ).withTarget(
    sqlQuery(`
      SELECT latest.finished_at AS "since", latest.service AS "service",
             latest.environment AS "environment", latest.version AS "version",
             latest.state AS "verdict", latest.reason AS "reason",
             latest.rollback_requested_at IS NOT NULL AS "rollback requested"
      FROM (
        SELECT DISTINCT ON (rv.service_id, rv.environment_id)
               rv.finished_at, s.name AS service, e.name AS environment, rv.version, rv.state,
               rv.reason, rv.rollback_requested_at
        FROM release_verifications rv
        ${JOIN_SCOPE('rv')}
        WHERE ${SCOPE}
        ORDER BY rv.service_id, rv.environment_id, rv.created_at DESC, rv.id DESC
      ) latest
      WHERE latest.state IN ${ALERTING}
      ORDER BY 1 DESC`),
  );
}

function openIncidents() {
  return table(
    'Open incidents',
    'Incidents not resolved yet, with the services they affect and the deployments named as cause',
    { w: 12, h: 8 },
  ).withTarget(
    sqlQuery(`
      SELECT coalesce(i.impact_started_at, i.detected_at, i.last_event_at) AS "since",
             i.title AS "title", i.severity AS "severity",
             string_agg(DISTINCT s.name, ', ') AS "services",
             string_agg(DISTINCT c.deployment_external_id, ', ') AS "caused by",
             i.mitigated_at AS "mitigated", i.url AS "link"
      FROM incidents i
      JOIN incident_services x ON x.incident_id = i.id
      JOIN services s ON s.id = x.service_id
      LEFT JOIN environments e ON e.id = i.environment_id
      LEFT JOIN incident_causes c ON c.incident_id = i.id
      WHERE i.resolved_at IS NULL
        AND s.name IN (\${service:sqlstring})
        AND (e.name IS NULL OR e.name IN (\${environment:sqlstring}))
      GROUP BY i.id
      ORDER BY 1 DESC`),
  );
}

export function releaseHealthDashboard(): DashboardBuilder {
  return new DashboardBuilder('Release health')
    .uid('shipwatch-release-health')
    .description(
      'Deployments, verdicts and rollbacks; each release’s SLIs against its baseline; what is open now',
    )
    .tags([...GENERATED_TAGS, 'sre'])
    .time({ from: 'now-7d', to: 'now' })
    .refresh('1m')
    .timezone('browser')
    .tooltip(DashboardCursorSync.Crosshair)
    .readonly()
    .withVariable(
      sqlVariable('service', 'Service', 'SELECT DISTINCT name FROM services ORDER BY 1'),
    )
    .withVariable(
      sqlVariable('environment', 'Environment', 'SELECT name FROM environments ORDER BY 1'),
    )
    .annotation(deploymentAnnotations())
    .annotation(rollbackAnnotations())
    .annotation(verdictAnnotations())
    .withRow(new RowBuilder('Open now'))
    .withPanel(openReleaseAlerts())
    .withPanel(openIncidents())
    .withRow(new RowBuilder('Releases and verdicts'))
    .withPanel(releases())
    .withPanel(verdictsPerDay())
    .withPanel(rollbacks())
    .withRow(new RowBuilder('SLIs against baseline'))
    .withPanel(sliAgainstBaseline())
    .withPanel(sliEvidence())
    .withPanel(liveErrorRatio())
    .withPanel(liveLatency())
    .withPanel(liveTraffic());
}
