/**
 * The verdict state machine (rollback-anchors.md §5.4, with the tolerances of docs/verification.md
 * "Decision rules"), a pure function of the ticks so far and `now`:
 *
 * - FAILED (rollback) when CRITICAL windows follow each other for criticalSustainSeconds, or when
 *   a severe regression has been seen for severeSustainSeconds (first to latest severe window, the
 *   latest one still severe) while burning the budget at page rate over that whole episode: a
 *   burst that stops sooner is a transient, never a rollback;
 * - DEGRADED (ticket) when, after the bake, the whole-bake test or the settle window is
 *   significant; HEALTHY is never given while either is;
 * - HEALTHY at the end of the bake, or from earlyHealthySeconds when the sequential test accepts
 *   every SLI and no recent window was severe; an early HEALTHY is watched to the end of the bake
 *   (`stepVerification`) and gives way to a later FAILED, DEGRADED or ENV_DEGRADED.
 *
 * It never rolls back on missing evidence: no data and query errors lead to INCONCLUSIVE or
 * UNVERIFIED, a degraded baseline to ENV_DEGRADED (alert only).
 */
import type { AnalysisParameters, VerificationTiming } from '../verification-policy.js';
import {
  poolWindows,
  sequentialHealthyTest,
  wholeBakeTest,
  type SliWindow,
} from './bake-evidence.rule.js';
import { binomialUpperTail } from './binomial.calculator.js';
import {
  regressionTest,
  type BaselineKind,
  type Counts,
  type Severity,
  type TickClassification,
} from './tick.rule.js';

export const VERIFICATION_STATES = [
  'RUNNING',
  'HEALTHY',
  'HEALTHY_LOW_CONFIDENCE',
  'UNVERIFIED',
  'DEGRADED',
  'ENV_DEGRADED',
  'FAILED',
  'INCONCLUSIVE',
  'SUPERSEDED',
] as const;
export type VerificationState = (typeof VERIFICATION_STATES)[number];
export type FinalState = Exclude<VerificationState, 'RUNNING'>;

/** RELEASE: a new version; ROLLBACK: the rollback of a failed release, verified in turn. */
export type VerificationKind = 'RELEASE' | 'ROLLBACK';

/** One SLI of a tick, for the verdict's whole-bake and sequential tests. */
export interface SliTickSummary {
  readonly name: string;
  /** A per-route judgement (route.rule): its route; absent on the service aggregate. */
  readonly route?: string;
  readonly objective: number;
  readonly classification: TickClassification;
  readonly severity: Severity | null;
  readonly baselineKind: BaselineKind;
  /** Null when that side was not read (no data, query error). */
  readonly canary: Counts | null;
  readonly baseline: Counts | null;
}

export interface TickSummary {
  readonly at: Date;
  /** Start of the tick's window (its end is `at`). */
  readonly windowStart: Date;
  readonly classification: TickClassification;
  readonly severity: Severity | null;
  readonly baselineDegraded: boolean;
  readonly settleSignificant: boolean;
  /** Within warm-up: a REGRESSION is recorded but not counted (a CRITICAL is). */
  readonly inWarmUp: boolean;
  readonly slis: readonly SliTickSummary[];
  /** Under the default SLIs, no family of them has series: why (preset.rule.ts); else null. */
  readonly noSignals?: string | null;
}

export interface VerdictInput {
  readonly kind: VerificationKind;
  /** When the verification started: the deployment's finish. */
  readonly startedAt: Date;
  readonly now: Date;
  /** Every tick so far, oldest first. */
  readonly ticks: readonly TickSummary[];
  readonly timing: VerificationTiming;
  readonly analysis: AnalysisParameters;
}

