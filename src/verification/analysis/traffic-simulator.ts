/**
 * A deterministic traffic simulator that tells the truth about scraping, for the §5.7 scenario
 * tests, the labelled corpus and bench/detection. Requests of the old and the new version are
 * served by pods; each pod is a scrape target with its own series (per status code: requests, and
 * requests slower than the latency objective) and its own phase on the scrape grid, scraped every
 * `scrapeIntervalSeconds` with a jitter on each sample's timestamp, as Prometheus stores it. The
 * counters between two samples grow by the expected events (`seed: null`) or by seeded Poisson
 * draws of them (four independent cells ok/error × fast/slow: errors and slow requests are
 * binomial shares of the requests). A new pod starts at the deploy with counters at 0 and a
 * series exists from the first scrape after its first request (as the OpenTelemetry SDK creates
 * a data point on its first measurement); old pods have been up for days. Targets can miss
 * scrapes (gaps), restart (counter resets), export through OTLP every `exportIntervalSeconds`
 * (the value a scrape sees changes only then), or stamp samples with a skewed clock.
 *
 * It answers the SignalSource with Prometheus' semantics over those samples — a counter's value
 * at an instant is its last sample at or before it (within the lookback), fresh samples and raw
 * samples are what a range selector returns — so the production counting code
 * (counter-reading.ts) runs on it unchanged; and it answers increase()/rate()/irate() with
 * Prometheus' extrapolation (prometheus-functions.ts) for the competitors' rules. Pure: no clock,
 * no I/O.
 */
import type { SliSpec, ThresholdCheckSpec } from '../verification-policy.js';
import { COUNTER_LOOKBACK_SECONDS } from '../counter-template.rule.js';
import {
  FUTURE_TOLERANCE_SECONDS,
  SCRAPE_PROBE_SECONDS,
  type CounterPart,
  type ScrapeSamples,
  type Side,
  type SignalSource,
  type Sourced,
  type SourcedValue,
} from './counter-reading.js';
import { ROUTE_LABEL, seriesKey, type SamplePoint, type SeriesValue } from './counter.rule.js';
import { extrapolatedRate, irate } from './prometheus-functions.js';
import type { TimeRange } from './window.rule.js';

export type Version = 'NEW' | 'OLD';

export interface Rates {
  /** Share of requests answered 5xx. */
  readonly error: number;
  /** Share of requests slower than the latency objective. */
  readonly slow: number;
}

export interface TrafficScenario {
  /** null = expected values (no randomness); a number = seeded random draws. */
  readonly seed: number | null;
  /** The deploy finishes (and starts) at t = 0; the simulation covers [-before, after) seconds. */
  readonly beforeSeconds: number;
  readonly afterSeconds: number;
  /** Requests per second, all versions together. */
  readonly rps: number | ((t: number) => number);
  /** Share of the traffic served by the new version after the deploy (1 = all at once). */
  readonly newShare: number;
  readonly rates: (version: Version, t: number) => Rates;
  /** Versions that export no series at all (no data). */
  readonly absent?: readonly Version[];
  /** Query errors (Prometheus down) for reads at these times. */
  readonly queryErrorAt?: (t: number) => boolean;
  /** Prometheus' scrape interval; absent or 0: every second (the counters as they are). */
  readonly scrapeIntervalSeconds?: number;
  /** The first old pod's scrape grid sits this many seconds before the deploy. */
  readonly scrapeOffsetSeconds?: number;
  /** Each sample's timestamp moves by up to ± this many seconds. */
  readonly scrapeJitterSeconds?: number;
  /** OTLP push every this many seconds: the counters a scrape sees change only at an export. */
  readonly exportIntervalSeconds?: number;
  /** Pods (scrape targets) per version, sharing its traffic evenly (default 1). */
  readonly pods?: number;
  /** How long the old pods have been up at the start (their counters start that high; default 0). */
  readonly oldPodUptimeSeconds?: number;
  /** Targets not scraped in [from, to) (all pods of the version when `pod` is absent). */
  readonly gaps?: readonly { version: Version; pod?: number; from: number; to: number }[];
  /** Process restarts: the pod's counters start again from 0 at t. */
  readonly resets?: readonly { version: Version; pod: number; t: number }[];
  /** Samples stamped this many seconds after the scrape (a clock ahead). */
  readonly clockSkew?: readonly { version: Version; pod?: number; seconds: number }[];
  /** Extra events at a second (e.g. one 5xx in minute 2 of a quiet service), on pod 0. */
  readonly events?: readonly { version: Version; t: number; requests: number; errors: number }[];
  /**
   * Routes (`http_route`) sharing every pod's traffic (shares adding up to 1), each with its own
   * rates (default: `rates`); absent: the series carry no route label.
   */
  readonly routes?: readonly SimulatedRoute[];
  /**
   * The default-SLI family the series belong to (default `http`): `messaging` makes them a queue
   * consumer's `messaging.process.duration` (a failed message: a series with `error_type` set).
   */
  readonly family?: 'http' | 'messaging';
}

