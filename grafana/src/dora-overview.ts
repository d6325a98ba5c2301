/**
 * "DORA overview": for engineering managers. Every figure comes from the DORA engineer's SQL
 * (migrations/1764600000000-DoraMetrics.ts, docs/dora.md): `dora_report(...)` for the window and
 * its calendar buckets, `dora_service_summary(...)` per service and the `dora_failed_deployments`
 * view. Nothing here re-implements a definition. Performance levels are drawn from the versioned
 * benchmark data in src/dora/levels/dora-levels.ts (thresholds, and the level column); DORA Quick
 * Check scores from the steps and means of src/dora/levels/quick-check*.ts.
 */
import {
  DashboardBuilder,
  DashboardCursorSync,
  RowBuilder,
} from '@grafana/grafana-foundation-sdk/dashboard';
import {
  DEFAULT_BENCHMARK_SET,
  type DoraLevel,
  type DoraMetricKey,
  type LevelBands,
} from '../../src/dora/levels/dora-levels.js';
import { QUICK_CHECK_2025 } from '../../src/dora/levels/quick-check-2025.js';
import { DURATION_STEPS, FREQUENCY_STEPS } from '../../src/dora/levels/quick-check.rule.js';
import {
  GENERATED_TAGS,
  bars,
  customVariable,
  multiCustomVariable,
  sqlArray,
  sqlQuery,
  sqlVariable,
  stat,
  table,
  textVariable,
  thresholds,
  timeseries,
  type Threshold,
} from './common.js';

const LEVEL_COLORS: Record<DoraLevel, string> = {
  ELITE: 'dark-green',
  HIGH: 'green',
  MEDIUM: 'orange',
  LOW: 'red',
};

/**
 * The report of the dashboard's range and variables: one WINDOW row and one row per BUCKET.
 * Failures and rework count only the selected attributions (none selected: every one).
 */
const REPORT = `dora_report($__timeFrom(), $__timeTo(), \${timezone:sqlstring}, \${granularity:sqlstring}, \${environment:sqlstring}, ${sqlArray('service')}, ${sqlArray('team')}, p_attributions => ${sqlArray('attribution')})`;

function bandsOf(metric: DoraMetricKey): LevelBands | undefined {
  return DEFAULT_BENCHMARK_SET.metrics[metric];
}

/** Grafana thresholds (value >= step) coloring each level of the benchmark set. */
export function levelThresholds(metric: DoraMetricKey): Threshold[] {
  const bands = bandsOf(metric);
  if (!bands) return [{ value: null, color: 'text' }];
  if (bands.direction === 'higher') {
    const ordered = [...bands.bands].reverse(); // worst (no minimum) first
    return ordered.map((b) => ({ value: b.min ?? null, color: LEVEL_COLORS[b.level] }));
  }
  // Lower is better: the best band from the bottom; an inclusive bound belongs to the better band.
  const epsilon = bands.inclusive ? 1e-9 : 0;
  return bands.bands.map((b, i) => {
    const previous = bands.bands[i - 1];
    return {
      value: previous?.max === undefined ? null : previous.max + epsilon,
      color: LEVEL_COLORS[b.level],
    };
  });
}

/** SQL CASE giving the level of `value` in the benchmark set (NULL when unknown or not covered). */
export function levelCase(metric: DoraMetricKey, value: string): string {
  const bands = bandsOf(metric);
  if (!bands) return 'NULL::text';
  const whens =
    bands.direction === 'higher'
      ? bands.bands.map((b) =>
          b.min === undefined ? `ELSE '${b.level}'` : `WHEN ${value} >= ${b.min} THEN '${b.level}'`,
        )
      : bands.bands.map((b) =>
          b.max === undefined
            ? `ELSE '${b.level}'`
            : `WHEN ${value} ${bands.inclusive ? '<=' : '<'} ${b.max} THEN '${b.level}'`,
        );
  return `CASE WHEN ${value} IS NULL THEN NULL ${whens.join(' ')} END`;
}

function bandText(metric: DoraMetricKey): string {
  const bands = bandsOf(metric);
  if (!bands) return `No levels in ${DEFAULT_BENCHMARK_SET.report}.`;
  return `Levels (${DEFAULT_BENCHMARK_SET.id}): ${bands.bands.map((b) => `${b.level} ${b.label}`).join('; ')}.`;
}

