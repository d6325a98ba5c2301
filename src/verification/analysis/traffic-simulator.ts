/**
 * A deterministic traffic simulator behind the SignalSource interface, for the §5.7 scenario
 * tests and bench/detection: per-second request, error and slow-request counts for the old and the
 * new version, either as expected values (`seed: null`) or drawn with a seeded PRNG, read back like
 * Prometheus counters (optionally only up to the last scrape). Pure: no clock, no I/O.
 */
import type { SliSpec, ThresholdCheckSpec } from '../verification-policy.js';
import type { SignalSource, Side, SourcedReading, SourcedValue } from './tick-evaluator.js';
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
  /** Query errors (Prometheus down) for ticks evaluated at these times. */
  readonly queryErrorAt?: (t: number) => boolean;
  /** Counters are visible only up to the last scrape (Prometheus scrape interval), 0 = exact. */
  readonly scrapeIntervalSeconds?: number;
  /** Extra events at a second (e.g. one 5xx in minute 2 of a quiet service). */
  readonly events?: readonly { version: Version; t: number; requests: number; errors: number }[];
}

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

function poisson(rand: () => number, lambda: number): number {
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

function binomial(rand: () => number, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (n <= 60) {
    let k = 0;
    for (let i = 0; i < n; i++) if (rand() < p) k++;
    return k;
  }
  if (n * p < 15) return Math.min(n, poisson(rand, n * p));
  const sd = Math.sqrt(n * p * (1 - p));
  return Math.min(n, Math.max(0, Math.round(n * p + sd * gaussian(rand))));
}

interface Series {
  /** Cumulative counters: index i = events in seconds [0, i) from the simulation start. */
  readonly total: Float64Array;
  readonly errors: Float64Array;
  readonly slow: Float64Array;
}

export class TrafficSimulator implements SignalSource {
  private readonly series: Record<Version, Series>;
  private readonly origin: number;
  queries = 0;

  /** `deployAt` is the wall-clock time of t = 0. */
  constructor(
    private readonly scenario: TrafficScenario,
    readonly deployAt: Date,
  ) {
    this.origin = deployAt.getTime() / 1000 - scenario.beforeSeconds;
    const length = scenario.beforeSeconds + scenario.afterSeconds;
    const rand = scenario.seed === null ? null : prng(scenario.seed);
    const make = (): Series => ({
      total: new Float64Array(length + 1),
      errors: new Float64Array(length + 1),
      slow: new Float64Array(length + 1),
    });
    this.series = { NEW: make(), OLD: make() };
    const events = new Map<string, { requests: number; errors: number }>();
    for (const e of scenario.events ?? []) events.set(`${e.version}:${e.t}`, e);
    for (let i = 0; i < length; i++) {
      const t = i - scenario.beforeSeconds;
      const rps = typeof scenario.rps === 'function' ? scenario.rps(t) : scenario.rps;
      const newShare = t < 0 ? 0 : scenario.newShare;
      for (const version of ['NEW', 'OLD'] as const) {
        const s = this.series[version];
        const lambda = rps * (version === 'NEW' ? newShare : 1 - newShare);
        const r = scenario.rates(version, t);
        let n: number;
        let e: number;
        let slow: number;
        if (rand) {
          n = poisson(rand, lambda);
          e = binomial(rand, n, r.error);
          slow = binomial(rand, n, r.slow);
        } else {
          n = lambda;
          e = lambda * r.error;
          slow = lambda * r.slow;
        }
        const extra = events.get(`${version}:${t}`);
        if (extra) {
          n += extra.requests;
          e += extra.errors;
        }
        s.total[i + 1] = s.total[i] + n;
        s.errors[i + 1] = s.errors[i] + e;
        s.slow[i + 1] = s.slow[i] + slow;
      }
    }
  }

  /** Seconds since t = 0 of a wall-clock time. */
  at(date: Date): number {
    return date.getTime() / 1000 - this.origin - this.scenario.beforeSeconds;
  }

  private index(date: Date): number {
    const scrape = this.scenario.scrapeIntervalSeconds ?? 0;
    let s = date.getTime() / 1000 - this.origin;
    if (scrape > 0) s = Math.floor(s / scrape) * scrape;
    return Math.max(0, Math.min(this.series.NEW.total.length - 1, Math.floor(s)));
  }

  private delta(series: Float64Array, range: TimeRange): number {
    return series[this.index(range.end)] - series[this.index(range.start)];
  }

  async counts(sli: SliSpec, side: Side, range: TimeRange): Promise<SourcedReading> {
    this.queries++;
    const version: Version = side === 'CANARY' ? 'NEW' : 'OLD';
    const queries = [
      `sim:${sli.name}:${side}:${range.start.toISOString()}..${range.end.toISOString()}`,
    ];
    if (this.scenario.queryErrorAt?.(this.at(range.end))) {
      return { reading: { kind: 'ERROR', message: 'simulated Prometheus outage' }, queries };
    }
    const absentVersion = (this.scenario.absent ?? []).includes(version);
    const s = this.series[version];
    // A series exists once its version has served a request (Prometheus: no series before).
    if (absentVersion || s.total[this.index(range.end)] === 0) {
      return { reading: { kind: 'NO_DATA' }, queries };
    }
    const total = this.delta(s.total, range);
    const bad = this.delta(sli.name === 'latency' ? s.slow : s.errors, range);
    return { reading: { kind: 'OK', counts: { total, bad } }, queries };
  }

  async value(check: ThresholdCheckSpec, range: TimeRange): Promise<SourcedValue> {
    this.queries++;
    const s = this.series.NEW;
    const total = this.delta(s.total, range);
    const queries = [`sim:${check.name}:success-rate`];
    if (total <= 0) return { reading: { kind: 'NO_DATA' }, queries };
    return { reading: { kind: 'OK', value: 1 - this.delta(s.errors, range) / total }, queries };
  }
}
