import type { JsonValue } from '../common/graphql/scalars.js';
import type { ReplayResult, TickEvaluation } from './analysis/tick-evaluator.js';
import type {
  TickClassificationEnum,
  VerificationStateEnum,
  VerificationTickModel,
} from './models/release-verification.model.js';
import type { VerificationTickEntity } from './verification-tick.entity.js';

/**
 * The evidence of a tick as it is stored (jsonb) and shown (GraphQL `evidence`): per SLI the
 * queries, windows, counts both sides, p-value, ratio, delta, burn rates, what the counting
 * noticed (resets, new series) and the issue behind a blind side; per check its value; the
 * scrape (refresh interval found, samples from the future, seconds to the next tick); under the
 * default SLIs, the presets looked up, chosen and left out as too quiet (`presets`).
 * Normalised through JSON, so a replayed tick (backtest) shows exactly what a stored one would.
 */
export function tickEvidence(tick: TickEvaluation): JsonValue {
  return JSON.parse(
    JSON.stringify({
      slis: tick.slis,
      checks: tick.checks,
      scrape: tick.scrape,
      ...(tick.presets ? { presets: tick.presets } : {}),
    }),
  ) as JsonValue;
}

/** A tick that ran and was stored (releaseVerification). */
export function storedTickModel(t: VerificationTickEntity): VerificationTickModel {
  return {
    number: t.tickNumber,
    at: t.tickAt,
    windowStart: t.windowStart,
    windowEnd: t.windowEnd,
    classification: t.classification as TickClassificationEnum,
    severity: t.severity,
    baselineDegraded: t.baselineDegraded,
    inWarmUp: t.inWarmUp,
    reason: t.reason,
    stateAfter: t.stateAfter as VerificationStateEnum,
    durationSeconds: t.durationSeconds,
    evidence: t.evidence as JsonValue,
  };
}

/**
 * The ticks of a replayed verification (backtestPolicy), each with the state it left (an early
 * HEALTHY's watch ticks included); replayed ticks are not timed (durationSeconds null).
 */
export function replayedTickModels(replay: ReplayResult): VerificationTickModel[] {
  return replay.ticks.map((tick, i) => ({
    number: i + 1,
    at: tick.at,
    windowStart: tick.window.start,
    windowEnd: tick.window.end,
    classification: tick.outcome.classification as TickClassificationEnum,
    severity: tick.outcome.severity,
    baselineDegraded: tick.outcome.baselineDegraded,
    inWarmUp: tick.inWarmUp,
    reason: tick.outcome.reason,
    stateAfter: replay.states[i] as VerificationStateEnum,
    durationSeconds: null,
    evidence: tickEvidence(tick),
  }));
}