function windowStat(
  metric: DoraMetricKey,
  title: string,
  definition: string,
  unit: string,
  columns: string,
) {
  return stat(title, `${definition} ${bandText(metric)} See docs/dora.md.`, unit, { w: 5, h: 6 })
    .withTarget(sqlQuery(`SELECT ${columns}\nFROM ${REPORT}\nWHERE scope = 'WINDOW'`))
    .thresholds(thresholds(levelThresholds(metric)))
    .noValue('no sample');
}

function deploymentFrequency() {
  return windowStat(
    'deploymentFrequency',
    'Deployment frequency',
    'Successful deployments per day over the range (deployments that reached users).',
    'none',
    'deployments_per_day AS "per day"',
  );
}

function leadTime() {
  return windowStat(
    'changeLeadTime',
    'Change lead time p50',
    'From a change’s start (first PR commit, else commit) to the first deployment that shipped it; median over changes deployed in the range.',
    'dtdurations',
    'lead_time_p50_seconds AS "p50"',
  );
}

function changeFailureRate() {
  return windowStat(
    'changeFailureRate',
    'Change failure rate',
    'Share of deployments that reached users and then failed: rolled back, remediated, caused an incident, or judged FAILED.',
    'percentunit',
    'change_failure_rate AS "failure rate"',
  );
}

function recoveryTime() {
  return windowStat(
    'failedDeploymentRecoveryTime',
    'Failed deployment recovery time p50',
    'From a failed deployment (or its impact start) to its remediation, mitigation or a healthy verdict; median over recoveries in the range.',
    'dtdurations',
    'recovery_p50_seconds AS "p50"',
  );
}

function reworkRate() {
  return stat(
    'Deployment rework rate',
    `Share of deployments that were unplanned: hotfix, rollback, revert, or remediating a deployment or incident. ${bandText('deploymentReworkRate')}`,
    'percentunit',
    { w: 4, h: 6 },
  )
    .withTarget(
      sqlQuery(`SELECT rework_rate AS "rework rate"\nFROM ${REPORT}\nWHERE scope = 'WINDOW'`),
    )
    .noValue('no sample');
}

const DURATION = (v: string) =>
  `CASE WHEN ${v} IS NULL THEN NULL ELSE justify_interval(make_interval(secs => ${v}))::text END`;
const PERCENT = (v: string) =>
  `CASE WHEN ${v} IS NULL THEN NULL ELSE round((100 * ${v})::numeric, 1) || ' %' END`;

function levels() {
  const row = (metric: DoraMetricKey, name: string, value: string, shown: string, sample: string) =>
    `('${name}', ${shown}, ${levelCase(metric, value)}, ${sample})`;
  return table(
    'Performance levels',
    `Each metric over the range with its level in ${DEFAULT_BENCHMARK_SET.report} (${DEFAULT_BENCHMARK_SET.id}) and the sample it rests on.`,
    { w: 12, h: 7 },
  ).withTarget(
    sqlQuery(`
      SELECT m.metric AS "Metric", m.value AS "Value", m.level AS "Level", m.sample AS "Sample"
      FROM ${REPORT} r
      CROSS JOIN LATERAL (VALUES
        ${row('deploymentFrequency', 'Deployment frequency', 'r.deployments_per_day', `round(r.deployments_per_day::numeric, 2) || ' per day'`, 'r.deployments')},
        ${row('changeLeadTime', 'Change lead time (p50)', 'r.lead_time_p50_seconds', DURATION('r.lead_time_p50_seconds'), 'r.lead_times')},
        ${row('changeFailureRate', 'Change failure rate', 'r.change_failure_rate', PERCENT('r.change_failure_rate'), 'r.deployments')},
        ${row('failedDeploymentRecoveryTime', 'Failed deployment recovery time (p50)', 'r.recovery_p50_seconds', DURATION('r.recovery_p50_seconds'), 'r.recoveries')},
        ${row('deploymentReworkRate', 'Deployment rework rate', 'r.rework_rate', PERCENT('r.rework_rate'), 'r.deployments')}
      ) AS m(metric, value, level, sample)
      WHERE r.scope = 'WINDOW'`),
  );
}

/** SQL of the Quick Check answer (1-6) of a p50 duration or of deployments per day. */
const durationAnswerSql = (v: string) =>
  `CASE WHEN ${v} IS NULL THEN NULL ${DURATION_STEPS.map((s) => `WHEN ${v} ${s.below !== undefined ? `< ${s.below}` : `<= ${s.atMost}`} THEN ${s.answer}`).join(' ')} ELSE 1 END`;
const frequencyAnswerSql = (v: string) =>
  `CASE WHEN ${v} IS NULL THEN NULL ${FREQUENCY_STEPS.map((s) => `WHEN ${v} >= ${s.min} THEN ${s.answer}`).join(' ')} ELSE 1 END`;
