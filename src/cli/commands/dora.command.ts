/** `shipwatch dora`: the five DORA metrics as a table, for a window, per bucket or per service. */
import { parseDuration, parseTime, type OptionSpecs } from '../args.js';
import { ExitCode, UsageError } from '../cli.errors.js';
import { defineCommand, type Invocation } from '../command.js';
import {
  DORA_METRICS,
  SERVICES,
  type ServicesPage,
  type DoraFlowView,
  type DoraMetricsView,
  type DoraPeriodView,
  type QuickCheckFigureView,
  type QuickCheckView,
} from '../operations.js';
import { formatDuration, formatNumber, formatPercent, renderTable } from '../output.js';

const TIERS = ['production', 'staging', 'testing', 'development'] as const;
const GRANULARITIES = ['day', 'week', 'month'] as const;

const DORA_OPTIONS = {
  service: {
    type: 'string',
    short: 's',
    multiple: true,
    placeholder: '<name>',
    description: 'Only this service (name or namespace/name)',
  },
  team: {
    type: 'string',
    multiple: true,
    placeholder: '<team>',
    description: 'Only this team’s services',
  },
  environment: {
    type: 'string',
    short: 'e',
    placeholder: '<tier>',
    choices: TIERS,
    description: 'Environment tier (default production)',
  },
  since: {
    type: 'string',
    placeholder: '<duration|time>',
    description:
      'Start of the window: a duration back from --until (30d, 12w) or a time (default 30d)',
  },
  until: { type: 'string', placeholder: '<time>', description: 'End of the window (default now)' },
  timezone: {
    type: 'string',
    placeholder: '<tz>',
    description: 'IANA timezone of the buckets (default UTC)',
  },
  granularity: {
    type: 'string',
    placeholder: '<g>',
    choices: GRANULARITIES,
    description: 'Bucket size for --buckets (default week)',
  },
  buckets: {
    type: 'boolean',
    description: 'One row per calendar bucket instead of the five metrics',
  },
  'by-service': { type: 'boolean', description: 'One row per service' },
} as const satisfies OptionSpecs;

/** `30d`, `12w`, `6h`, `90m` as seconds, or null when it is not such a duration. */
function backDuration(value: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(w|d)$/.exec(value.trim());
  if (m) return Number(m[1]) * (m[2] === 'w' ? 7 : 1) * 86400;
  if (/^\d/.test(value.trim()) && !/^\d{4}-/.test(value.trim())) {
    return parseDuration('--since', value);
  }
  return null;
}

export function windowOf(
  since: string | undefined,
  until: string | undefined,
  now: Date,
): { from: Date; to: Date } {
  const to = until ? parseTime('--until', until, now) : now;
  const raw = since ?? '30d';
  const back = backDuration(raw);
  const from =
    back !== null ? new Date(to.getTime() - back * 1000) : parseTime('--since', raw, now);
  if (from.getTime() >= to.getTime()) throw new UsageError('--since must be before --until');
  return { from, to };
}

const level = (l: string | null): string => l ?? '-';
const why = (reason: string | null): string =>
  reason ? reason.toLowerCase().replace(/_/g, ' ') : '-';

/** A Quick Check score out of 10 beside the industry mean: "8.0 (6.0)". */
const quick = (f: QuickCheckFigureView): string =>
  `${f.score === null ? '-' : f.score.toFixed(1)} (${f.industryMean.toFixed(1)})`;

