import type { DataSource } from 'typeorm';

/** Every figure of a DoraPeriod, as the tests ask GraphQL for it. */
export const DORA_PERIOD_FIELDS = `
  start end label days
  deploymentFrequency { deployments perDay perWeek deploymentDays notReachedUsers level reason }
  changeLeadTime { p50Seconds p75Seconds p90Seconds count excluded exclusions { reason count } level reason }
  changeFailureRate { ratio failed total suspected ratioWithSuspected level reason }
  failedDeploymentRecoveryTime { p50Seconds p90Seconds count failedNotRecovered level reason }
  deploymentReworkRate { ratio reworked total level reason }
  dataQuality {
    deploymentsWithKnownChangeset knownChangesetShare incidents incidentsAttributed
    incidentsAttributedOrInferred attributedIncidentShare changesetReason incidentReason
  }`;

export const DORA_QUERY = `query Dora($filter: DoraMetricsFilter!) {
  doraMetrics(filter: $filter) {
    definitionVersion
    benchmark { id report year url note }
    scope { environment services unmatchedServices teams timezone granularity weekStartsOn }
    window { ${DORA_PERIOD_FIELDS} }
    buckets { ${DORA_PERIOD_FIELDS} }
  }
}`;

export interface SqlFilter {
  readonly from: string;
  readonly to: string;
  readonly timezone?: string;
  readonly granularity?: string;
  readonly environment?: string;
  readonly services?: readonly string[];
  readonly teams?: readonly string[];
  readonly weekStartsOn?: string;
  readonly attributions?: readonly string[];
}

const WEEKDAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'];

/** The rows of dora_report for the same filter, as a Grafana panel would read them. */
export async function sqlReport(ds: DataSource, f: SqlFilter): Promise<Record<string, unknown>[]> {
  return ds.query('SELECT * FROM dora_report($1, $2, $3, $4, $5, $6, $7, $8, $9)', [
    f.from,
    f.to,
    f.timezone ?? 'UTC',
    (f.granularity ?? 'WEEK').toLowerCase(),
    (f.environment ?? 'PRODUCTION').toLowerCase(),
    f.services ?? null,
    f.teams ?? null,
    WEEKDAYS.indexOf(f.weekStartsOn ?? 'MONDAY') + 1,
    f.attributions ?? null,
  ]);
}

/** The GraphQL figures a dora_report row stands for (every numeric figure, none derived in TS). */
export function figuresOfRow(row: Record<string, unknown>) {
  return {
    start: (row.bucket_start as Date).toISOString(),
    end: (row.bucket_end as Date).toISOString(),
    label: row.label,
    days: row.days,
    deployments: row.deployments,
    perDay: row.deployments_per_day,
    deploymentDays: row.deployment_days,
    notReachedUsers: row.deployments_not_reached,
    leadTime: [
      row.lead_time_p50_seconds,
      row.lead_time_p75_seconds,
      row.lead_time_p90_seconds,
      row.lead_times,
    ],
    failed: row.failed,
    suspected: row.suspected,
    cfr: row.change_failure_rate,
    cfrWithSuspected: row.change_failure_rate_with_suspected,
    recovery: [
      row.recovery_p50_seconds,
      row.recovery_p90_seconds,
      row.recoveries,
      row.failed_unrecovered,
    ],
    reworked: row.reworked,
    rework: row.rework_rate,
    changesetsKnown: row.changesets_known,
    changesetShare: row.changeset_known_share,
    incidents: [row.incidents, row.incidents_attributed, row.incidents_attributed_or_inferred],
    attributedShare: row.incident_attributed_share,
  };
}

type Section = Record<string, unknown>;

/** A DoraPeriod as GraphQL returns it. */
export interface GqlPeriod {
  readonly start: string;
  readonly end: string;
  readonly label: string;
  readonly days: number;
  readonly deploymentFrequency: Section;
  readonly changeLeadTime: Section;
  readonly changeFailureRate: Section;
  readonly failedDeploymentRecoveryTime: Section;
  readonly deploymentReworkRate: Section;
  readonly dataQuality: Section;
}