export interface SimulatedRoute {
  readonly route: string;
  readonly share: number;
  readonly rates?: (version: Version, t: number) => Rates;
}

/** A route of the simulation, or the whole traffic without a route label (route null). */
interface RouteTraffic {
  readonly route: string | null;
  readonly share: number;
  readonly rates: (version: Version, t: number) => Rates;
}

/** The SLIs whose bad events are the slow requests (the others count the failures). */
const LATENCY_SLIS = new Set(['latency', 'messaging_latency']);
/** `error.type` of a simulated consumer's failed messages. */
const MESSAGING_ERROR_TYPE = 'ProcessingError';

/** mulberry32: small, fast, seedable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

export function poisson(rand: () => number, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda > 40) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * gaussian(rand)));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = rand();
  while (p > limit) {
    k++;
    p *= rand();
  }
  return k;
}

/** ok/error × within/over the latency objective. */
interface Cells {
  okFast: number;
  okSlow: number;
  errFast: number;
  errSlow: number;
}
const CELLS = ['okFast', 'okSlow', 'errFast', 'errSlow'] as const;
const zero = (): Cells => ({ okFast: 0, okSlow: 0, errFast: 0, errSlow: 0 });

/** One series of a pod: a status code's requests (count) and slow requests (count − bucket). */
export interface SimulatedSeries {
  readonly version: Version;
  /** The pod of its version (0, 1, …). */
  readonly pod: number;
  readonly code: '200' | '500';
  /** Its `http_route` (null: the series has no route label). */
  readonly route: string | null;
  /** Sample timestamps (unix seconds, to the millisecond as Prometheus stores them), ascending. */
  readonly times: Float64Array;
  /** Requests, and requests slower than the latency objective, at each sample. */
  readonly count: Float64Array;
  readonly slow: Float64Array;
}

interface Series extends SimulatedSeries {
  readonly key: string;
  /** How far the pod's clock is ahead: a sample arrives `skew` seconds before its timestamp. */
  readonly skew: number;
}

/** The golden ratio's fractional part: spreads the pods' phases over the scrape interval. */
const SPREAD = 0.6180339887498949;
/** Jitter draws when the traffic is expected values (seed null). */
const JITTER_SEED = 0x9e3779b9;

