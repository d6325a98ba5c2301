/**
 * One verification tick, end to end but without I/O of its own: it learns how often the counters
 * refresh, decides which windows and baseline to read, reads them through a SignalSource
 * (Prometheus in production and backtests, a simulator in the benchmark and the scenario tests)
 * with counter-reading.ts, and classifies. `replayVerification` replays whole verifications tick
 * by tick with the same code (backtest, benchmark, scenario tests).
 */
import type { PolicySpec, SliSpec } from '../verification-policy.js';
import {
  probeScrape,
  readCounts,
  type ScrapeProbe,
  type SignalSource,
  type SourcedReading,
} from './counter-reading.js';
import { leaveQuietOut, tickSlis } from './preset-selection.js';
import type { PresetChoice } from './preset.rule.js';
import { judgeRoutes, routeGroups } from './route.rule.js';
import {
  aggregateTick,
  classifySli,
  evaluateCheck,
  type BaselineKind,
  type CheckEvidence,
  type Reading,
  type SliEvidence,
  type TickOutcome,
} from './tick.rule.js';
import {
  decideVerdict,
  isEvaluatedClassification,
  stepVerification,
  type SliTickSummary,
  type TickSummary,
  type VerdictDecision,
  type VerificationKind,
  type VerificationState,
} from './verdict.rule.js';
import {
  effectiveIntervalSeconds,
  nextWindowStart,
  preDeployLengths,
  preDeployWindow,
  seconds,
  settleWindow,
  tickWindow,
  type TimeRange,
} from './window.rule.js';

export type { Side, SignalSource, SourcedReading, SourcedValue } from './counter-reading.js';

export interface TickContext {
  readonly spec: PolicySpec;
  readonly kind: VerificationKind;
  readonly tickAt: Date;
  readonly deployStartedAt: Date;
  readonly deployFinishedAt: Date;
  /**
   * Where this tick's window starts: the end of the last counted window, or the start of the
   * windows merged since (no traffic, no data, errors); null = the natural window.
   */
  readonly windowStart: Date | null;
  /** The present, to tell samples stamped in the future (default: tickAt). */
  readonly now?: Date;
  /** Whether the previous version is known (a concurrent baseline is possible). */
  readonly hasPreviousVersion: boolean;
  /**
   * Where the pre-deploy baseline ends. A release: its own start. A rollback: the start of the
   * release it rolls back, so that recovery is judged against the last known-good period.
   */
  readonly preDeployAnchor: Date;
}

export interface SliTickEvidence extends SliEvidence {
  readonly window: TimeRange;
  readonly baselineWindow: TimeRange;
  readonly queries: {
    readonly canary: readonly string[];
    readonly baseline: readonly string[];
    readonly preDeploy: readonly string[];
  };
  /** What the counting noticed on each side (resets, new series, no fresh sample yet). */
  readonly notes: readonly string[];
  /** How often this SLI's counters refresh (learnt from their samples; null: unknown). */
  readonly refreshIntervalSeconds: number | null;
}

/** What the tick learnt about the scrape, and the tick interval it leads to. */
export interface ScrapeEvidence {
  /** The slowest refresh interval of the SLIs' counters (null: no samples to tell). */
  readonly refreshIntervalSeconds: number | null;
  /** Samples stamped in the future (FUTURE_SAMPLE when any). */
  readonly futureSamples: number;
  /** Seconds to the next tick: the policy's interval and window, at least one refresh interval. */
  readonly nextTickSeconds: number;
}

export interface TickEvaluation {
  readonly at: Date;
  readonly window: TimeRange;
  readonly inWarmUp: boolean;
  readonly slis: readonly SliTickEvidence[];
  readonly checks: readonly (CheckEvidence & { readonly queries: readonly string[] })[];
  readonly outcome: TickOutcome;
  readonly scrape: ScrapeEvidence;
  /** Where the next tick's window starts (this window's end when it was counted). */
  readonly nextWindowStart: Date | null;
  /** Under the default SLIs, the presets looked up and judged (null: the policy's own SLIs). */
  readonly presets: PresetChoice | null;
}