export interface VerdictDecision {
  readonly state: VerificationState;
  readonly reason: string;
  /** ENV_DEGRADED where the new version is also clearly worse than that baseline. */
  readonly canaryRegressed: boolean;
  /** Regression ticks that did not add up to a failure (annotation on HEALTHY). */
  readonly transientRegressionTicks: number;
  /** An early HEALTHY: the verification keeps ticking to the end of the bake (the watch). */
  readonly watch?: boolean;
  /** DEGRADED on the settle window alone (the whole bake is not significantly worse). */
  readonly settleOnly?: boolean;
}

const EVALUATED: ReadonlySet<TickClassification> = new Set([
  'PASS',
  'REGRESSION',
  'CRITICAL',
  'BASELINE_DEGRADED',
]);
const BLIND: ReadonlySet<TickClassification> = new Set(['ERROR', 'NO_DATA']);

/** A tick whose windows were read and compared (its window is counted; others merge). */
export const isEvaluatedClassification = (c: TickClassification): boolean => EVALUATED.has(c);
export const isEvaluated = (t: TickSummary): boolean => EVALUATED.has(t.classification);
const isSevere = (t: { classification: TickClassification; severity: Severity | null }): boolean =>
  t.classification === 'CRITICAL' || (t.classification === 'REGRESSION' && t.severity === 'SEVERE');
const isRegression = (t: TickSummary): boolean =>
  t.classification === 'CRITICAL' || t.classification === 'REGRESSION';
const seconds = (from: Date, to: Date): number => (to.getTime() - from.getTime()) / 1000;

/** Evaluated ticks whose windows do not overlap an earlier one's (each event counted once). */
function tiled(ticks: readonly TickSummary[]): TickSummary[] {
  const kept: TickSummary[] = [];
  for (const t of ticks) {
    const previous = kept.at(-1);
    if (!previous || t.windowStart.getTime() >= previous.at.getTime()) kept.push(t);
  }
  return kept;
}

/**
 * The SLIs of a tick that were read on both sides and passed the data gate, per-route
 * judgements included: the critical and severe-episode rules (rollbacks) run per route too.
 */
function sliWindows(t: TickSummary): SliWindow[] {
  return t.slis.flatMap((s) =>
    s.canary && s.baseline && EVALUATED.has(s.classification)
      ? [{ ...s, canary: s.canary, baseline: s.baseline }]
      : [],
  );
}

/**
 * The service aggregates only: the whole-bake and sequential tests pool them alone (per route,
 * a test over the whole bake would add a family of tickets, and a sequential test per route
 * would hold back every healthy release with many routes).
 */
const aggregateWindows = (t: TickSummary): SliWindow[] =>
  sliWindows(t).filter((w) => w.route === undefined);

/** The routes critical in a tick when no aggregate SLI is, for the verdict's reason. */
function criticalRoutes(t: TickSummary): string {
  const critical = t.slis.filter((s) => s.classification === 'CRITICAL');
  if (critical.length === 0 || critical.some((s) => s.route === undefined)) return '';
  return ` on ${critical.map((s) => s.name).join(', ')}`;
}

/**
 * A window below the critical line only by noise: the chance of reading at most its bad events,
 * were the SLI exactly at the line, is at least this (one-sided binomial lower tail).
 */
const NEAR_CRITICAL_P = 0.05;

/** The critical line of an SLI: ≥ criticalAbsRatio and ≥ criticalIncrease × its baseline's. */
const criticalLine = (w: { baseline: Counts }, a: AnalysisParameters): number =>
  Math.max(
    a.criticalAbsRatio,
    a.criticalIncrease * (w.baseline.total > 0 ? w.baseline.bad / w.baseline.total : 0),
  );

/**
 * CRITICAL, or severe and not significantly below the critical line on some SLI (counts rounded
 * to whole events, as the regression test does).
 */
function nearCritical(t: TickSummary, a: AnalysisParameters): boolean {
  if (t.classification === 'CRITICAL') return true;
  return sliWindows(t).some((w) => {
    const n = Math.round(w.canary.total);
    const k = Math.min(n, Math.round(w.canary.bad));
    const line = Math.min(1, criticalLine(w, a));
    return n > 0 && 1 - binomialUpperTail(k + 1, n, line) >= NEAR_CRITICAL_P;
  });
}

