/**
 * How a tick reads an SLI (docs/verification.md "Counting"), the same code whether the signals
 * come from Prometheus (production, backtests) or the traffic simulator (scenario tests,
 * bench/detection): both answer a SignalSource with Prometheus' semantics, and this file turns
 * what they answer into counts — per-series counter values at the window's two boundaries, added
 * up by counter.rule (exact tiling, resets, new series), a window without any fresh sample told
 * apart from one without traffic (SCRAPE_GAP), and the refresh interval of the counters learnt
 * from the samples themselves.
 */
import type { SliSpec, ThresholdCheckSpec } from '../verification-policy.js';
import {
  counterIncrease,
  increaseByRoute,
  refreshIntervalOf,
  type CounterIncrease,
  type SamplePoint,
  type SeriesValue,
} from './counter.rule.js';
import type { CheckReading, Counts, Reading, ReadingIssue } from './tick.rule.js';
import { seconds, type TimeRange } from './window.rule.js';

/** Whose counts: the new version, the previous version beside it, or before the deploy. */
export type Side = 'CANARY' | 'BASELINE' | 'PRE_DEPLOY';
export type CounterPart = 'total' | 'bad';

export interface Failure {
  readonly kind: 'ERROR';
  readonly code: ReadingIssue;
  readonly message: string;
}

export interface Sourced<T> {
  readonly result: T | Failure;
  /** The PromQL (or a description of the simulated read) behind it, for the evidence. */
  readonly queries: readonly string[];
}

export interface ScrapeSamples {
  /** Raw samples of the busiest counter series (every version) in the probe range. */
  readonly samples: readonly SamplePoint[];
  /** Samples stamped more than FUTURE_TOLERANCE_SECONDS after the present. */
  readonly futureSamples: number;
}

/** How far back the refresh interval is learnt from. */
export const SCRAPE_PROBE_SECONDS = 600;
/** Clock skew tolerated between Shipwatch, Prometheus and the exporters. */
export const FUTURE_TOLERANCE_SECONDS = 60;

/**
 * Prometheus' answers about an SLI's counters. Implemented by PrometheusSignalSource (queries)
 * and TrafficSimulator (the same semantics over simulated scrapes).
 */
export interface SignalSource {
  /**
   * The SLI's total or bad counter expression for a side at `at`, per series: each series' last
   * sample at or before `at`, looked for up to COUNTER_LOOKBACK_SECONDS back, stale or not.
   */
  lastValues(
    sli: SliSpec,
    part: CounterPart,
    side: Side,
    at: Date,
  ): Promise<Sourced<readonly SeriesValue[]>>;
  /** How many counter series of the SLI's total have a sample in the range. */
  freshSeries(sli: SliSpec, side: Side, range: TimeRange): Promise<Sourced<number>>;
  /** The busiest series' samples in the SCRAPE_PROBE_SECONDS before `at`; samples after `now`. */
  scrape(sli: SliSpec, at: Date, now: Date): Promise<Sourced<ScrapeSamples>>;
  /** A threshold check's value over the range (Prometheus instant query at its end). */
  value(check: ThresholdCheckSpec, range: TimeRange): Promise<SourcedValue>;
  /**
   * The series every query is limited to, in words (`region="eu-west-1"`: a wave of a
   * multi-target release); absent: every series of the service.
   */
  readonly scope?: string;
}

export interface SourcedReading {
  readonly reading: Reading;
  readonly queries: readonly string[];
  /** What the counting noticed (resets, new series, no fresh sample yet), for the evidence. */
  readonly notes: readonly string[];
  /** The total's series read at the window end (to tell whether two sides overlap). */
  readonly series: readonly string[];
  /**
   * The counts of each `http_route` (OK readings whose series carry the label; otherwise absent):
   * the same per-series increments, grouped by route instead of added up.
   */
  readonly routes?: ReadonlyMap<string, Counts>;
}

export interface SourcedValue {
  readonly reading: CheckReading;
  readonly queries: readonly string[];
}

const isFailure = <T>(r: T | Failure): r is Failure =>
  typeof r === 'object' && r !== null && (r as Failure).kind === 'ERROR';

const failed = (f: Failure, queries: readonly string[]): SourcedReading => ({
  reading: { kind: 'ERROR', code: f.code, message: f.message },
  queries,
  notes: [],
  series: [],
});

const unique = (xs: readonly string[]): string[] => [...new Set(xs)];

/** The `or vector(0)` placeholder: never a counter series of its own. */
const PLACEHOLDER = '{}';

