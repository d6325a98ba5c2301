/**
 * The SignalSource of live verifications and backtests: renders the policy's templates for one
 * release and side and asks Prometheus (a backtest simply asks for past instants). Counters are
 * read per series at an instant as their last sample within COUNTER_LOOKBACK_SECONDS
 * (`last_over_time` around every selector: a target that missed scrapes keeps its last value);
 * the rest of the counting is counter-reading.ts. Query errors become coded failures, never
 * exceptions, so that a broken Prometheus leads to INCONCLUSIVE and not to a failed tick run.
 * Answers are memoised per instance (a tick's windows share boundaries; a backtest's ticks too).
 */
import type {
  CounterPart,
  Failure,
  ScrapeSamples,
  Side,
  SignalSource,
  Sourced,
  SourcedValue,
} from './analysis/counter-reading.js';
import { FUTURE_TOLERANCE_SECONDS, SCRAPE_PROBE_SECONDS } from './analysis/counter-reading.js';
import { seriesKey, type SeriesValue } from './analysis/counter.rule.js';
import type { CheckReading } from './analysis/tick.rule.js';
import { seconds, type TimeRange } from './analysis/window.rule.js';
import {
  busiestSeriesQuery,
  counterTemplate,
  freshSeriesQuery,
  lastValueQuery,
  rawSamplesQuery,
  withTargetMatcher,
} from './counter-template.rule.js';
import {
  PrometheusQueryError,
  PrometheusUnavailableError,
  type InstantResult,
  type PrometheusClient,
} from './prometheus.client.js';
import {
  renderTemplate,
  TemplateError,
  type SliSpec,
  type TemplateContext,
  type ThresholdCheckSpec,
} from './verification-policy.js';

export interface ReleaseIdentity {
  readonly service: string;
  readonly namespace: string;
  readonly environment: string;
  readonly version: string | null;
  readonly previousVersion: string | null;
  /** The version of the pre-deploy baseline (null: every version). */
  readonly preDeployVersion: string | null;
  /**
   * A wave of a multi-target release: every query, of either side, reads only the series whose
   * `label` is `value` (the policy's targetLabel and the deployment's target). Absent: every series.
   */
  readonly target?: { readonly label: string; readonly value: string } | null;
}

/** Where a verification's queries are scoped: the policy's target label and the target. */
export const targetScope = (
  targetLabel: string | null | undefined,
  target: string | null | undefined,
): ReleaseIdentity['target'] =>
  targetLabel && target ? { label: targetLabel, value: target } : null;

function failure(error: unknown): Failure {
  if (error instanceof PrometheusQueryError) {
    return {
      kind: 'ERROR',
      code: 'QUERY_FAILED',
      message: `query error (${error.errorType}): ${error.message}`,
    };
  }
  if (error instanceof PrometheusUnavailableError) {
    return { kind: 'ERROR', code: 'PROMETHEUS_UNAVAILABLE', message: error.message };
  }
  if (error instanceof TemplateError) {
    return { kind: 'ERROR', code: 'TEMPLATE', message: `template: ${error.message}` };
  }
  throw error;
}

class LegacyTemplate extends Error {}

/** The label seriesCounts gives each SLI's count (its index). */
const SLI_INDEX = 'shipwatch_sli';

const at = (d: Date, plusSeconds: number): Date => new Date(d.getTime() + plusSeconds * 1000);

export class PrometheusSignalSource implements SignalSource {
  private readonly memo = new Map<string, Promise<InstantResult>>();

  constructor(
    private readonly client: PrometheusClient,
    private readonly release: ReleaseIdentity,
  ) {}

  /** Whose version a side measures (null: every version, `{{versionRegex}}` = `.*`). */
  private version(side: Side | 'CHECK' | 'EVERY'): string | null {
    const r = this.release;
    // CANARY measures the new version, BASELINE the previous one beside it, PRE_DEPLOY the
    // version before the anchor (unknown = every version, which was then only that one).
    switch (side) {
      case 'CANARY':
      case 'CHECK':
        return r.version;
      case 'BASELINE':
        return r.previousVersion;
      case 'PRE_DEPLOY':
        return r.preDeployVersion;
      case 'EVERY':
        return null;
    }
  }

  private context(side: Side | 'CHECK' | 'EVERY', windowSeconds = 0): TemplateContext {
    const r = this.release;
    return {
      service: r.service,
      namespace: r.namespace,
      environment: r.environment,
      version: this.version(side),
      previousVersion: r.previousVersion,
      windowSeconds,
    };
  }

  get scope(): string | undefined {
    const t = this.release.target;
    return t ? `${t.label}="${t.value}"` : undefined;
  }

  /** A rendered expression scoped to the release's target, when it has one. */
  private scoped(expr: string): string {
    const t = this.release.target;
    return t ? withTargetMatcher(expr, t.label, t.value) : expr;
  }

  /** The SLI's counter expression for a side, rendered (earlier forms converted). */
  private counter(sli: SliSpec, part: CounterPart, side: Side | 'EVERY'): string {
    const t = counterTemplate(part === 'total' ? sli.totalQuery : sli.badQuery);
    if (t.kind === 'LEGACY') throw new LegacyTemplate(t.message);
    const rendered = this.scoped(renderTemplate(t.template, this.context(side)));
    return t.kind === 'CONVERTED'
      ? `# converted from an increase() template\n${rendered}`
      : rendered;
  }