/** The windows' counts, added up, are critical on some SLI. */
function criticalTotals(run: readonly TickSummary[], a: AnalysisParameters): boolean {
  return poolWindows(tiled(run).map(sliWindows)).some((s) => {
    const rc = s.canary.total > 0 ? s.canary.bad / s.canary.total : 0;
    return rc >= criticalLine(s, a) && rc / (1 - s.objective) >= a.criticalBurnRate;
  });
}

/**
 * The critical run ending with the latest tick, and how long its windows cover: consecutive
 * windows each CRITICAL or below the critical line only by noise (`nearCritical`), at least one
 * of them CRITICAL, whose counts added up are critical (trailing CRITICAL windows always are). A
 * window clearly below the line ends it: the start of a short burst, read with part of the
 * burst, does not make the burst 60 s of critical.
 */
function criticalRun(
  ticks: readonly TickSummary[],
  a: AnalysisParameters,
): { ticks: TickSummary[]; seconds: number } {
  const near: TickSummary[] = [];
  for (let i = ticks.length - 1; i >= 0 && isSevere(ticks[i]) && nearCritical(ticks[i], a); i--) {
    near.unshift(ticks[i]);
  }
  let first = near.length;
  if (near.at(-1)?.classification === 'CRITICAL') {
    first--;
    while (first > 0 && near[first - 1].classification === 'CRITICAL') first--;
  }
  for (let k = first - 1; k >= 0; k--) {
    const run = near.slice(k);
    if (run.some((t) => t.classification === 'CRITICAL') && criticalTotals(run, a)) first = k;
  }
  const run = near.slice(first);
  return { ticks: run, seconds: run.length ? seconds(run[0].windowStart, run.at(-1)!.at) : 0 };
}

interface SevereEpisode {
  /** The SLI (or `checks`) that regressed. */
  readonly signal: string;
  /** From the end of the first severe window to the end of the latest. */
  readonly seconds: number;
  /** The new version's burn rate over the whole episode (null for checks). */
  readonly burnRate: number | null;
  readonly sustained: boolean;
  readonly baselineDegraded: boolean;
}

/**
 * The first window of the severe episode that ends with `latest`: earlier severe windows belong to
 * it while the time between them stays under half of severeSustainSeconds (90 s by default; a
 * flapping pod's good minutes do not end it), or while the windows between them, added up, still
 * show a regression (`recovered` false: a bad window read low by chance makes a gap of 90 s that
 * is not a recovery). A recovery is 90 s in which the new version is no worse than its baseline.
 */
function episodeStart(
  counted: readonly TickSummary[],
  severeOn: (t: TickSummary) => boolean,
  a: AnalysisParameters,
  recovered: (gap: readonly TickSummary[]) => boolean = () => true,
): TickSummary {
  let first = counted.at(-1)!;
  for (let i = counted.length - 2; i >= 0; i--) {
    if (!severeOn(counted[i])) continue;
    if (seconds(counted[i].at, first.windowStart) >= a.severeSustainSeconds / 2) {
      const gap = counted.filter((t) => t.at > counted[i].at && t.at < first.at);
      if (recovered(gap)) break;
    }
    first = counted[i];
  }
  return first;
}

/**
 * The severe episode in progress: the latest counted tick is severe on some signal. It is
 * sustained when it has lasted severeSustainSeconds (end of its first severe window to end of the
 * latest) and the new version burned the budget at page rate over the episode's windows
 * altogether (checks: failed on at least half of them).
 */
