/**
 * One verification tick, end to end but without I/O of its own: it decides which windows and
 * baseline to read, asks a SignalSource for the counts (Prometheus in production and backtests,
 * a simulator in the benchmark and the scenario tests), and classifies. `runVerification` replays
 * whole verifications tick by tick with the same code (backtest, benchmark, scenario tests).
 */
import type { PolicySpec, SliSpec, ThresholdCheckSpec } from '../verification-policy.js';
import {
  aggregateTick,
  classifySli,
  evaluateCheck,
  type BaselineKind,
  type CheckEvidence,
  type CheckReading,
  type Reading,
  type SliEvidence,
  type TickOutcome,
} from './tick.rule.js';
import {
  decideVerdict,
  type TickSummary,
  type VerdictDecision,
  type VerificationKind,
} from './verdict.rule.js';
import {
  nextPendingStart,
  preDeployLengths,
  preDeployWindow,
  settleWindow,
  tickWindow,
  type TimeRange,
} from './window.rule.js';

/** Whose counts: the new version, the previous version beside it, or before the deploy. */
export type Side = 'CANARY' | 'BASELINE' | 'PRE_DEPLOY';

export interface SourcedReading {
  readonly reading: Reading;
  /** The PromQL (or description) behind the reading, for the evidence. */
  readonly queries: readonly string[];
}

export interface SourcedValue {
  readonly reading: CheckReading;
  readonly queries: readonly string[];
}

export interface SignalSource {
  counts(sli: SliSpec, side: Side, range: TimeRange): Promise<SourcedReading>;
  value(check: ThresholdCheckSpec, range: TimeRange): Promise<SourcedValue>;
}

export interface TickContext {
  readonly spec: PolicySpec;
  readonly kind: VerificationKind;
  readonly tickAt: Date;
  readonly deployStartedAt: Date;
  readonly deployFinishedAt: Date;
  /** Start of the previous ticks' windows that lacked traffic (they merge). */
  readonly pendingStart: Date | null;
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
}

export interface TickEvaluation {
  readonly at: Date;
  readonly window: TimeRange;
  readonly inWarmUp: boolean;
  readonly slis: readonly SliTickEvidence[];
  readonly checks: readonly (CheckEvidence & { readonly queries: readonly string[] })[];
  readonly outcome: TickOutcome;
  readonly nextPendingStart: Date | null;
}

async function preDeployReading(
  source: SignalSource,
  sli: SliSpec,
  ctx: TickContext,
): Promise<{ sourced: SourcedReading; range: TimeRange }> {
  let last: { sourced: SourcedReading; range: TimeRange } | null = null;
  for (const length of preDeployLengths(ctx.spec.timing.preDeployWindowSeconds)) {
    const range = preDeployWindow({ deployStartedAt: ctx.preDeployAnchor, lengthSeconds: length });
    const sourced = await source.counts(sli, 'PRE_DEPLOY', range);
    last = { sourced, range };
    const r = sourced.reading;
    // Extend back (up to 24 h) only while the window exists but lacks traffic.
    if (r.kind !== 'OK' || r.counts.total >= ctx.spec.analysis.minRequests) break;
  }
  return last!;
}

async function evaluateSli(
  source: SignalSource,
  sli: SliSpec,
  ctx: TickContext,
  window: TimeRange,
): Promise<SliTickEvidence> {
  const settle = settleWindow({
    tickAt: ctx.tickAt,
    deployFinishedAt: ctx.deployFinishedAt,
    settleSeconds: ctx.spec.timing.settleWindowSeconds,
  });
  const concurrentPossible = ctx.kind === 'RELEASE' && ctx.hasPreviousVersion;
  const [canary, canarySettle, pre, concurrent] = await Promise.all([
    source.counts(sli, 'CANARY', window),
    source.counts(sli, 'CANARY', settle),
    preDeployReading(source, sli, ctx),
    concurrentPossible ? source.counts(sli, 'BASELINE', window) : Promise.resolve(null),
  ]);
  // The previous version beside the new one when it still serves enough traffic (§5.2 (1)),
  // else the window before the deploy (§5.2 (2)).
  const useConcurrent =
    concurrent !== null &&
    concurrent.reading.kind === 'OK' &&
    concurrent.reading.counts.total >= ctx.spec.analysis.minRequests;
  const baselineKind: BaselineKind = useConcurrent ? 'CONCURRENT' : 'PRE_DEPLOY';
  const baseline = useConcurrent ? concurrent : pre.sourced;
  const baselineSettle = useConcurrent ? await source.counts(sli, 'BASELINE', settle) : pre.sourced;
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
  return {
    ...evidence,
    window,
    baselineWindow: useConcurrent ? window : pre.range,
    queries: {
      canary: canary.queries,
      baseline: baseline.queries,
      preDeploy: pre.sourced.queries,
    },
  };
}