async function preDeployReading(
  read: Reader,
  ctx: TickContext,
): Promise<{ sourced: SourcedReading; range: TimeRange }> {
  let last: { sourced: SourcedReading; range: TimeRange } | null = null;
  for (const length of preDeployLengths(ctx.spec.timing.preDeployWindowSeconds)) {
    const range = preDeployWindow({ deployStartedAt: ctx.preDeployAnchor, lengthSeconds: length });
    const sourced = await read('PRE_DEPLOY', range);
    last = { sourced, range };
    const r = sourced.reading;
    // Extend back (up to 24 h) only while the window exists but lacks traffic.
    if (r.kind !== 'OK' || r.counts.total >= ctx.spec.analysis.minRequests) break;
  }
  return last!;
}

type Reader = (
  side: 'CANARY' | 'BASELINE' | 'PRE_DEPLOY',
  range: TimeRange,
) => Promise<SourcedReading>;

/** Every side unreadable for the same reason (samples in the future). */
const blind =
  (code: 'FUTURE_SAMPLE', message: string): Reader =>
  async () => ({ reading: { kind: 'ERROR', code, message }, queries: [], notes: [], series: [] });

/** Canary and concurrent baseline reading the same series: neither can be compared. */
function overlapping(canary: SourcedReading, baseline: SourcedReading | null): Reading | null {
  if (!baseline || canary.reading.kind !== 'OK' || baseline.reading.kind !== 'OK') return null;
  const canarySeries = new Set(canary.series);
  const shared = baseline.series.filter((s) => canarySeries.has(s));
  if (shared.length === 0) return null;
  return {
    kind: 'ERROR',
    code: 'SIDES_OVERLAP',
    message: `the new and the previous version read the same ${shared.length} series (e.g. ${shared[0]}): the SLI's templates must select the version ({{versionRegex}})`,
  };
}

async function evaluateSli(
  source: SignalSource,
  sli: SliSpec,
  ctx: TickContext,
  window: TimeRange,
  probe: ScrapeProbe,
): Promise<SliTickEvidence[]> {
  const settle = settleWindow({
    tickAt: ctx.tickAt,
    deployFinishedAt: ctx.deployFinishedAt,
    settleSeconds: ctx.spec.timing.settleWindowSeconds,
  });
  const refresh = probe.refreshIntervalSeconds;
  const read: Reader =
    probe.futureSamples > 0
      ? blind(
          'FUTURE_SAMPLE',
          `${probe.futureSamples} sample(s) stamped more than a minute after now: an exporter's or Prometheus' clock is ahead (or honor_timestamps with a skewed clock); windows would count increments in the wrong ticks`,
        )
      : (side, range) => readCounts(source, sli, side, range, refresh);
  const concurrentPossible = ctx.kind === 'RELEASE' && ctx.hasPreviousVersion;
  const [canaryRead, canarySettle, pre, concurrentRead] = await Promise.all([
    read('CANARY', window),
    read('CANARY', settle),
    preDeployReading(read, ctx),
    concurrentPossible ? read('BASELINE', window) : Promise.resolve(null),
  ]);
  const overlap = overlapping(canaryRead, concurrentRead);
  const canary = overlap ? { ...canaryRead, reading: overlap } : canaryRead;
  const concurrent =
    overlap && concurrentRead ? { ...concurrentRead, reading: overlap } : concurrentRead;
  // The previous version beside the new one when it still serves enough traffic (§5.2 (1)),
  // else the window before the deploy (§5.2 (2)).
  const useConcurrent =
    concurrent !== null &&
    concurrent.reading.kind === 'OK' &&
    concurrent.reading.counts.total >= ctx.spec.analysis.minRequests;
  const baselineKind: BaselineKind = useConcurrent ? 'CONCURRENT' : 'PRE_DEPLOY';
  const baseline = useConcurrent ? concurrent : pre.sourced;
  const baselineSettle = useConcurrent ? await read('BASELINE', settle) : pre.sourced;
  const evidence = classifySli(
    {
      sli,
      canary: canary.reading,
      baseline: baseline.reading,
      baselineKind,
      canarySettle: canarySettle.reading,
      baselineSettle: baselineSettle.reading,
      preDeploy: pre.sourced.reading,
    },
    ctx.spec.analysis,
  );
  const notes = [
    ...canary.notes.map((n) => `canary ${n}`),
    ...(useConcurrent ? baseline.notes.map((n) => `baseline ${n}`) : []),
  ];
  // New series are routine (new pods, a first 5xx): evidence only; the rest explains the tick.
  const told = notes.filter((n) => !n.includes('NEW_SERIES'));
  const baselineWindow = useConcurrent ? window : pre.range;
  const aggregate: SliTickEvidence = {
    ...evidence,
    reason: told.length > 0 ? `${evidence.reason} [${told.join('; ')}]` : evidence.reason,
    window,
    baselineWindow,
    queries: {
      canary: canary.queries,
      baseline: baseline.queries,
      preDeploy: pre.sourced.queries,
    },
    notes,
    refreshIntervalSeconds: refresh,
  };
  // Per route, from the same readings, when the aggregate itself was compared.
  const routes =
    isEvaluatedClassification(evidence.classification) && canary.routes && baseline.routes
      ? judgeRoutes(
          sli,
          routeGroups(canary.routes, baseline.routes, ctx.spec.analysis),
          baselineKind,
          ctx.spec.analysis,
        )
      : [];
  return [
    aggregate,
    ...routes.map((r) => ({
      ...r,
      window,
      baselineWindow,
      queries: { canary: [], baseline: [], preDeploy: [] },
      notes: [],
      refreshIntervalSeconds: refresh,
    })),
  ];
}