function severeEpisode(
  counted: readonly TickSummary[],
  a: AnalysisParameters,
): SevereEpisode | null {
  const latest = counted.at(-1);
  if (!latest || !isSevere(latest)) return null;
  const since = (first: TickSummary) => counted.filter((t) => t.at.getTime() >= first.at.getTime());
  const episodes: SevereEpisode[] = latest.slis.filter(isSevere).map((sli) => {
    const severeOn = (t: TickSummary) => t.slis.some((s) => s.name === sli.name && isSevere(s));
    const recovered = (gap: readonly TickSummary[]) => {
      const [g] = poolWindows(
        tiled(gap).map((t) => sliWindows(t).filter((w) => w.name === sli.name)),
      );
      return !g || !regressionTest(g.canary, g.baseline, sli.objective, a).holds;
    };
    const first = episodeStart(counted, severeOn, a, recovered);
    const span = since(first);
    const [pooled] = poolWindows(
      tiled(span).map((t) => sliWindows(t).filter((w) => w.name === sli.name)),
    );
    const c = pooled?.canary;
    const burnRate = c && c.total > 0 ? c.bad / c.total / (1 - sli.objective) : 0;
    const lasted = seconds(first.at, latest.at);
    return {
      signal: sli.name,
      seconds: lasted,
      burnRate,
      sustained: lasted >= a.severeSustainSeconds && burnRate >= a.pageBurnRate,
      baselineDegraded: span.some((t) => t.baselineDegraded),
    };
  });
  if (episodes.length === 0) {
    // A failed threshold check (no counts to pool): the share of severe windows stands in.
    const first = episodeStart(counted, isSevere, a);
    const span = since(first);
    const lasted = seconds(first.at, latest.at);
    episodes.push({
      signal: 'checks',
      seconds: lasted,
      burnRate: null,
      sustained:
        lasted >= a.severeSustainSeconds && span.filter(isSevere).length * 2 >= span.length,
      baselineDegraded: span.some((t) => t.baselineDegraded),
    });
  }
  return episodes.find((e) => e.sustained) ?? episodes[0];
}

const describeEpisode = (e: SevereEpisode): string =>
  `severe regression of ${e.signal} for ${e.seconds}s` +
  (e.burnRate === null ? '' : `, burning the budget ${e.burnRate.toFixed(1)}× over that time`);