const answerScoreSql = (answer: string) => `((${answer}) - 1) * 2.0`;
const percentageScoreSql = (ratio: string) => `10 - LEAST(100, GREATEST(0, 100 * ${ratio})) / 10.0`;
/** The mean of the scores that exist, as quick-check.rule.ts takes it (NULL when none does). */
const meanSql = (...scores: string[]) =>
  `(${scores.map((x) => `COALESCE(${x}, 0)`).join(' + ')}) / NULLIF(${scores.map((x) => `(${x} IS NOT NULL)::int`).join(' + ')}, 0)`;

/**
 * The window of `report` (a dora_report(...) call) scored with the DORA Quick Check 2025: one row
 * per metric and per factor with its score and the industry mean, in the order shown.
 */
export function quickCheckSql(report: string): string {
  const m = QUICK_CHECK_2025.industryMeans;
  const row = (order: number, name: string, score: string, mean: number) =>
    `(${order}, '${name}', ${score}, ${mean})`;
  return `
    WITH s AS (
      SELECT ${answerScoreSql(frequencyAnswerSql('deployments_per_day'))} AS df,
             ${answerScoreSql(durationAnswerSql('lead_time_p50_seconds'))} AS lt,
             ${answerScoreSql(durationAnswerSql('recovery_p50_seconds'))} AS rt,
             ${percentageScoreSql('change_failure_rate')} AS cfr,
             ${percentageScoreSql('rework_rate')} AS rw
      FROM ${report}
      WHERE scope = 'WINDOW'
    )
    SELECT q.metric AS "Metric", round(q.score::numeric, 2) AS "Score (0-10)",
           round(q.mean::numeric, 2) AS "${QUICK_CHECK_2025.industry}"
    FROM s CROSS JOIN LATERAL (VALUES
      ${row(1, 'Deployment frequency', 's.df', m.deploymentFrequency.mean)},
      ${row(2, 'Change lead time', 's.lt', m.changeLeadTime.mean)},
      ${row(3, 'Failed deployment recovery time', 's.rt', m.failedDeploymentRecoveryTime.mean)},
      ${row(4, 'Change failure rate', 's.cfr', m.changeFailureRate.mean)},
      ${row(5, 'Deployment rework rate', 's.rw', m.deploymentReworkRate.mean)},
      ${row(6, 'Throughput', meanSql('s.lt', 's.df', 's.rt'), m.throughput.mean)},
      ${row(7, 'Stability', meanSql('s.cfr', 's.rw'), m.stability.mean)},
      ${row(8, 'Performance', meanSql('s.lt', 's.df', 's.rt', 's.cfr', 's.rw'), m.performance.mean)}
    ) AS q(ord, metric, score, mean)
    ORDER BY q.ord`;
}

function quickCheck() {
  return table(
    `${QUICK_CHECK_2025.title}`,
    `Each metric over the range scored 0-10 (10 the best) as the DORA Quick Check scores it (${QUICK_CHECK_2025.id}), and the three factors, beside DORA's ${QUICK_CHECK_2025.industry.toLowerCase()} means. See docs/dora.md, "Quick Check scores".`,
    { w: 12, h: 9 },
  ).withTarget(sqlQuery(quickCheckSql(REPORT)));
}

/** Time between production deployments and batch size over the range (dora_flow_figures). */
export const FLOW_SQL = `SELECT q.figure, q.p50, q.p90, q.sample
  FROM dora_flow_figures($__timeFrom(), $__timeTo(), \${environment:sqlstring}, ${sqlArray('service')}, ${sqlArray('team')}) f,
  LATERAL (VALUES
    (1, 'Time between deployments (hours)', round((f.interval_p50_seconds / 3600)::numeric, 1),
        round((f.interval_p90_seconds / 3600)::numeric, 1), f.intervals || ' gaps'),
    (2, 'Batch size (changes)', f.batch_changes_p50::numeric, f.batch_changes_p90::numeric,
        f.batches || ' deployments, ' || f.deployments_without_changes || ' without a new change'),
    (3, 'Batch size (pull requests)', f.batch_pull_requests_p50::numeric,
        f.batch_pull_requests_p90::numeric, f.batches || ' deployments')
  ) AS q(ord, figure, p50, p90, sample)
  ORDER BY q.ord`;

function flow() {
  return table(
    'Time between deployments and batch size',
    'Two figures DORA publishes beside the five metrics: the time between consecutive successful deployments of each service, and how many changes (and pull requests) each deployment shipped for the first time. See docs/dora.md, "Flow figures".',
    { w: 12, h: 6 },
  ).withTarget(sqlQuery(FLOW_SQL));
}