export function metricRows(
  p: DoraPeriodView,
  q: QuickCheckView,
): { metric: string; value: string; level: string; quick: string; sample: string }[] {
  const df = p.deploymentFrequency;
  const lt = p.changeLeadTime;
  const cfr = p.changeFailureRate;
  const rt = p.failedDeploymentRecoveryTime;
  const rw = p.deploymentReworkRate;
  return [
    {
      metric: 'Deployment frequency',
      value:
        df.perDay === null
          ? why(df.reason)
          : `${formatNumber(df.perDay)}/day (${formatNumber(df.perWeek)}/week)`,
      level: level(df.level),
      quick: quick(q.deploymentFrequency),
      sample: `${df.deployments} deployments on ${df.deploymentDays} days${df.notReachedUsers ? `; ${df.notReachedUsers} never reached users` : ''}`,
    },
    {
      metric: 'Change lead time',
      value:
        lt.p50Seconds === null
          ? why(lt.reason)
          : `p50 ${formatDuration(lt.p50Seconds)}, p90 ${formatDuration(lt.p90Seconds)}`,
      level: level(lt.level),
      quick: quick(q.changeLeadTime),
      sample: `${lt.count} changes${lt.excluded ? ` (${lt.excluded} excluded: ${lt.exclusions.map((e) => `${e.count} ${e.reason}`).join(', ')})` : ''}`,
    },
    {
      metric: 'Change failure rate',
      value: cfr.ratio === null ? why(cfr.reason) : formatPercent(cfr.ratio),
      level: level(cfr.level),
      quick: quick(q.changeFailureRate),
      sample: `${cfr.failed} of ${cfr.total} deployments${cfr.suspected ? ` (+${cfr.suspected} suspected)` : ''}`,
    },
    {
      metric: 'Failed deployment recovery time',
      value:
        rt.p50Seconds === null
          ? why(rt.reason)
          : `p50 ${formatDuration(rt.p50Seconds)}, p90 ${formatDuration(rt.p90Seconds)}`,
      level: level(rt.level),
      quick: quick(q.failedDeploymentRecoveryTime),
      sample: `${rt.count} recoveries${rt.failedNotRecovered ? `; ${rt.failedNotRecovered} not recovered yet` : ''}`,
    },
    {
      metric: 'Deployment rework rate',
      value: rw.ratio === null ? why(rw.reason) : formatPercent(rw.ratio),
      level: level(rw.level),
      quick: quick(q.deploymentReworkRate),
      sample: `${rw.reworked} of ${rw.total} deployments`,
    },
  ];
}

/** The flow figures as one sentence: time between deployments and batch size. */
export function describeFlow(f: DoraFlowView): string {
  const between =
    f.intervals === 0
      ? 'no service deployed twice'
      : `p50 ${formatDuration(f.intervalP50Seconds)}, p90 ${formatDuration(f.intervalP90Seconds)} (${f.intervals} gaps)`;
  const batch =
    f.batches === 0
      ? 'no deployment with a known changeset shipped a change'
      : `p50 ${formatNumber(f.batchChangesP50, 1)} changes (${formatNumber(f.batchPullRequestsP50, 1)} pull requests), p90 ${formatNumber(f.batchChangesP90, 1)} (${formatNumber(f.batchPullRequestsP90, 1)}), over ${f.batches} deployments`;
  const redeploys = f.deploymentsWithoutChanges
    ? `; ${f.deploymentsWithoutChanges} shipped no new change`
    : '';
  const stages = f.leadTimeStages
    .map(
      (s) =>
        `${s.stage.toLowerCase()} ${formatDuration(s.p50Seconds)} (${s.samples} ${s.stage === 'DEPLOYING' ? 'deployments' : 'PRs'})`,
    )
    .join(', ');
  return `Time between deployments: ${between}. Batch size: ${batch}${redeploys}.\nLead-time stages, p50: ${stages}.`;
}

export function renderDora(report: DoraMetricsView): string {
  const s = report.scope;
  const w = report.window;
  const header = `DORA metrics, ${s.environment.toLowerCase()}, ${w.start.slice(0, 10)} to ${w.end.slice(0, 10)} (${formatNumber(w.days, 1)} days, ${s.timezone}); services: ${s.services ? s.services.join(', ') : 'all'}${s.teams ? `; teams: ${s.teams.join(', ')}` : ''}`;
  const q = w.quickCheck;
  const table = renderTable(metricRows(w, q), [
    { header: 'METRIC', value: (r) => r.metric },
    { header: 'VALUE', value: (r) => r.value },
    { header: 'LEVEL', value: (r) => r.level },
    { header: 'QUICK CHECK', value: (r) => r.quick },
    { header: 'SAMPLE', value: (r) => r.sample },
  ]);
  const notes = [
    `Levels: ${report.benchmark.report} (${report.benchmark.year}); definitions ${report.definitionVersion} (docs/dora.md).`,
    `${q.title} (${q.edition}), 0-10 with the ${q.industry.toLowerCase()} mean in brackets: throughput ${quick(q.throughput)}, stability ${quick(q.stability)}, performance ${quick(q.performance)}.`,
    describeFlow(report.flow),
  ];
  if (s.unmatchedServices.length > 0)
    notes.push(`No such service: ${s.unmatchedServices.join(', ')}.`);
  return `${header}\n\n${table}\n${notes.join('\n')}\n`;
}