export function decideVerdict(input: VerdictInput): VerdictDecision {
  const { ticks, analysis: a, timing } = input;
  const decision = (
    state: VerificationState,
    reason: string,
    canaryRegressed = false,
  ): VerdictDecision => ({
    state,
    reason,
    canaryRegressed,
    transientRegressionTicks: ticks.filter(isRegression).length,
  });
  const evaluated = ticks.filter(isEvaluated);
  // Ticks that count for a regression: evaluated, and past warm-up unless CRITICAL.
  const counted = evaluated.filter((t) => !t.inWarmUp || t.classification === 'CRITICAL');

  // CRITICAL: consecutive critical windows (severe ones between, when the run adds up to
  // critical) covering criticalSustainSeconds.
  const critical = criticalRun(ticks, a);
  if (critical.ticks.length > 0 && critical.seconds >= a.criticalSustainSeconds) {
    const what = `CRITICAL${criticalRoutes(critical.ticks.at(-1)!)} for ${critical.seconds}s (${critical.ticks.length} consecutive severe windows, need ${a.criticalSustainSeconds}s)`;
    if (critical.ticks.some((t) => t.baselineDegraded)) {
      return decision(
        'ENV_DEGRADED',
        `${what}, but the baseline is degraded too: rollback advised, not automatic`,
        true,
      );
    }
    return decision('FAILED', `${what} with a healthy baseline`);
  }

  const episode = severeEpisode(counted, a);
  if (episode?.sustained) {
    const what = `${describeEpisode(episode)} (need ${a.severeSustainSeconds}s at ${a.pageBurnRate}×)`;
    if (episode.baselineDegraded) {
      return decision(
        'ENV_DEGRADED',
        `${what}, but the baseline is degraded: rollback advised, not automatic`,
        true,
      );
    }
    return decision('FAILED', `${what} with a healthy baseline`);
  }

  const lastEvaluated = evaluated.slice(-2);
  if (lastEvaluated.length === 2 && lastEvaluated.every((t) => t.baselineDegraded)) {
    return decision(
      'ENV_DEGRADED',
      'the baseline burns the error budget at page rate on 2 consecutive ticks: pre-existing incident, release not implicated',
      lastEvaluated.some(isSevere),
    );
  }

  // The default SLIs and no family of them exported: nothing will ever be judged, which is no
  // evidence either way, not a blind Prometheus. As patient as the blind-tick rule, counting only
  // ticks after the warm-up: a first deployment's first scrape (or OTLP export) may come late.
  const latest = ticks.at(-1);
  let silentRun = 0;
  for (let i = ticks.length - 1; i >= 0 && ticks[i].noSignals && !ticks[i].inWarmUp; i--) {
    silentRun++;
  }
  if (silentRun > a.consecutiveErrorLimit) return decision('UNVERIFIED', latest!.noSignals!);

  let blindRun = 0;
  for (let i = ticks.length - 1; i >= 0 && BLIND.has(ticks[i].classification); i--) blindRun++;
  if (silentRun === 0 && blindRun > a.consecutiveErrorLimit) {
    return decision(
      'INCONCLUSIVE',
      `${blindRun} consecutive ticks without data or with query errors: cannot judge the release`,
    );
  }

  const elapsed = seconds(input.startedAt, input.now);
  const rollback = input.kind === 'ROLLBACK';
  const bake = rollback ? 0 : timing.bakeSeconds;
  const last = ticks.at(-1);
  // A rollback is judged on its current ticks: its settle window and its bake still hold the
  // bad release, so neither cumulative test applies to it.
  const bakeTest = rollback
    ? []
    : wholeBakeTest(
        poolWindows(tiled(counted.filter((t) => !t.inWarmUp)).map(aggregateWindows)),
        a,
      );
  const significant = bakeTest.find((b) => b.significant);
  const settleSignificant = !rollback && last?.settleSignificant === true;
  // An episode still under way may yet be sustained: let it run its course before a ticket.
  const episodeUnderWay = episode !== null && episode.seconds < a.severeSustainSeconds;
  if (elapsed >= bake && (significant || settleSignificant) && !episodeUnderWay) {
    return {
      ...decision(
        'DEGRADED',
        significant
          ? `the whole-bake test is significant for ${significant.name}: ${significant.canary.bad}/${significant.canary.total} bad vs baseline ${significant.baseline.bad}/${significant.baseline.total}, p=${significant.pValue.toPrecision(3)} < ${a.alpha}; below a sustained page-rate burn, no rollback`
          : `the settle window (${timing.settleWindowSeconds}s) still shows a significant regression at the end of the bake`,
      ),
      settleOnly: !significant,
    };
  }

  const lastPass = evaluated.slice(-a.passK);
  const passing = lastPass.length === a.passK && lastPass.every((t) => t.classification === 'PASS');
  const transient = ticks.filter(isRegression).length;

  // Early HEALTHY: the sequential test accepts every SLI, none of the last passK evaluated
  // windows was severe, and neither cumulative test is significant. It is provisional: the
  // verification watches on to the end of the bake (stepVerification), so a slow burn still
  // becomes DEGRADED there and a regression that starts later is still rolled back.
  const early = Math.min(timing.earlyHealthySeconds, bake);
  const calm =
    lastPass.length === a.passK &&
    lastPass.every(
      (t) => t.classification === 'PASS' || (t.classification === 'REGRESSION' && !isSevere(t)),
    );
  if (!rollback && elapsed >= early && elapsed < bake && calm && last) {
    const names = new Set(last.slis.filter((s) => s.route === undefined).map((s) => s.name));
    const sequential = sequentialHealthyTest(
      poolWindows(tiled(evaluated).map(aggregateWindows)),
      a,
    );
    if (
      names.size > 0 &&
      sequential.length === names.size &&
      sequential.every((s) => s.accepted) &&
      !significant &&
      !settleSignificant
    ) {
      const worst = Math.max(...sequential.map((s) => s.logRatio));
      return {
        ...decision(
          'HEALTHY',
          `sequential test: every SLI at most ${Math.exp(worst).toPrecision(2)} times as likely under a ${a.pageBurnRate}× burn as under the baseline's rate (need ≤ ${a.sequentialBeta}); ${evaluated.length} evaluated ticks, none of the last ${a.passK} severe; watched until the end of the bake (${bake}s)`,
        ),
        watch: true,
      };
    }
  }

  const minTicks = rollback ? a.passK : Math.max(a.minEvaluatedTicks, a.passK);
  if (elapsed >= bake && evaluated.length >= minTicks && passing) {
    return decision(
      'HEALTHY',
      transient > 0
        ? `healthy after a transient regression on ${transient} tick(s); the last ${a.passK} evaluated ticks pass and the whole bake is not significantly worse`
        : `${evaluated.length} evaluated ticks, the last ${a.passK} pass`,
    );
  }

  const limit = rollback ? timing.rollbackVerifyTimeoutSeconds : timing.maxVerificationSeconds;
  if (elapsed >= limit) {
    if (evaluated.length === 0) {
      return decision(
        'UNVERIFIED',
        'no window had enough traffic before the maximum verification time: no evidence either way',
      );
    }
    const recent = counted.slice(-a.passK).filter(isRegression).length;
    if (recent > 0 || significant) {
      return decision(
        rollback ? 'FAILED' : 'DEGRADED',
        rollback
          ? 'the rollback did not recover within the verification timeout'
          : `unresolved regression at the maximum verification time (${recent} of the last ${a.passK} evaluated ticks regressed)`,
      );
    }
    return decision(
      'HEALTHY_LOW_CONFIDENCE',
      `only ${evaluated.length} evaluated window(s) before the maximum verification time, none regressed recently`,
    );
  }
  return decision('RUNNING', last ? `tick ${ticks.length}: ${last.classification}` : 'waiting');
}

