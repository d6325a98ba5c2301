/**
 * The labelled scenario corpus (docs/verification.md "Scenario corpus"): what users meet after a
 * release, each with the verdicts that are right for it, generated at any scrape interval and
 * offset. One description feeds three runs: the simulator (scenario-corpus.spec.ts), a real
 * Prometheus filled by promtool backfill and `backtestPolicy`
 * (test/integration/verification-corpus.integration-spec.ts), and bench/detection. Pure data.
 */
import type { SliSpec } from '../verification-policy.js';
import type { TrafficScenario } from './traffic-simulator.js';
import type { FinalState } from './verdict.rule.js';

export type CorpusVersion = 'NEW' | 'OLD';

export interface CorpusRates {
  /** Share of requests answered 5xx. */
  readonly error: number;
  /** Share of requests slower than the latency objective (0.25 s). */
  readonly slow: number;
}

export interface CorpusCase {
  readonly name: string;
  /** Verdicts that are right for this case (the first is the expected one). */
  readonly expected: readonly FinalState[];
  /** Seconds after the deploy at which the regression starts; null for no regression. */
  readonly onsetSeconds: number | null;
  /** A critical regression: rolled back within 90 s of onset (150 s at a 60 s scrape). */
  readonly critical?: boolean;
  /** Requests per second, all versions together. */
  readonly rps: number;
  /** Share of the traffic served by the new version after the deploy (1 = all at once). */
  readonly newShare: number;
  /** History needed before the deploy (the pre-deploy baseline may reach back 24 h). */
  readonly beforeSeconds: number;
  /** Seconds after the deploy the case runs for. */
  readonly afterSeconds: number;
  readonly rates: (version: CorpusVersion, t: number) => CorpusRates;
  /** Versions that export nothing (no data). */
  readonly absent?: readonly CorpusVersion[];
  /** Must be HEALTHY within 300 s (a healthy release of ≥ 10 requests/s on the new version). */
  readonly earlyHealthy?: boolean;
  /** Part of the CI-sized set run through a real Prometheus. */
  readonly ci: boolean;
  /** Routes (`http_route`) sharing the traffic, each with its own rates (default `rates`). */
  readonly routes?: readonly CorpusRoute[];
  /** The rollback deadline from onset, when not the critical one (per-route regressions). */
  readonly deadlineSeconds?: number;
  /** The family the service exports (default `http`; `messaging`: a queue consumer). */
  readonly family?: 'http' | 'messaging';
  /** The policy's own SLIs (a worker judged by its own counters); absent: the default SLIs. */
  readonly slis?: readonly SliSpec[];
}

export interface CorpusRoute {
  readonly route: string;
  /** Share of every pod's requests (the shares of a case add up to 1). */
  readonly share: number;
  readonly rates?: (version: CorpusVersion, t: number) => CorpusRates;
}

/** SLO 99.9 % availability and 99 % of requests within 0.25 s; 10k requests per minute. */
export const NORMAL: CorpusRates = { error: 0.001, slow: 0.005 };
const RPS = 10_000 / 60;
const HOUR = 3600;

const during =
  (from: number, to: number, bad: CorpusRates) =>
  (v: CorpusVersion, t: number): CorpusRates =>
    v === 'NEW' && t >= from && t < to ? bad : NORMAL;

const base = {
  rps: RPS,
  newShare: 0.1,
  beforeSeconds: HOUR,
  afterSeconds: 1200,
  onsetSeconds: null,
  rates: () => NORMAL,
  ci: true,
} satisfies Partial<CorpusCase>;

/**
 * Mid-bake onsets: after warm-up, off the tick grid, and early enough to be seen before the
 * earliest HEALTHY (300 s) at every scrape interval.
 */
export const MID_BAKE_ONSET = 127;