export function renderBuckets(report: DoraMetricsView): string {
  return renderTable(report.buckets ?? [], [
    { header: report.scope.granularity.toUpperCase(), value: (p) => p.label },
    { header: 'DEPLOYS', value: (p) => p.deploymentFrequency.deployments },
    { header: 'LEAD P50', value: (p) => formatDuration(p.changeLeadTime.p50Seconds) },
    { header: 'CFR', value: (p) => formatPercent(p.changeFailureRate.ratio), align: 'right' },
    {
      header: 'RECOVERY P50',
      value: (p) => formatDuration(p.failedDeploymentRecoveryTime.p50Seconds),
      align: 'right',
    },
    { header: 'REWORK', value: (p) => formatPercent(p.deploymentReworkRate.ratio), align: 'right' },
  ]);
}

interface ServiceRow {
  readonly service: string;
  readonly report: DoraMetricsView;
}

export function renderByService(rows: readonly ServiceRow[]): string {
  return renderTable(rows, [
    { header: 'SERVICE', value: (r) => r.service },
    {
      header: 'DEPLOYS/DAY',
      value: (r) => formatNumber(r.report.window.deploymentFrequency.perDay),
      align: 'right',
    },
    {
      header: 'LEAD P50',
      value: (r) => formatDuration(r.report.window.changeLeadTime.p50Seconds),
      align: 'right',
    },
    {
      header: 'CFR',
      value: (r) => formatPercent(r.report.window.changeFailureRate.ratio),
      align: 'right',
    },
    {
      header: 'RECOVERY P50',
      value: (r) => formatDuration(r.report.window.failedDeploymentRecoveryTime.p50Seconds),
      align: 'right',
    },
    {
      header: 'REWORK',
      value: (r) => formatPercent(r.report.window.deploymentReworkRate.ratio),
      align: 'right',
    },
    {
      header: 'LEVELS (DF/LT/CFR/RT)',
      value: (r) => {
        const w = r.report.window;
        return [
          w.deploymentFrequency.level,
          w.changeLeadTime.level,
          w.changeFailureRate.level,
          w.failedDeploymentRecoveryTime.level,
        ]
          .map((l) => l?.[0] ?? '-')
          .join('/');
      },
    },
  ]);
}

export async function fetchDora(
  inv: Invocation<OptionSpecs>,
  filter: Record<string, unknown>,
  buckets: boolean,
): Promise<DoraMetricsView> {
  const data = await inv
    .client()
    .request<{ doraMetrics: DoraMetricsView }>(DORA_METRICS, { filter, buckets });
  return data.doraMetrics;
}

export const dora = defineCommand({
  path: ['dora'],
  summary: 'Show the DORA metrics as a table',
  description:
    'Deployment frequency, change lead time, change failure rate, failed deployment recovery time and deployment rework rate, with their performance levels and sample sizes.',
  options: DORA_OPTIONS,
  examples: [
    'shipwatch dora',
    'shipwatch dora --since 90d --by-service',
    'shipwatch dora -s checkout --since 12w --buckets --granularity week --timezone Europe/Berlin',
  ],
  async run(inv): Promise<ExitCode> {
    const v = inv.values;
    const { from, to } = windowOf(v.since, v.until, inv.ctx.now());
    const filter = {
      services: v.service.length > 0 ? v.service : null,
      teams: v.team.length > 0 ? v.team : null,
      environment: (v.environment ?? 'production').toUpperCase(),
      from: from.toISOString(),
      to: to.toISOString(),
      timezone: v.timezone ?? 'UTC',
      granularity: (v.granularity ?? 'week').toUpperCase(),
    };
    if (v['by-service']) {
      let names = v.service;
      if (names.length === 0) {
        let after: string | null = null;
        do {
          const page: ServicesPage = await inv.client().request<ServicesPage>(SERVICES, { after });
          names = names.concat(
            page.services.edges
              .map((e) => e.node)
              .filter((s) => v.team.length === 0 || (s.team !== null && v.team.includes(s.team)))
              .map((s) => (s.namespace ? `${s.namespace}/${s.name}` : s.name)),
          );
          after = page.services.pageInfo.hasNextPage ? page.services.pageInfo.endCursor : null;
        } while (after !== null);
      }
      const rows: ServiceRow[] = [];
      for (const service of names) {
        rows.push({
          service,
          report: await fetchDora(inv, { ...filter, services: [service] }, false),
        });
      }
      inv.result(
        renderByService(rows),
        rows.map((r) => ({ service: r.service, ...r.report })),
      );
      return ExitCode.OK;
    }
    const report = await fetchDora(inv, filter, v.buckets === true);
    inv.result(
      v.buckets ? `${renderDora(report)}\n${renderBuckets(report)}` : renderDora(report),
      report,
    );
    return ExitCode.OK;
  },
});