function lastIndexAtOrBefore(times: Float64Array, t: number): number {
  let lo = 0;
  let hi = times.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The samples of a series in [end − rangeSeconds, end] (what a range selector returns). */
function rangeSamples(
  s: Series,
  values: Float64Array,
  end: number,
  rangeSeconds: number,
): SamplePoint[] {
  const last = lastIndexAtOrBefore(s.times, end);
  const out: SamplePoint[] = [];
  for (let i = last; i >= 0 && s.times[i] >= end - rangeSeconds; i--) {
    out.push({ t: s.times[i], v: values[i] });
  }
  return out.reverse();
}

/** How many of the series have a sample in the range. */
function sampledIn(series: readonly Series[], range: TimeRange): number {
  const [start, end] = [range.start.getTime() / 1000, range.end.getTime() / 1000];
  return series.filter((s) => {
    const i = lastIndexAtOrBefore(s.times, end);
    return i >= 0 && s.times[i] >= start;
  }).length;
}

export class TrafficSimulator implements SignalSource {
  private readonly series: Series[] = [];
  /** Unix seconds of t = 0. */
  private readonly deploy: number;
  /** Reads answered (lastValues, freshSeries, scrape, value): the simulated query load. */
  queries = 0;

  /** `deployAt` is the wall-clock time of t = 0. */
  constructor(
    private readonly scenario: TrafficScenario,
    readonly deployAt: Date,
  ) {
    this.deploy = deployAt.getTime() / 1000;
    const rand = scenario.seed === null ? null : prng(scenario.seed);
    const pods = Math.max(1, scenario.pods ?? 1);
    const routes: RouteTraffic[] = scenario.routes?.map((r) => ({
      route: r.route,
      share: r.share,
      rates: r.rates ?? scenario.rates,
    })) ?? [{ route: null, share: 1, rates: scenario.rates }];
    const expected = routes.map((r) => ({
      OLD: this.expectedCells('OLD', pods, r),
      NEW: this.expectedCells('NEW', pods, r),
    }));
    let index = 0;
    for (const version of ['OLD', 'NEW'] as const) {
      const absent = (scenario.absent ?? []).includes(version);
      const serves = version === 'OLD' || scenario.newShare > 0;
      for (let pod = 0; pod < pods; pod++, index++) {
        if (absent || !serves) continue;
        for (const [k, route] of routes.entries()) {
          this.series.push(
            ...this.podSeries(version, pod, index, expected[k][version], rand, route, k === 0),
          );
        }
      }
    }
  }

  /** Seconds since t = 0 of a wall-clock time. */
  at(date: Date): number {
    return date.getTime() / 1000 - this.deploy;
  }

  /** Expected events of one pod of a version in each second, as prefix sums from -before. */
  private expectedCells(
    version: Version,
    pods: number,
    route: RouteTraffic,
  ): Record<keyof Cells, Float64Array> {
    const s = this.scenario;
    const n = s.beforeSeconds + s.afterSeconds;
    const sums = {
      okFast: new Float64Array(n + 1),
      okSlow: new Float64Array(n + 1),
      errFast: new Float64Array(n + 1),
      errSlow: new Float64Array(n + 1),
    };
    for (let i = 0; i < n; i++) {
      const t = i - s.beforeSeconds;
      const rps = typeof s.rps === 'function' ? s.rps(t) : s.rps;
      const share =
        t < 0 ? (version === 'OLD' ? 1 : 0) : version === 'NEW' ? s.newShare : 1 - s.newShare;
      const lambda = (rps * share * route.share) / pods;
      const r = route.rates(version, t);
      sums.okFast[i + 1] = sums.okFast[i] + lambda * (1 - r.error) * (1 - r.slow);
      sums.okSlow[i + 1] = sums.okSlow[i] + lambda * (1 - r.error) * r.slow;
      sums.errFast[i + 1] = sums.errFast[i] + lambda * r.error * (1 - r.slow);
      sums.errSlow[i + 1] = sums.errSlow[i] + lambda * r.error * r.slow;
    }
    return sums;
  }

  private podSeries(
    version: Version,
    pod: number,
    index: number,
    sums: Record<keyof Cells, Float64Array>,
    rand: (() => number) | null,
    route: RouteTraffic,
    firstRoute: boolean,
  ): Series[] {
    const s = this.scenario;
    const interval = s.scrapeIntervalSeconds || 1;
    const jitter = s.scrapeJitterSeconds ?? 0;
    const matches = (e: { version: Version; pod?: number }) =>
      e.version === version && (e.pod === undefined || e.pod === pod);
    const skew = (s.clockSkew ?? []).filter(matches).reduce((sum, c) => sum + c.seconds, 0);
    const gaps = (s.gaps ?? []).filter(matches);
    const resets = (s.resets ?? [])
      .filter((r) => r.version === version && r.pod === pod)
      .map((r) => r.t)
      .sort((a, b) => a - b);
    const extra = (s.events ?? []).filter((e) => e.version === version && pod === 0 && firstRoute);
    // Lifetime (seconds since t = 0): old pods from the start (until the deploy when the new
    // version takes all the traffic), new pods from the deploy.
    const from = version === 'OLD' ? -s.beforeSeconds : 0;
    const to = version === 'OLD' && s.newShare >= 1 ? 0 : s.afterSeconds;
    // The first old pod defines the grid; the others sit at their own phase of it.
    const phase = s.scrapeIntervalSeconds ? ((index * SPREAD) % 1) * interval : 0;
    const grid = -(s.scrapeOffsetSeconds ?? 0) + phase;
    const jitterRand = prng((s.seed ?? JITTER_SEED) ^ (index * 7919));
    const scrapes: number[] = [];
    // A pod that stops at the deploy is scraped one last time as it stops.
    for (let k = grid + Math.ceil((from - grid) / interval) * interval; k <= to; k += interval) {
      scrapes.push(k + (jitter > 0 ? (jitterRand() * 2 - 1) * jitter : 0));
    }
    // When the counters a scrape sees change: every scrape, or every OTLP export.
    const exportEvery = s.exportIntervalSeconds;
    const refreshAt = (t: number): number =>
      exportEvery ? grid + Math.floor((t - grid) / exportEvery) * exportEvery : t;

    const uptime = version === 'OLD' ? (s.oldPodUptimeSeconds ?? 0) : 0;
    const first = route.rates(version, from);
    const rps0 = typeof s.rps === 'function' ? s.rps(from) : s.rps;
    const lambda0 = ((version === 'OLD' ? rps0 : 0) * route.share) / Math.max(1, s.pods ?? 1);
    const cells: Cells = {
      okFast: lambda0 * uptime * (1 - first.error) * (1 - first.slow),
      okSlow: lambda0 * uptime * (1 - first.error) * first.slow,
      errFast: lambda0 * uptime * first.error * (1 - first.slow),
      errSlow: lambda0 * uptime * first.error * first.slow,
    };
    if (rand) for (const c of CELLS) cells[c] = Math.round(cells[c]);
    const indexOf = (t: number) =>
      Math.max(0, Math.min(sums.okFast.length - 1, Math.floor(t) + s.beforeSeconds));
    let seen = from;
    let nextReset = 0;
    const rows: { t: number; cells: Cells; restarted: boolean }[] = [];
    let restarted = false;
    for (const scrape of scrapes) {
      const upTo = Math.max(seen, Math.min(to, refreshAt(scrape)));
      // A restart between two refreshes: what the old process counted since `seen` is lost.
      while (nextReset < resets.length && resets[nextReset] <= upTo) {
        seen = Math.max(seen, resets[nextReset++]);
        Object.assign(cells, zero());
        restarted = true;
      }
      for (const c of CELLS) {
        const mean = sums[c][indexOf(upTo)] - sums[c][indexOf(seen)];
        cells[c] += rand ? poisson(rand, mean) : mean;
      }
      for (const e of extra) {
        if (e.t >= seen && e.t < upTo) {
          cells.okFast += e.requests - e.errors;
          cells.errFast += e.errors;
        }
      }
      seen = upTo;
      if (gaps.some((g) => scrape >= g.from && scrape < g.to)) continue;
      rows.push({ t: scrape + skew, cells: { ...cells }, restarted });
      restarted = false;
    }
    const name = `${version.toLowerCase()}-${pod}`;
    return (['200', '500'] as const).map((code) => {
      const count = (c: Cells) => (code === '200' ? c.okFast + c.okSlow : c.errFast + c.errSlow);
      const slow = (c: Cells) => (code === '200' ? c.okSlow : c.errSlow);
      // The data point exists from the first scrape after its first request (since a restart).
      let exists = false;
      const kept = rows.filter((r) => {
        if (r.restarted) exists = false;
        exists ||= count(r.cells) > 0;
        return exists;
      });
      const messaging = s.family === 'messaging';
      return {
        key: messaging
          ? code === '500'
            ? `{error_type="${MESSAGING_ERROR_TYPE}",pod="${name}"}`
            : `{pod="${name}"}`
          : route.route === null
            ? `{code="${code}",pod="${name}"}`
            : seriesKey({ code, [ROUTE_LABEL]: route.route, pod: name }),
        pod,
        version,
        code,
        route: route.route,
        skew,
        times: Float64Array.from(kept, (r) => Math.round((this.deploy + r.t) * 1000) / 1000),
        count: Float64Array.from(kept, (r) => count(r.cells)),
        slow: Float64Array.from(kept, (r) => slow(r.cells)),
      };
    });
  }

  /** Every series with its samples, as Prometheus stores them (e.g. for a promtool backfill). */
  storedSeries(): readonly SimulatedSeries[] {
    return this.series;
  }

  private seriesOf(version: Version | null, code?: '200' | '500'): Series[] {
    return this.series.filter(
      (s) => (version === null || s.version === version) && (code === undefined || s.code === code),
    );
  }

  private failing(at: Date): boolean {
    return this.scenario.queryErrorAt?.(this.at(at)) ?? false;
  }

  private describe(what: string, side: Side | 'EVERY', at: Date): string[] {
    return [`sim:${what}:${side}@${at.toISOString()}`];
  }

  async lastValues(
    sli: SliSpec,
    part: CounterPart,
    side: Side,
    at: Date,
  ): Promise<Sourced<readonly SeriesValue[]>> {
    this.queries++;
    const queries = this.describe(`${sli.name}:${part}`, side, at);
    if (this.failing(at)) return { result: OUTAGE, queries };
    const version: Version = side === 'CANARY' ? 'NEW' : 'OLD';
    const t = at.getTime() / 1000;
    const latency = LATENCY_SLIS.has(sli.name);
    const series =
      part === 'bad' && !latency ? this.seriesOf(version, '500') : this.seriesOf(version);
    const values: SeriesValue[] = [];
    for (const s of series) {
      const i = lastIndexAtOrBefore(s.times, t);
      if (i < 0 || s.times[i] <= t - COUNTER_LOOKBACK_SECONDS) continue;
      values.push({ series: s.key, value: part === 'bad' && latency ? s.slow[i] : s.count[i] });
    }
    // The errors SLI's bad-event template ends with `or vector(0)`: its {} is never on the left.
    if (part === 'bad' && !latency) values.push({ series: '{}', value: 0 });
    return { result: values, queries };
  }

  async freshSeries(sli: SliSpec, side: Side, range: TimeRange): Promise<Sourced<number>> {
    this.queries++;
    const queries = this.describe(`${sli.name}:fresh`, side, range.end);
    if (this.failing(range.end)) return { result: OUTAGE, queries };
    const version: Version = side === 'CANARY' ? 'NEW' : 'OLD';
    return { result: sampledIn(this.seriesOf(version), range), queries };
  }

  /**
   * The look-up of the default SLI families (preset-selection.ts): the simulator's series are
   * those of one family's total (every version): HTTP server metrics (the `errors` SLI's), or a
   * consumer's `messaging.process.duration` (`messaging_errors`); no other family.
   */
  async seriesCount(sli: SliSpec, range: TimeRange): Promise<Sourced<number>> {
    this.queries++;
    const queries = this.describe(`${sli.name}:series`, 'EVERY', range.end);
    if (this.failing(range.end)) return { result: OUTAGE, queries };
    const family = this.scenario.family === 'messaging' ? 'messaging_errors' : 'errors';
    return { result: sli.name === family ? sampledIn(this.series, range) : 0, queries };
  }

  async scrape(sli: SliSpec, at: Date, now: Date): Promise<Sourced<ScrapeSamples>> {
    this.queries++;
    const queries = this.describe(`${sli.name}:scrape`, 'EVERY', at);
    if (this.failing(at)) return { result: OUTAGE, queries };
    const t = at.getTime() / 1000;
    let busiest: SamplePoint[] = [];
    let most = -1;
    for (const s of this.series) {
      const samples = rangeSamples(s, s.count, t, SCRAPE_PROBE_SECONDS);
      const changes = samples.filter((p, i) => i > 0 && p.v !== samples[i - 1].v).length;
      if (changes > most) [most, busiest] = [changes, samples];
    }
    // Samples scraped by now (a replay's present) but stamped over a minute later.
    const present = now.getTime() / 1000;
    const futureSamples = this.series.reduce((n, s) => {
      if (s.skew <= FUTURE_TOLERANCE_SECONDS) return n;
      const arrived = rangeSamples(s, s.count, present + s.skew, 3600);
      return n + arrived.filter((p) => p.t >= present + FUTURE_TOLERANCE_SECONDS).length;
    }, 0);
    return { result: { samples: busiest, futureSamples }, queries };
  }

  /**
   * Prometheus' increase() (or rate(), irate()) over `rangeSeconds` before `at` of a version's
   * requests, 5xx, non-5xx or slow requests, summed over the series that give a value; null when
   * none does (an empty result: fewer than two samples of every series in the range).
   */
  rangeFunction(
    fn: 'increase' | 'rate' | 'irate',
    what: 'requests' | 'errors' | 'ok' | 'slow',
    version: Version,
    at: Date,
    rangeSeconds: number,
  ): number | null {
    this.queries++;
    if (this.failing(at)) return null;
    const code = what === 'errors' ? '500' : what === 'ok' ? '200' : undefined;
    const t = at.getTime() / 1000;
    let sum: number | null = null;
    for (const s of this.seriesOf(version, code)) {
      const samples = rangeSamples(s, what === 'slow' ? s.slow : s.count, t, rangeSeconds);
      const v =
        fn === 'irate'
          ? irate(samples, t, rangeSeconds)
          : extrapolatedRate(samples, t, rangeSeconds, fn === 'rate');
      if (v !== null) sum = (sum ?? 0) + v;
    }
    return sum;
  }

  /** A success-rate check, as `sum(increase(ok[w])) / sum(increase(all[w]))` on the new version. */
  async value(check: ThresholdCheckSpec, range: TimeRange): Promise<SourcedValue> {
    const w = (range.end.getTime() - range.start.getTime()) / 1000;
    const queries = [`sim:${check.name}:success-rate[${w}s]`];
    if (this.failing(range.end))
      return { reading: { kind: 'ERROR', message: OUTAGE.message }, queries };
    const ok = this.rangeFunction('increase', 'ok', 'NEW', range.end, w);
    const all = this.rangeFunction('increase', 'requests', 'NEW', range.end, w);
    if (ok === null || all === null || all <= 0) return { reading: { kind: 'NO_DATA' }, queries };
    return { reading: { kind: 'OK', value: ok / all }, queries };
  }
}

const OUTAGE = {
  kind: 'ERROR',
  code: 'PROMETHEUS_UNAVAILABLE',
  message: 'simulated Prometheus outage',
} as const;