export async function evaluateTick(
  source: SignalSource,
  ctx: TickContext,
): Promise<TickEvaluation> {
  const { spec } = ctx;
  const window = tickWindow({
    tickAt: ctx.tickAt,
    deployFinishedAt: ctx.deployFinishedAt,
    windowSeconds: spec.timing.windowSeconds,
    pendingStart: ctx.pendingStart,
  });
  const [slis, checks] = await Promise.all([
    Promise.all(spec.slis.map((sli) => evaluateSli(source, sli, ctx, window))),
    Promise.all(
      spec.checks.map(async (check) => {
        const sourced = await source.value(check, window);
        return { ...evaluateCheck(check, sourced.reading), queries: sourced.queries };
      }),
    ),
  ]);
  const outcome = aggregateTick(slis, checks);
  const inWarmUp =
    ctx.tickAt.getTime() - ctx.deployFinishedAt.getTime() <= spec.timing.warmUpSeconds * 1000;
  return {
    at: ctx.tickAt,
    window,
    inWarmUp,
    slis,
    checks,
    outcome,
    nextPendingStart: nextPendingStart(window, outcome.classification === 'INSUFFICIENT'),
  };
}

export const toSummary = (t: TickEvaluation): TickSummary => ({
  at: t.at,
  classification: t.outcome.classification,
  severity: t.outcome.severity,
  baselineDegraded: t.outcome.baselineDegraded,
  settleSignificant: t.outcome.settleSignificant,
  inWarmUp: t.inWarmUp,
});

export interface ReplayInput {
  readonly spec: PolicySpec;
  readonly kind: VerificationKind;
  readonly deployStartedAt: Date;
  readonly deployFinishedAt: Date;
  readonly hasPreviousVersion: boolean;
  readonly preDeployAnchor?: Date;
  /** Stop replaying here even without a verdict (e.g. the present, for a backtest). */
  readonly until?: Date;
}

export interface ReplayResult {
  readonly decision: VerdictDecision;
  /** When the verdict was reached (the deciding tick), or null while still RUNNING. */
  readonly decidedAt: Date | null;
  readonly ticks: readonly TickEvaluation[];
}

/** Runs a verification from the first tick to its verdict, as the scheduler would. */
export async function replayVerification(
  source: SignalSource,
  input: ReplayInput,
): Promise<ReplayResult> {
  const { spec } = input;
  const ticks: TickEvaluation[] = [];
  const summaries: TickSummary[] = [];
  let pendingStart: Date | null = null;
  const interval = spec.timing.intervalSeconds * 1000;
  const limitSeconds = Math.max(
    spec.timing.maxVerificationSeconds,
    input.kind === 'ROLLBACK' ? spec.timing.rollbackVerifyTimeoutSeconds : 0,
  );
  const maxTicks = Math.ceil((limitSeconds * 1000) / interval) + 1;
  let decision: VerdictDecision = {
    state: 'RUNNING',
    reason: 'no tick yet',
    canaryRegressed: false,
    transientRegressionTicks: 0,
  };
  for (let i = 1; i <= maxTicks; i++) {
    const tickAt = new Date(input.deployFinishedAt.getTime() + i * interval);
    if (input.until && tickAt.getTime() > input.until.getTime()) break;
    const tick = await evaluateTick(source, {
      spec,
      kind: input.kind,
      tickAt,
      deployStartedAt: input.deployStartedAt,
      deployFinishedAt: input.deployFinishedAt,
      pendingStart,
      hasPreviousVersion: input.hasPreviousVersion,
      preDeployAnchor: input.preDeployAnchor ?? input.deployStartedAt,
    });
    ticks.push(tick);
    summaries.push(toSummary(tick));
    pendingStart = tick.nextPendingStart;
    decision = decideVerdict({
      kind: input.kind,
      startedAt: input.deployFinishedAt,
      now: tickAt,
      ticks: summaries,
      timing: spec.timing,
      analysis: spec.analysis,
    });
    if (decision.state !== 'RUNNING') return { decision, decidedAt: tickAt, ticks };
  }
  return { decision, decidedAt: null, ticks };
}
