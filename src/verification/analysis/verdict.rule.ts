/**
 * The verdict state machine (rollback-anchors.md §5.4), a pure function of the ticks so far and
 * `now`. It never rolls back on missing evidence: no data and query errors lead to INCONCLUSIVE or
 * UNVERIFIED, a degraded baseline to ENV_DEGRADED (alert only).
 */
import type { AnalysisParameters, VerificationTiming } from '../verification-policy.js';
import type { Severity, TickClassification } from './tick.rule.js';

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

export interface TickSummary {
  readonly at: Date;
  readonly classification: TickClassification;
  readonly severity: Severity | null;
  readonly baselineDegraded: boolean;
  readonly settleSignificant: boolean;
  /** Within warm-up: a REGRESSION is recorded but not counted (a CRITICAL is). */
  readonly inWarmUp: boolean;
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
}

const EVALUATED: ReadonlySet<TickClassification> = new Set([
  'PASS',
  'REGRESSION',
  'CRITICAL',
  'BASELINE_DEGRADED',
]);
const BLIND: ReadonlySet<TickClassification> = new Set(['ERROR', 'NO_DATA']);

export const isEvaluated = (t: TickSummary): boolean => EVALUATED.has(t.classification);
const isSevere = (t: TickSummary): boolean =>
  t.classification === 'CRITICAL' || (t.classification === 'REGRESSION' && t.severity === 'SEVERE');
const isRegression = (t: TickSummary): boolean =>
  t.classification === 'CRITICAL' || t.classification === 'REGRESSION';

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
  // Ticks that count for k-of-n: evaluated, and past warm-up unless CRITICAL.
  const counted = evaluated
    .filter((t) => !t.inWarmUp || t.classification === 'CRITICAL')
    .slice(-a.failN);

  // CRITICAL fast path: two consecutive CRITICAL ticks.
  const lastTwo = ticks.slice(-2);
  if (lastTwo.length === 2 && lastTwo.every((t) => t.classification === 'CRITICAL')) {
    if (lastTwo.some((t) => t.baselineDegraded)) {
      return decision(
        'ENV_DEGRADED',
        'CRITICAL on 2 consecutive ticks, but the baseline is degraded too: rollback advised, not automatic',
        true,
      );
    }
    return decision('FAILED', 'CRITICAL on 2 consecutive ticks with a healthy baseline');
  }

  const severe = counted.filter(isSevere).length;
  if (severe >= a.failK) {
    if (counted.some((t) => t.baselineDegraded)) {
      return decision(
        'ENV_DEGRADED',
        `severe regression on ${severe} of the last ${counted.length} evaluated ticks, but the baseline is degraded: rollback advised, not automatic`,
        true,
      );
    }
    return decision(
      'FAILED',
      `severe regression on ${severe} of the last ${counted.length} evaluated ticks (need ${a.failK} of ${a.failN}) with a healthy baseline`,
    );
  }

  const lastEvaluated = evaluated.slice(-2);
  if (lastEvaluated.length === 2 && lastEvaluated.every((t) => t.baselineDegraded)) {
    return decision(
      'ENV_DEGRADED',
      'the baseline burns the error budget at page rate on 2 consecutive ticks: pre-existing incident, release not implicated',
      lastEvaluated.some(isSevere),
    );
  }

  const elapsed = (input.now.getTime() - input.startedAt.getTime()) / 1000;
  const rollback = input.kind === 'ROLLBACK';
  const bake = rollback ? 0 : timing.bakeSeconds;
  // Mild k-of-n is a ticket, decided once the bake is over: until then it may still escalate
  // to a severe regression (a degradation that began mid-bake fills the settle window slowly).
  const regressions = counted.filter(isRegression).length;
  if (regressions >= a.failK && elapsed >= bake) {
    return decision(
      'DEGRADED',
      `mild regression on ${regressions} of the last ${counted.length} evaluated ticks: below page rate, no rollback`,
    );
  }

  let blindRun = 0;
  for (let i = ticks.length - 1; i >= 0 && BLIND.has(ticks[i].classification); i--) blindRun++;
  if (blindRun > a.consecutiveErrorLimit) {
    return decision(
      'INCONCLUSIVE',
      `${blindRun} consecutive ticks without data or with query errors: cannot judge the release`,
    );
  }

  const minTicks = rollback ? a.passK : Math.max(a.minEvaluatedTicks, a.passK);
  const lastPass = evaluated.slice(-a.passK);
  const last = ticks.at(-1);
  if (
    elapsed >= bake &&
    evaluated.length >= minTicks &&
    lastPass.length === a.passK &&
    lastPass.every((t) => t.classification === 'PASS')
  ) {
    // A rollback is judged on its current ticks; its settle window still holds the bad release.
    if (!rollback && last?.settleSignificant) {
      return decision(
        'DEGRADED',
        `the settle window (${timing.settleWindowSeconds}s) still shows a significant regression at the end of the bake`,
      );
    }
    const transient = ticks.filter(isRegression).length;
    return decision(
      'HEALTHY',
      transient > 0
        ? `healthy after a transient regression on ${transient} tick(s); the last ${a.passK} evaluated ticks pass`
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
    if (regressions > 0) {
      return decision(
        rollback ? 'FAILED' : 'DEGRADED',
        rollback
          ? 'the rollback did not recover within the verification timeout'
          : `unresolved regression on ${regressions} recent tick(s) at the maximum verification time`,
      );
    }
    return decision(
      'HEALTHY_LOW_CONFIDENCE',
      `only ${evaluated.length} evaluated window(s) before the maximum verification time, none regressed`,
    );
  }
  return decision('RUNNING', last ? `tick ${ticks.length}: ${last.classification}` : 'waiting');
}