export const CORPUS: readonly CorpusCase[] = [
  { ...base, name: 'healthy', expected: ['HEALTHY'], earlyHealthy: true },
  {
    ...base,
    name: 'healthy at 10 requests/s on the new version',
    rps: 100,
    expected: ['HEALTHY'],
    earlyHealthy: true,
  },
  {
    ...base,
    name: 'noisy but healthy (0.05-0.4 % per minute, both versions)',
    expected: ['HEALTHY'],
    earlyHealthy: true,
    rates: (_v, t) => {
      const levels = [0.0005, 0.002, 0.004, 0.001, 0.0008, 0.003];
      return { error: levels[(((Math.floor(t / 60) * 7) % 6) + 6) % 6], slow: 0.005 };
    },
  },
  {
    ...base,
    name: 'low traffic (3 requests/min, all at once)',
    rps: 3 / 60,
    newShare: 1,
    beforeSeconds: 24 * HOUR,
    afterSeconds: HOUR + 60,
    rates: () => ({ error: 0.005, slow: 0.005 }),
    expected: ['HEALTHY_LOW_CONFIDENCE', 'HEALTHY', 'UNVERIFIED'],
    ci: false,
  },
  {
    ...base,
    name: 'canary on 1 % of the traffic',
    newShare: 0.01,
    afterSeconds: HOUR + 60,
    expected: ['HEALTHY', 'HEALTHY_LOW_CONFIDENCE'],
    ci: false,
  },
  {
    ...base,
    name: 'critical error spike (8 %) from the deploy',
    critical: true,
    onsetSeconds: 0,
    rates: during(0, Infinity, { error: 0.08, slow: 0.005 }),
    expected: ['FAILED'],
  },
  {
    ...base,
    name: 'critical error spike (8 %) mid-bake',
    critical: true,
    onsetSeconds: MID_BAKE_ONSET,
    rates: during(MID_BAKE_ONSET, Infinity, { error: 0.08, slow: 0.005 }),
    expected: ['FAILED'],
  },
  {
    ...base,
    name: 'critical error spike (8 %) at 10 requests/s on the new version',
    critical: true,
    rps: 100,
    onsetSeconds: MID_BAKE_ONSET,
    rates: during(MID_BAKE_ONSET, Infinity, { error: 0.08, slow: 0.005 }),
    expected: ['FAILED'],
  },
  {
    ...base,
    name: 'latency regression (8 % slow) mid-bake',
    onsetSeconds: MID_BAKE_ONSET,
    rates: during(MID_BAKE_ONSET, Infinity, { error: 0.001, slow: 0.08 }),
    expected: ['FAILED'],
  },
  {
    ...base,
    name: 'flapping pod (2 % / 0.1 % per minute)',
    onsetSeconds: 0,
    rates: (v, t) => ({
      error: v === 'NEW' && Math.floor(t / 60) % 2 === 0 ? 0.02 : 0.001,
      slow: 0.005,
    }),
    expected: ['FAILED'],
  },
  {
    ...base,
    name: 'slow burn (0.3 % vs 0.1 %)',
    onsetSeconds: 0,
    rates: during(0, Infinity, { error: 0.003, slow: 0.005 }),
    expected: ['DEGRADED'],
  },
  {
    ...base,
    name: 'no data (series absent)',
    absent: ['NEW', 'OLD'],
    // No family of the default SLIs exported at all: nothing to judge, ever (preset.rule.ts).
    expected: ['UNVERIFIED'],
  },
  {
    ...base,
    name: 'pre-existing incident (5 % on both since 20 min before)',
    rates: (_v, t) => ({ error: t >= -1200 ? 0.05 : 0.001, slow: 0.005 }),
    expected: ['ENV_DEGRADED'],
  },
  {
    ...base,
    name: 'transient burst (3 % for 90 s, recovers)',
    rates: during(180, 270, { error: 0.03, slow: 0.005 }),
    expected: ['DEGRADED', 'HEALTHY'],
  },
  {
    ...base,
    name: 'restart blip (10 % for 20 s, recovers)',
    rates: during(200, 220, { error: 0.1, slow: 0.005 }),
    expected: ['HEALTHY', 'DEGRADED'],
  },
  {
    ...base,
    // Within warm-up, but the scrape lag may carry its tail into the first counted window.
    name: 'cold start (5 % slow for the first 45 s)',
    rates: during(0, 45, { error: 0.001, slow: 0.05 }),
    expected: ['HEALTHY'],
  },
];

/**
 * Per-route cases (docs/verification.md "Per-route judgement"), at 1,000 requests/s with a quarter
 * on the new version: a route at 2 % serves 5 requests/s there, 150 a 30 s window (the traffic
 * floor is 100 per window and side). Kept apart from CORPUS so that its figures stay comparable.
 */
const ROUTED = {
  ...base,
  rps: 1000,
  newShare: 0.25,
  afterSeconds: 900,
} satisfies Partial<CorpusCase>;

/** A shop: four routes above the floor and one below it (folded into "other"). */
const shop = (pay: CorpusRoute['rates']): CorpusRoute[] => [
  { route: '/orders', share: 0.59 },
  { route: '/cart', share: 0.25 },
  { route: '/search', share: 0.135 },
  { route: '/pay', share: 0.02, rates: pay },
  { route: '/admin', share: 0.005 },
];

/** How many equal routes the family-wise case judges apiece. */
export const MANY_ROUTES = 50;

/** A rollback for a regression confined to one route, from its onset (issue 22 part 1). */
export const ROUTE_DEADLINE_SECONDS = 180;