  private query(expr: string, time: Date): Promise<InstantResult> {
    const key = `${time.getTime()}\u0000${expr}`;
    let answer = this.memo.get(key);
    if (!answer) {
      answer = this.client.query(expr, time);
      this.memo.set(key, answer);
    }
    return answer;
  }

  private async sourced<T>(
    queries: string[],
    read: (queries: string[]) => Promise<T>,
  ): Promise<Sourced<T>> {
    try {
      return { result: await read(queries), queries };
    } catch (error) {
      if (error instanceof LegacyTemplate) {
        return {
          result: { kind: 'ERROR', code: 'LEGACY_TEMPLATE', message: error.message },
          queries,
        };
      }
      return { result: failure(error), queries };
    }
  }

  lastValues(
    sli: SliSpec,
    part: CounterPart,
    side: Side,
    time: Date,
  ): Promise<Sourced<readonly SeriesValue[]>> {
    return this.sourced([], async (queries) => {
      const query = lastValueQuery(this.counter(sli, part, side));
      queries.push(query);
      const result = await this.query(query, time);
      if (result.type === 'scalar') return [{ series: '{}', value: result.value }];
      return result.samples.map((s) => ({ series: seriesKey(s.labels), value: s.value }));
    });
  }

  freshSeries(sli: SliSpec, side: Side, range: TimeRange): Promise<Sourced<number>> {
    return this.fresh(sli, side, range);
  }

  seriesCount(sli: SliSpec, range: TimeRange): Promise<Sourced<number>> {
    return this.fresh(sli, 'EVERY', range);
  }

  /**
   * seriesCount of several SLIs in one query, each count labelled with its SLI's index and
   * joined with `or`: the default SLIs' families are looked up at every tick of a verification,
   * and one request costs Prometheus and Shipwatch a quarter of four.
   */
  async seriesCounts(slis: readonly SliSpec[], range: TimeRange): Promise<Sourced<number>[]> {
    const { result, queries } = await this.sourced([], async (queries) => {
      const counts = slis.map(() => 0);
      const parts = slis.flatMap((sli, i) => {
        const query = freshSeriesQuery(this.counter(sli, 'total', 'EVERY'), seconds(range));
        return query === null ? [] : [`label_replace(${query}, "${SLI_INDEX}", "${i}", "", "")`];
      });
      if (parts.length === 0) return counts;
      const query = parts.join(' or ');
      queries.push(query);
      const answer = await this.query(query, range.end);
      if (answer.type !== 'vector') return counts;
      for (const sample of answer.samples) {
        const i = Number(sample.labels[SLI_INDEX]);
        if (Number.isInteger(i) && i < counts.length && !Number.isNaN(sample.value)) {
          counts[i] = sample.value;
        }
      }
      return counts;
    });
    return slis.map((_, i) => ({ result: Array.isArray(result) ? result[i] : result, queries }));
  }

  private fresh(sli: SliSpec, side: Side | 'EVERY', range: TimeRange): Promise<Sourced<number>> {
    return this.sourced([], async (queries) => {
      const query = freshSeriesQuery(this.counter(sli, 'total', side), seconds(range));
      if (query === null) return 0;
      queries.push(query);
      return (await this.client.value(query, range.end)) ?? 0;
    });
  }

  /**
   * The busiest total series of every version (a template that needs `{{version}}` itself: the
   * new version's), its raw samples over the probe range, and the samples stamped more than
   * FUTURE_TOLERANCE_SECONDS after `now` (up to an hour ahead).
   */
  scrape(sli: SliSpec, time: Date, now: Date): Promise<Sourced<ScrapeSamples>> {
    return this.sourced([], async (queries) => {
      let total: string;
      try {
        total = this.counter(sli, 'total', 'EVERY');
      } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
        total = this.counter(sli, 'total', 'CANARY');
      }
      const busiest = busiestSeriesQuery(total, SCRAPE_PROBE_SECONDS);
      const ahead = freshSeriesQuery(total, 3600);
      const [top, future] = await Promise.all([
        busiest === null ? null : this.query(busiest, time),
        ahead === null ? null : this.client.value(ahead, at(now, 3600 + FUTURE_TOLERANCE_SECONDS)),
      ]);
      queries.push(...[busiest, ahead].filter((q): q is string => q !== null));
      const labels = top?.type === 'vector' ? top.samples[0]?.labels : undefined;
      let samples: { t: number; v: number }[] = [];
      if (labels) {
        const raw = rawSamplesQuery(labels, SCRAPE_PROBE_SECONDS);
        queries.push(raw);
        const [series] = await this.client.rawSamples(raw, time);
        samples = (series?.points ?? []).map((p) => ({ t: p.time.getTime() / 1000, v: p.value }));
      }
      return { samples, futureSamples: future ?? 0 };
    });
  }

  async value(check: ThresholdCheckSpec, range: TimeRange): Promise<SourcedValue> {
    const queries: string[] = [];
    try {
      const query = this.scoped(renderTemplate(check.query, this.context('CHECK', seconds(range))));
      queries.push(query);
      const value = await this.client.value(query, range.end, true);
      const reading: CheckReading = value === null ? { kind: 'NO_DATA' } : { kind: 'OK', value };
      return { reading, queries };
    } catch (error) {
      const f = failure(error);
      return { reading: { kind: 'ERROR', message: f.message }, queries };
    }
  }
}