/** What a tick does to a verification: its state after the tick, and whether it acts. */
export interface VerificationStep {
  readonly state: VerificationState;
  /** Another tick is scheduled (RUNNING, or an early HEALTHY watched to the end of the bake). */
  readonly ticking: boolean;
  /** A verdict reached at this tick, whose consequences apply now; null when nothing changed. */
  readonly verdict: VerdictDecision | null;
}

/** Verdicts that replace an early HEALTHY found wrong by the watch. */
const OVERTURNS: ReadonlySet<VerificationState> = new Set(['FAILED', 'DEGRADED', 'ENV_DEGRADED']);

/**
 * Applies a tick's decision to the verification's current state. A RUNNING verification takes
 * the decision; an early HEALTHY keeps ticking (the watch) while the decision is RUNNING or
 * still an early HEALTHY, gives way to FAILED, ENV_DEGRADED or a DEGRADED of the whole-bake test
 * (their consequences apply then), and ends as HEALTHY on any other final decision (missing
 * evidence never overturns a verdict).
 */
export function stepVerification(
  current: VerificationState,
  decision: VerdictDecision,
): VerificationStep {
  if (current === 'RUNNING') {
    return {
      state: decision.state,
      ticking: decision.state === 'RUNNING' || decision.watch === true,
      verdict: decision.state === 'RUNNING' ? null : decision,
    };
  }
  // The watch looks for a slow burn in the whole bake: a second look at the trailing settle
  // window alone would only add false tickets to releases already found healthy.
  if (OVERTURNS.has(decision.state) && decision.settleOnly !== true) {
    return { state: decision.state, ticking: false, verdict: decision };
  }
  return {
    state: current,
    ticking: decision.state === 'RUNNING' || decision.watch === true,
    verdict: null,
  };
}