/** Where change lead time goes over the range (dora_lead_time_stages), in hours. */
export const STAGES_SQL = `SELECT initcap(s.stage) AS stage, round((s.p50_seconds / 3600)::numeric, 2) AS p50_hours,
    round((s.p90_seconds / 3600)::numeric, 2) AS p90_hours, s.samples
  FROM dora_lead_time_stages($__timeFrom(), $__timeTo(), \${environment:sqlstring}, ${sqlArray('service')}, ${sqlArray('team')}) s`;

function leadTimeStages() {
  return table(
    'Lead-time stages (hours)',
    'Where change lead time goes: coding (first commit to pull request opened), review (opened to merged), waiting (merged to the start of the deployment that first shipped it), deploying (start to finish). Samples: pull requests, deployments for deploying. See docs/dora.md, "Lead-time stages".',
    { w: 12, h: 6 },
  ).withTarget(sqlQuery(STAGES_SQL));
}

function dataQuality() {
  return table(
    'Sample and exclusions',
    'What the figures rest on: lead times counted and excluded (with reasons, unknown paths of monorepo commits among them), changesets known, failures and rework resting on inference alone, incidents attributed to a deployment.',
    { w: 12, h: 7 },
  ).withTarget(
    sqlQuery(`
      SELECT lead_times AS "lead times",
             excluded_no_predecessor AS "excluded: no predecessor",
             excluded_already_deployed AS "excluded: already deployed",
             excluded_rollback AS "excluded: rollback",
             excluded_no_start_time AS "excluded: no start time",
             excluded_negative AS "excluded: negative",
             excluded_unknown_paths AS "excluded: unknown paths",
             excluded_other AS "excluded: other",
             deployments_not_reached AS "deployments that never reached users",
             changeset_known_share AS "changeset known",
             failed_inferred AS "failed: inferred only",
             reworked_inferred AS "rework: inferred only",
             incidents AS "incidents",
             incident_attributed_share AS "incidents attributed",
             definition_version AS "definition"
      FROM ${REPORT}
      WHERE scope = 'WINDOW'`),
  );
}

function deploymentsTrend() {
  return bars(
    'Deployments per ${granularity}',
    'Deployments that reached users, and those that never did (failed or cancelled), per calendar bucket in ${timezone}.',
    'none',
  ).withTarget(
    sqlQuery(
      `
      SELECT bucket_start AS "time", deployments AS "reached users",
             deployments_not_reached AS "never reached users"
      FROM ${REPORT}
      WHERE scope = 'BUCKET'
      ORDER BY 1`,
      'time_series',
    ),
  );
}

function leadTimeTrend() {
  return timeseries(
    'Change lead time per ${granularity}',
    'Lead time percentiles of the changes deployed in each bucket.',
    'dtdurations',
  ).withTarget(
    sqlQuery(
      `
      SELECT bucket_start AS "time", lead_time_p50_seconds AS "p50",
             lead_time_p75_seconds AS "p75", lead_time_p90_seconds AS "p90"
      FROM ${REPORT}
      WHERE scope = 'BUCKET'
      ORDER BY 1`,
      'time_series',
    ),
  );
}

function failureTrend() {
  return timeseries(
    'Change failure and rework rate per ${granularity}',
    'Change failure rate (with and without suspected failures) and deployment rework rate per bucket.',
    'percentunit',
  ).withTarget(
    sqlQuery(
      `
      SELECT bucket_start AS "time", change_failure_rate AS "change failure rate",
             change_failure_rate_with_suspected AS "incl. suspected",
             rework_rate AS "rework rate"
      FROM ${REPORT}
      WHERE scope = 'BUCKET'
      ORDER BY 1`,
      'time_series',
    ),
  );
}

function recoveryTrend() {
  return timeseries(
    'Recovery time per ${granularity}',
    'Failed deployment recovery time percentiles of the recoveries in each bucket.',
    'dtdurations',
  ).withTarget(
    sqlQuery(
      `
      SELECT bucket_start AS "time", recovery_p50_seconds AS "p50", recovery_p90_seconds AS "p90"
      FROM ${REPORT}
      WHERE scope = 'BUCKET'
      ORDER BY 1`,
      'time_series',
    ),
  );
}