export const ROUTE_CORPUS: readonly CorpusCase[] = [
  {
    ...ROUTED,
    name: '/pay (2 % of the traffic) failing 50 % mid-bake',
    onsetSeconds: MID_BAKE_ONSET,
    critical: true,
    deadlineSeconds: ROUTE_DEADLINE_SECONDS,
    routes: shop(during(MID_BAKE_ONSET, Infinity, { error: 0.5, slow: 0.005 })),
    expected: ['FAILED'],
  },
  {
    ...ROUTED,
    name: 'five routes, healthy',
    routes: shop(undefined),
    expected: ['HEALTHY'],
    earlyHealthy: true,
  },
  {
    ...ROUTED,
    name: `${MANY_ROUTES} equal routes, healthy`,
    routes: Array.from({ length: MANY_ROUTES }, (_, i) => ({
      route: `/api/v1/r${i}`,
      share: 1 / MANY_ROUTES,
    })),
    expected: ['HEALTHY'],
    earlyHealthy: true,
    ci: false,
  },
  {
    ...ROUTED,
    name: 'one route, healthy (the same traffic)',
    routes: [{ route: '/api/v1/r0', share: 1 }],
    expected: ['HEALTHY'],
    earlyHealthy: true,
    ci: false,
  },
];

/**
 * A worker judged by its own counters, as docs/verification.md "Verifying a worker by its own
 * counters" writes its policy: everything it handled, and the failures (a subset), per series.
 * Its objective lets the worker's usual 0.5 % of failures through (a burn of 1×).
 */
export const WORKER_SLIS: readonly SliSpec[] = [
  {
    name: 'jobs',
    objective: 0.995,
    totalQuery:
      'jobs_processed_total{service_name="{{service}}",deployment_environment_name="{{environment}}",service_version=~"{{versionRegex}}"}',
    badQuery:
      'jobs_failed_total{service_name="{{service}}",deployment_environment_name="{{environment}}",service_version=~"{{versionRegex}}"} or vector(0)',
  },
];

const WORKER_USUAL: CorpusRates = { error: 0.005, slow: 0.005 };

/**
 * Workers (docs/verification.md "Default SLIs and presets"): a queue consumer exporting
 * `messaging.process.duration` (the `messaging` preset, failures with `error_type`), a worker
 * judged by its own counters (WORKER_SLIS), and a worker exporting nothing. The critical ones are
 * rolled back within the critical deadline, as the service cases.
 */
export const WORKER_CORPUS: readonly CorpusCase[] = [
  {
    ...base,
    name: 'queue consumer (messaging.process.duration), healthy',
    family: 'messaging',
    expected: ['HEALTHY'],
    earlyHealthy: true,
  },
  {
    ...base,
    name: 'queue consumer failing 10 % (error_type) mid-bake',
    family: 'messaging',
    critical: true,
    onsetSeconds: MID_BAKE_ONSET,
    rates: during(MID_BAKE_ONSET, Infinity, { error: 0.1, slow: 0.005 }),
    expected: ['FAILED'],
  },
  {
    ...base,
    name: 'worker by its own counters (0.5 % failed), healthy',
    slis: WORKER_SLIS,
    rates: () => WORKER_USUAL,
    expected: ['HEALTHY'],
    earlyHealthy: true,
  },
  {
    ...base,
    name: 'worker by its own counters failing 0.5 % → 10 % mid-bake',
    slis: WORKER_SLIS,
    critical: true,
    onsetSeconds: MID_BAKE_ONSET,
    rates: (v, t) =>
      v === 'NEW' && t >= MID_BAKE_ONSET ? { error: 0.1, slow: 0.005 } : WORKER_USUAL,
    expected: ['FAILED'],
  },
  {
    ...base,
    name: 'worker without metrics (default policy)',
    absent: ['NEW', 'OLD'],
    expected: ['UNVERIFIED'],
  },
];

/** Errors of a late regression start this long after the end of the bake (the latest verdict). */
export const LATE_ONSET_AFTER_VERDICT_SECONDS = 40 * 60;
/** The late watch of the bench: the default period (the DORA attribution window). */
export const LATE_WATCH_SECONDS = 86_400;

/**
 * Late regressions (docs/verification.md "Late regressions"): releases rolled out to all the
 * traffic, HEALTHY at the bake, whose errors start 40 minutes after its end (a leak), and a
 * healthy release watched for the whole day. `onsetSeconds` is from the deploy; `bakeSeconds`
 * is the policy's.
 */