export async function evaluateTick(
  source: SignalSource,
  ctx: TickContext,
): Promise<TickEvaluation> {
  const { spec } = ctx;
  const chosen = await tickSlis(source, spec, ctx.preDeployAnchor, ctx.tickAt);
  const window = tickWindow({
    tickAt: ctx.tickAt,
    deployFinishedAt: ctx.deployFinishedAt,
    windowSeconds: spec.timing.windowSeconds,
    windowStart: ctx.windowStart,
  });
  const probes = await Promise.all(
    chosen.slis.map((sli) => probeScrape(source, sli, ctx.tickAt, ctx.now ?? ctx.tickAt)),
  );
  const intervals = probes.flatMap((p) =>
    p.refreshIntervalSeconds === null ? [] : [p.refreshIntervalSeconds],
  );
  const refreshIntervalSeconds = intervals.length > 0 ? Math.max(...intervals) : null;
  const futureSamples = probes.reduce((n, p) => n + p.futureSamples, 0);
  const interval = effectiveIntervalSeconds(spec.timing, refreshIntervalSeconds);
  const inWarmUp =
    ctx.tickAt.getTime() - ctx.deployFinishedAt.getTime() <= spec.timing.warmUpSeconds * 1000;
  const length = seconds(window);
  if (refreshIntervalSeconds !== null && length < refreshIntervalSeconds && futureSamples === 0) {
    // Too short to hold a new sample of every series (the first tick, before the interval was
    // known): not read; the window runs on and the next tick comes when it is long enough.
    return {
      at: ctx.tickAt,
      window,
      inWarmUp,
      slis: [],
      checks: [],
      outcome: {
        classification: 'INSUFFICIENT',
        severity: null,
        baselineDegraded: false,
        settleSignificant: false,
        reason: `the ${length}s window is shorter than the counters' refresh interval (${refreshIntervalSeconds}s): it cannot hold a new sample of every series; it runs on into the next tick's`,
      },
      scrape: {
        refreshIntervalSeconds,
        futureSamples,
        nextTickSeconds: interval - length,
      },
      nextWindowStart: window.start,
      presets: chosen.presets,
    };
  }
  const [read, checks] = await Promise.all([
    Promise.all(chosen.slis.map((sli, i) => evaluateSli(source, sli, ctx, window, probes[i]))).then(
      (perSli) => perSli.flat(),
    ),
    Promise.all(
      spec.checks.map(async (check) => {
        const sourced = await source.value(check, window);
        return { ...evaluateCheck(check, sourced.reading), queries: sourced.queries };
      }),
    ),
  ]);
  const { slis, presets } = leaveQuietOut(read, chosen.presets, spec.analysis.minRequests);
  const aggregate = aggregateTick(slis, checks);
  // No default SLI family exported: no SLI to read, and the reason says what was looked for.
  const outcome = presets?.noSignals ? { ...aggregate, reason: presets.noSignals } : aggregate;
  return {
    at: ctx.tickAt,
    window,
    inWarmUp,
    slis,
    checks,
    outcome,
    scrape: { refreshIntervalSeconds, futureSamples, nextTickSeconds: interval },
    nextWindowStart: nextWindowStart(window, isEvaluatedClassification(outcome.classification)),
    presets,
  };
}