function describe(part: string, c: CounterIncrease): string[] {
  const list = (keys: readonly string[]) =>
    keys.length <= 3
      ? keys.join(', ')
      : `${keys.slice(0, 3).join(', ')} and ${keys.length - 3} more`;
  const notes: string[] = [];
  if (c.resets.length > 0) {
    notes.push(
      `COUNTER_RESET: ${c.resets.length} ${part} series restarted from 0 in the window (counted from 0; what they gained before the restart is not): ${list(c.resets)}`,
    );
  }
  const appeared = c.appeared.filter((k) => k !== PLACEHOLDER);
  const vanished = c.vanished.filter((k) => k !== PLACEHOLDER);
  if (appeared.length > 0) {
    notes.push(`NEW_SERIES: ${appeared.length} ${part} series new in the window, counted from 0`);
  }
  if (vanished.length > 0) {
    notes.push(
      `VANISHED_SERIES: ${vanished.length} ${part} series silent for over an hour, not counted: ${list(vanished)}`,
    );
  }
  return notes;
}

/**
 * An SLI's counts on one side over a window: the per-series values at both boundaries, what each
 * series gained added up. A window where the total gained nothing is checked for fresh samples:
 * none for two refresh intervals or more is a SCRAPE_GAP (no data, not "0 requests"); a shorter
 * one simply has no new sample yet (0 events, the data gate merges it into the next window).
 */
export async function readCounts(
  source: SignalSource,
  sli: SliSpec,
  side: Side,
  range: TimeRange,
  refreshIntervalSeconds: number | null,
): Promise<SourcedReading> {
  const [t0, t1, b0, b1] = await Promise.all([
    source.lastValues(sli, 'total', side, range.start),
    source.lastValues(sli, 'total', side, range.end),
    source.lastValues(sli, 'bad', side, range.start),
    source.lastValues(sli, 'bad', side, range.end),
  ]);
  const queries = unique([...t1.queries, ...b1.queries]);
  for (const r of [t0, t1, b0, b1]) if (isFailure(r.result)) return failed(r.result, queries);
  const [totalStart, totalEnd, badStart, badEnd] = [t0, t1, b0, b1].map(
    (r) => r.result as readonly SeriesValue[],
  );
  const none = (reading: Reading): SourcedReading => ({ reading, queries, notes: [], series: [] });
  if (totalStart.length === 0 && totalEnd.length === 0) {
    return none({ kind: 'NO_DATA', code: 'NO_SERIES', message: 'no series' });
  }
  if (badStart.length === 0 && badEnd.length === 0) {
    return none({
      kind: 'NO_DATA',
      code: 'NO_BAD_SERIES',
      message:
        'the bad-event query returns no series (end it with `or vector(0)` if none means no bad event)',
    });
  }
  const total = counterIncrease(totalStart, totalEnd);
  const bad = counterIncrease(badStart, badEnd);
  const notes = [...describe('total', total), ...describe('bad', bad)];
  if (total.increase === 0) {
    const fresh = await source.freshSeries(sli, side, range);
    queries.push(...fresh.queries);
    if (isFailure(fresh.result)) return failed(fresh.result, queries);
    if (fresh.result === 0) {
      const length = seconds(range);
      const refresh = refreshIntervalSeconds;
      if (refresh !== null && length >= 2 * refresh) {
        return none({
          kind: 'NO_DATA',
          code: 'SCRAPE_GAP',
          message: `no sample in the ${length}s window while the counters refresh every ${refresh}s: the target was not scraped (down, or the version stopped serving); no evidence, not 0 requests`,
        });
      }
      notes.push(
        `NO_FRESH_SAMPLE: no new sample in the ${length}s window${refresh === null ? '' : ` (refresh every ${refresh}s)`}: nothing to count yet`,
      );
    }
  }
  const routeTotals = increaseByRoute(totalStart, totalEnd);
  const routeBad = increaseByRoute(badStart, badEnd);
  const routes = new Map<string, Counts>();
  for (const [route, n] of routeTotals) {
    routes.set(route, { total: n, bad: routeBad.get(route) ?? 0 });
  }
  return {
    reading: { kind: 'OK', counts: { total: total.increase, bad: bad.increase } },
    queries,
    notes,
    series: totalEnd.map((v) => v.series),
    ...(routes.size > 0 ? { routes } : {}),
  };
}

export interface ScrapeProbe {
  /** How often the SLI's counters refresh (null: no samples to tell). */
  readonly refreshIntervalSeconds: number | null;
  readonly futureSamples: number;
  readonly queries: readonly string[];
}

/** The refresh interval of the SLI's counters and samples from the future, at a tick. */
export async function probeScrape(
  source: SignalSource,
  sli: SliSpec,
  at: Date,
  now: Date,
): Promise<ScrapeProbe> {
  const r = await source.scrape(sli, at, now);
  if (isFailure(r.result)) {
    return { refreshIntervalSeconds: null, futureSamples: 0, queries: r.queries };
  }
  return {
    refreshIntervalSeconds: refreshIntervalOf(r.result.samples),
    futureSamples: r.result.futureSamples,
    queries: r.queries,
  };
}