export function lateCorpus(bakeSeconds: number): readonly CorpusCase[] {
  const onset = bakeSeconds + LATE_ONSET_AFTER_VERDICT_SECONDS;
  const after = (error: number) => (v: CorpusVersion, t: number) =>
    v === 'NEW' && t >= onset ? { error, slow: NORMAL.slow } : NORMAL;
  const late = { ...base, newShare: 1, expected: ['HEALTHY'] as const, onsetSeconds: onset };
  return [
    {
      ...late,
      name: 'a leak: 5 % errors 40 min after the verdict',
      afterSeconds: onset + 3 * HOUR,
      rates: after(0.05),
    },
    {
      ...late,
      name: 'a slower leak: 1 % errors 40 min after the verdict',
      afterSeconds: onset + 6 * HOUR,
      rates: after(0.01),
    },
    {
      ...late,
      name: 'healthy, watched for 24 h',
      onsetSeconds: null,
      afterSeconds: LATE_WATCH_SECONDS + 60,
    },
  ];
}

/** The scrape intervals every case is run at, and the offsets of the deploy from the scrape grid. */
export const SCRAPE_INTERVALS = [15, 30, 60] as const;
/** Offsets as a share of the scrape interval (on the grid, and two off it). */
export const SCRAPE_OFFSETS = [0, 0.37, 0.81] as const;

/** The deadline for deciding a critical regression, from its onset (issue 16 part 3). */
export const criticalDeadlineSeconds = (scrapeIntervalSeconds: number): number =>
  scrapeIntervalSeconds <= 30 ? 90 : 150;

/** Cases whose right verdict is a rollback. */
export const isRegression = (c: CorpusCase): boolean => c.expected[0] === 'FAILED';

export interface CorpusRun {
  readonly scrapeIntervalSeconds: number;
  /** The deploy's offset from the scrape grid, seconds. */
  readonly offsetSeconds: number;
  /** null = expected values; a number = seeded random traffic. */
  readonly seed: number | null;
}

/** Pods per version; a version's traffic is shared evenly between them (each its own target). */
export const CORPUS_PODS = 2;
/** Largest shift of a sample's timestamp from its pod's scrape grid, seconds. */
export const CORPUS_SCRAPE_JITTER_SECONDS = 0.25;
/** How long the old pods have been up when the history starts (their counters start high). */
export const CORPUS_OLD_POD_UPTIME_SECONDS = 3 * 86_400;

/**
 * The case as a simulated scrape: each pod a target scraped at the run's interval with its own
 * phase and a jitter, the deploy `offsetSeconds` off the first old pod's grid.
 */
export function corpusTraffic(c: CorpusCase, run: CorpusRun): TrafficScenario {
  return {
    seed: run.seed,
    beforeSeconds: c.beforeSeconds,
    afterSeconds: c.afterSeconds,
    rps: c.rps,
    newShare: c.newShare,
    rates: c.rates,
    absent: c.absent,
    scrapeIntervalSeconds: run.scrapeIntervalSeconds,
    scrapeOffsetSeconds: run.offsetSeconds,
    scrapeJitterSeconds: CORPUS_SCRAPE_JITTER_SECONDS,
    pods: CORPUS_PODS,
    oldPodUptimeSeconds: CORPUS_OLD_POD_UPTIME_SECONDS,
    ...(c.routes ? { routes: c.routes } : {}),
    ...(c.family ? { family: c.family } : {}),
  };
}

export interface CorpusOutcome {
  readonly state: string;
  /** Seconds from the deploy to the verdict (null: still running at the end of the case). */
  readonly decidedAfterSeconds: number | null;
}

/** What is wrong with a verdict for this case (empty: right). */
export function judgeCorpusOutcome(
  c: CorpusCase,
  run: Pick<CorpusRun, 'scrapeIntervalSeconds'>,
  o: CorpusOutcome,
): string[] {
  const problems: string[] = [];
  if (!(c.expected as readonly string[]).includes(o.state)) {
    problems.push(`verdict ${o.state}, expected ${c.expected.join(' or ')}`);
  }
  if (c.critical && o.state === 'FAILED' && o.decidedAfterSeconds !== null) {
    const delay = o.decidedAfterSeconds - (c.onsetSeconds ?? 0);
    const deadline = c.deadlineSeconds ?? criticalDeadlineSeconds(run.scrapeIntervalSeconds);
    if (delay > deadline) problems.push(`rolled back ${delay}s after onset, deadline ${deadline}s`);
  }
  if (c.earlyHealthy && (o.decidedAfterSeconds ?? Infinity) > EARLY_HEALTHY_SECONDS) {
    problems.push(
      `HEALTHY after ${o.decidedAfterSeconds}s, expected within ${EARLY_HEALTHY_SECONDS}s`,
    );
  }
  return problems;
}

/** A healthy release of ≥ 10 requests/s on the new version is HEALTHY by then (Flagger's default promotion time). */
export const EARLY_HEALTHY_SECONDS = 300;