/** The same figures read from a GraphQL DoraPeriod. */
export function figuresOfPeriod(p: GqlPeriod) {
  return {
    start: p.start,
    end: p.end,
    label: p.label,
    days: p.days,
    deployments: p.deploymentFrequency.deployments,
    perDay: p.deploymentFrequency.perDay,
    deploymentDays: p.deploymentFrequency.deploymentDays,
    notReachedUsers: p.deploymentFrequency.notReachedUsers,
    leadTime: [
      p.changeLeadTime.p50Seconds,
      p.changeLeadTime.p75Seconds,
      p.changeLeadTime.p90Seconds,
      p.changeLeadTime.count,
    ],
    failed: p.changeFailureRate.failed,
    suspected: p.changeFailureRate.suspected,
    cfr: p.changeFailureRate.ratio,
    cfrWithSuspected: p.changeFailureRate.ratioWithSuspected,
    recovery: [
      p.failedDeploymentRecoveryTime.p50Seconds,
      p.failedDeploymentRecoveryTime.p90Seconds,
      p.failedDeploymentRecoveryTime.count,
      p.failedDeploymentRecoveryTime.failedNotRecovered,
    ],
    reworked: p.deploymentReworkRate.reworked,
    rework: p.deploymentReworkRate.ratio,
    changesetsKnown: p.dataQuality.deploymentsWithKnownChangeset,
    changesetShare: p.dataQuality.knownChangesetShare,
    incidents: [
      p.dataQuality.incidents,
      p.dataQuality.incidentsAttributed,
      p.dataQuality.incidentsAttributedOrInferred,
    ],
    attributedShare: p.dataQuality.attributedIncidentShare,
  };
}

/** Materialised facts that differ from the definitions computed afresh (should be none). */
export async function staleFacts(ds: DataSource): Promise<unknown[]> {
  return ds.query(`
    WITH fresh AS (
      SELECT * FROM dora_compute_deployment_facts(ARRAY(SELECT id FROM deployments))),
    diff AS (
      (SELECT 'missing' AS problem, * FROM fresh EXCEPT SELECT 'missing', * FROM dora_deployment_facts)
      UNION ALL
      (SELECT 'stale', * FROM dora_deployment_facts EXCEPT SELECT 'stale', * FROM fresh))
    SELECT problem, deployment_id FROM diff
    UNION ALL
    SELECT 'lead time ' || problem, deployment_id FROM (
      (SELECT 'missing' AS problem, * FROM dora_compute_lead_time_facts(ARRAY(SELECT id FROM deployments))
       EXCEPT SELECT 'missing', * FROM dora_lead_time_facts)
      UNION ALL
      (SELECT 'stale', * FROM dora_lead_time_facts
       EXCEPT SELECT 'stale', * FROM dora_compute_lead_time_facts(ARRAY(SELECT id FROM deployments)))) l
    UNION ALL
    SELECT 'incident ' || problem, incident_id FROM (
      (SELECT 'missing' AS problem, * FROM dora_compute_incident_facts(ARRAY(SELECT id FROM incidents))
       EXCEPT SELECT 'missing', * FROM dora_incident_facts)
      UNION ALL
      (SELECT 'stale', * FROM dora_incident_facts
       EXCEPT SELECT 'stale', * FROM dora_compute_incident_facts(ARRAY(SELECT id FROM incidents)))) i
    UNION ALL
    SELECT 'rollup ' || problem, NULL FROM (
      (SELECT 'differs' AS problem, r.* FROM dora_rollup r
       EXCEPT SELECT 'differs', c.tier, g.grain,
              date_trunc(CASE g.grain WHEN 'h' THEN 'hour' ELSE 'day' END, c.finished_at, 'UTC'),
              sum(c.deployments)::int, sum(c.not_reached)::int, sum(c.failed)::int,
              sum(c.failed_unrecovered)::int, sum(c.suspected)::int, sum(c.reworked)::int,
              sum(c.changesets_known)::int, sum(c.lead_times)::int, sum(c.excluded_no_predecessor)::int,
              sum(c.excluded_already_deployed)::int, sum(c.excluded_rollback)::int,
              sum(c.excluded_no_start_time)::int, sum(c.excluded_negative)::int, sum(c.excluded_other)::int
       FROM dora_fact_counts c CROSS JOIN (VALUES ('h'), ('d')) AS g(grain) GROUP BY 2, 3, 4)) r`);
}