function byService() {
  return table(
    'By service',
    'Each service’s figures over the range (dora_service_summary).',
  ).withTarget(
    sqlQuery(`
      SELECT s.service AS "service", s.team AS "team", s.deployments AS "deployments",
             s.deployments_per_day AS "per day",
             ${levelCase('deploymentFrequency', 's.deployments_per_day')} AS "frequency level",
             s.lead_time_p50_seconds AS "lead time p50 (s)",
             ${levelCase('changeLeadTime', 's.lead_time_p50_seconds')} AS "lead time level",
             s.change_failure_rate AS "change failure rate",
             ${levelCase('changeFailureRate', 's.change_failure_rate')} AS "failure level",
             s.recovery_p50_seconds AS "recovery p50 (s)",
             ${levelCase('failedDeploymentRecoveryTime', 's.recovery_p50_seconds')} AS "recovery level",
             s.rework_rate AS "rework rate"
      FROM dora_service_summary($__timeFrom(), $__timeTo(), \${environment:sqlstring}, ${sqlArray('attribution')}) s
      WHERE s.service_id = ANY (coalesce(dora_scope_services(${sqlArray('service')}, ${sqlArray('team')}), ARRAY[s.service_id]))
      ORDER BY s.service`),
  );
}

function failedDeployments() {
  return table(
    'Failed deployments',
    'Deployments counted as failures in the range, with the evidence and their recovery.',
  ).withTarget(
    sqlQuery(`
      SELECT f.finished_at AS "finished", f.service AS "service", f.team AS "team",
             f.external_id AS "deployment", array_to_string(f.failure_evidence, ', ') AS "evidence",
             f.failure_attribution AS "attribution", f.recovered_at AS "recovered", f.recovery_seconds AS "recovery (s)"
      FROM dora_failed_deployments f
      JOIN deployments d ON d.id = f.deployment_id
      WHERE $__timeFilter(f.finished_at)
        AND f.tier = \${environment:sqlstring}
        AND (cardinality(${sqlArray('attribution')}) = 0 OR f.failure_attribution = ANY (${sqlArray('attribution')}))
        AND d.service_id = ANY (coalesce(dora_scope_services(${sqlArray('service')}, ${sqlArray('team')}), ARRAY[d.service_id]))
      ORDER BY f.finished_at DESC`),
  );
}

export function doraOverviewDashboard(): DashboardBuilder {
  return new DashboardBuilder('DORA overview')
    .uid('shipwatch-dora')
    .description(
      'The five DORA metrics with their performance levels and trends, per team, service and environment tier',
    )
    .tags([...GENERATED_TAGS, 'dora'])
    .time({ from: 'now-90d', to: 'now' })
    .refresh('5m')
    .timezone('browser')
    .tooltip(DashboardCursorSync.Crosshair)
    .readonly()
    .withVariable(
      sqlVariable(
        'team',
        'Team',
        // Every team, also one that no longer owns a service: its history stays its own.
        'SELECT name FROM teams ORDER BY 1',
        'NULL',
      ),
    )
    .withVariable(
      sqlVariable(
        'service',
        'Service',
        `
        SELECT s.name FROM services s
         WHERE cardinality(${sqlArray('team')}) = 0
            OR EXISTS (SELECT 1 FROM service_owners o
                       WHERE o.service_id = s.id AND o.team = ANY (${sqlArray('team')}))
         ORDER BY 1`,
        'NULL',
      ),
    )
    .withVariable(
      customVariable(
        'environment',
        'Environment tier',
        ['production', 'staging', 'testing', 'development'],
        'production',
      ),
    )
    .withVariable(
      multiCustomVariable(
        'attribution',
        'Failures attributed',
        ['EXPLICIT', 'CONFIRMED', 'INFERRED'],
        'NULL',
      ),
    )
    .withVariable(customVariable('granularity', 'Trend per', ['day', 'week', 'month'], 'week'))
    .withVariable(textVariable('timezone', 'Timezone (IANA)', 'UTC'))
    .withRow(new RowBuilder('The range at a glance'))
    .withPanel(deploymentFrequency())
    .withPanel(leadTime())
    .withPanel(changeFailureRate())
    .withPanel(recoveryTime())
    .withPanel(reworkRate())
    .withPanel(levels())
    .withPanel(dataQuality())
    .withPanel(quickCheck())
    .withPanel(flow())
    .withPanel(leadTimeStages())
    .withRow(new RowBuilder('Trends'))
    .withPanel(deploymentsTrend())
    .withPanel(leadTimeTrend())
    .withPanel(failureTrend())
    .withPanel(recoveryTrend())
    .withRow(new RowBuilder('Services and failures'))
    .withPanel(byService())
    .withPanel(failedDeployments());
}
