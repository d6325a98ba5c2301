/**
 * Evidence pooled over the whole bake, per SLI (docs/verification.md "Decision rules"):
 *
 * - the **whole-bake test**: the exact conditional binomial test of tick.rule on the counts of
 *   every evaluated window after warm-up, added up (one look, at the moment a verdict would be
 *   HEALTHY or at the end of the bake, at level `alpha`);
 * - the **sequential healthy test**: Wald's sequential probability ratio of "the new version burns
 *   the budget `pageBurnRate` times faster than its baseline" against "it is as good as its
 *   baseline", on the counts of every evaluated window (warm-up included: more evidence, never
 *   less caution). HEALTHY may come early only when the log ratio has fallen to ln(beta). Only
 *   this lower boundary is used, so the ratio, under the bad hypothesis, is a non-negative
 *   martingale and Ville's inequality bounds the chance of ever crossing it by `beta`, however
 *   often it is looked at (an always-valid test: no alpha spending needed).
 *
 * Pure: tick summaries in, evidence out.
 */
import type { AnalysisParameters } from '../verification-policy.js';
import { regressionTest, type BaselineKind, type Counts } from './tick.rule.js';

/** One SLI of one tick, as the verdict needs it (both sides read and past the data gate). */
export interface SliWindow {
  readonly name: string;
  /** A per-route judgement's route (absent on the service aggregate). */
  readonly route?: string;
  readonly objective: number;
  readonly baselineKind: BaselineKind;
  readonly canary: Counts;
  readonly baseline: Counts;
}

export interface PooledSli {
  readonly name: string;
  readonly objective: number;
  readonly canary: Counts;
  readonly baseline: Counts;
  readonly windows: number;
}

const add = (a: Counts, b: Counts): Counts => ({ total: a.total + b.total, bad: a.bad + b.bad });
const ZERO: Counts = { total: 0, bad: 0 };

/**
 * Adds up each SLI's windows. A concurrent baseline is a new sample every window and adds up
 * too; a pre-deploy baseline is the same period read again by every tick, so it counts once
 * (its largest reading).
 */
export function poolWindows(windows: readonly (readonly SliWindow[])[]): PooledSli[] {
  const bySli = new Map<
    string,
    { objective: number; canary: Counts; concurrent: Counts; preDeploy: Counts; windows: number }
  >();
  for (const tick of windows) {
    for (const w of tick) {
      const p = bySli.get(w.name) ?? {
        objective: w.objective,
        canary: ZERO,
        concurrent: ZERO,
        preDeploy: ZERO,
        windows: 0,
      };
      p.canary = add(p.canary, w.canary);
      if (w.baselineKind === 'CONCURRENT') p.concurrent = add(p.concurrent, w.baseline);
      else if (w.baseline.total > p.preDeploy.total) p.preDeploy = w.baseline;
      p.windows++;
      bySli.set(w.name, p);
    }
  }
  return [...bySli].map(([name, p]) => ({
    name,
    objective: p.objective,
    canary: p.canary,
    baseline: add(p.concurrent, p.preDeploy),
    windows: p.windows,
  }));
}

export interface WholeBakeResult {
  readonly name: string;
  readonly canary: Counts;
  readonly baseline: Counts;
  readonly pValue: number;
  /** p < alpha and the effect is worth a ticket (minBadEvents, allowedIncrease, minAbsDelta). */
  readonly significant: boolean;
}

export function wholeBakeTest(
  pooled: readonly PooledSli[],
  p: AnalysisParameters,
): WholeBakeResult[] {
  return pooled.map((s) => {
    const test = regressionTest(s.canary, s.baseline, s.objective, p);
    return {
      name: s.name,
      canary: s.canary,
      baseline: s.baseline,
      pValue: test.pValue,
      significant: test.holds,
    };
  });
}

export interface SequentialResult {
  readonly name: string;
  /** ln of the likelihood ratio "burns pageBurnRate × the budget more" / "as good as the baseline". */
  readonly logRatio: number;
  /** ln(beta): at or below it the new version is accepted as healthy. */
  readonly boundary: number;
  readonly accepted: boolean;
}

/**
 * The sequential probability ratio for one SLI. The canary's bad events are Poisson in its
 * requests: rate r0 under "good" (the baseline's ratio, with half an event of prior so that a
 * clean baseline is not a zero rate) and r1 = r0 + pageBurnRate × (1 − objective) under "bad".
 * ln Λ = k·ln(r1/r0) − n·(r1 − r0).
 */
export function sequentialHealthyTest(
  pooled: readonly PooledSli[],
  p: AnalysisParameters,
): SequentialResult[] {
  const boundary = Math.log(p.sequentialBeta);
  return pooled.map((s) => {
    const r0 = (s.baseline.bad + 0.5) / (s.baseline.total + 1);
    const r1 = r0 + p.pageBurnRate * (1 - s.objective);
    const logRatio = Math.max(0, s.canary.bad) * Math.log(r1 / r0) - s.canary.total * (r1 - r0);
    return { name: s.name, logRatio, boundary, accepted: logRatio <= boundary };
  });
}