export const toSummary = (t: TickEvaluation): TickSummary => ({
  at: t.at,
  windowStart: t.window.start,
  slis: t.slis.map(sliSummary),
  classification: t.outcome.classification,
  severity: t.outcome.severity,
  baselineDegraded: t.outcome.baselineDegraded,
  settleSignificant: t.outcome.settleSignificant,
  inWarmUp: t.inWarmUp,
  noSignals: t.presets?.noSignals ?? null,
});

/** What the verdict keeps of one SLI's evidence (also read back from stored evidence). */
export function sliSummary(s: SliEvidence): SliTickSummary {
  const counts = (side: { total: number; bad: number } | null) =>
    side ? { total: side.total, bad: side.bad } : null;
  return {
    name: s.name,
    ...(s.route === undefined ? {} : { route: s.route }),
    objective: s.objective,
    classification: s.classification,
    severity: s.severity,
    baselineKind: s.baselineKind,
    canary: counts(s.canary),
    baseline: counts(s.baseline),
  };
}

export interface ReplayInput {
  readonly spec: PolicySpec;
  readonly kind: VerificationKind;
  readonly deployStartedAt: Date;
  readonly deployFinishedAt: Date;
  readonly hasPreviousVersion: boolean;
  readonly preDeployAnchor?: Date;
  /** Stop replaying here even without a verdict (e.g. the present, for a backtest). */
  readonly until?: Date;
  /** The present, to tell samples stamped in the future (default: each tick's instant). */
  readonly now?: Date;
}

export interface ReplayResult {
  /** The verdict standing at the end (after the watch of an early HEALTHY). */
  readonly decision: VerdictDecision;
  /** When that verdict was reached, or null while still RUNNING. */
  readonly decidedAt: Date | null;
  /** When the verification first became HEALTHY (even if the watch overturned it later). */
  readonly healthyAt: Date | null;
  readonly ticks: readonly TickEvaluation[];
  /** The verification's state after each tick. */
  readonly states: readonly VerificationState[];
}

/** Runs a verification from the first tick to its verdict, as the scheduler would. */
export async function replayVerification(
  source: SignalSource,
  input: ReplayInput,
): Promise<ReplayResult> {
  const { spec } = input;
  const ticks: TickEvaluation[] = [];
  const summaries: TickSummary[] = [];
  let windowStart: Date | null = null;
  const limitSeconds = Math.max(
    spec.timing.maxVerificationSeconds,
    input.kind === 'ROLLBACK' ? spec.timing.rollbackVerifyTimeoutSeconds : 0,
  );
  let decision: VerdictDecision = {
    state: 'RUNNING',
    reason: 'no tick yet',
    canaryRegressed: false,
    transientRegressionTicks: 0,
  };
  let state: VerificationState = 'RUNNING';
  let decidedAt: Date | null = null;
  let healthyAt: Date | null = null;
  const states: VerificationState[] = [];
  const finished = input.deployFinishedAt.getTime();
  // The first tick as the starter schedules it, then as each tick says (the refresh interval).
  let tickAt = new Date(finished + effectiveIntervalSeconds(spec.timing, null) * 1000);
  // decideVerdict is final once the limit has passed; the bound only guards against a loop.
  while (tickAt.getTime() - finished <= (limitSeconds + 3600) * 1000) {
    if (input.until && tickAt.getTime() > input.until.getTime()) break;
    const tick = await evaluateTick(source, {
      spec,
      kind: input.kind,
      tickAt,
      deployStartedAt: input.deployStartedAt,
      deployFinishedAt: input.deployFinishedAt,
      windowStart,
      hasPreviousVersion: input.hasPreviousVersion,
      preDeployAnchor: input.preDeployAnchor ?? input.deployStartedAt,
      now: input.now,
    });
    ticks.push(tick);
    summaries.push(toSummary(tick));
    windowStart = tick.nextWindowStart;
    const raw = decideVerdict({
      kind: input.kind,
      startedAt: input.deployFinishedAt,
      now: tickAt,
      ticks: summaries,
      timing: spec.timing,
      analysis: spec.analysis,
    });
    const step = stepVerification(state, raw);
    state = step.state;
    states.push(state);
    if (step.verdict) {
      decision = step.verdict;
      decidedAt = tickAt;
      if (state === 'HEALTHY') healthyAt ??= tickAt;
    } else if (state === 'RUNNING') {
      decision = raw;
    }
    if (!step.ticking) break;
    tickAt = new Date(tickAt.getTime() + tick.scrape.nextTickSeconds * 1000);
  }
  return { decision, decidedAt, healthyAt, ticks, states };
}
