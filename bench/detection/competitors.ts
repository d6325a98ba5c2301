/**
 * The anchors' rules, evaluated on the same simulated data as Shipwatch (rollback-anchors.md §2-3):
 *
 * - Flagger default: `interval: 1m`, `threshold: 5`, built-in request-success-rate (min 99 %
 *   over 1m) and request-duration (P99 max 500 ms). The first iteration runs no metrics; a check
 *   with no values counts as failed; failed checks are cumulative; the rollback happens at the
 *   iteration after the one that reached the threshold. Our simulator knows the share of requests
 *   slower than the latency objective, not P99: "P99 above the bound" is modelled as "more than
 *   1 % of requests slower than the objective".
 * - Argo Rollouts' documented background analysis: `interval: 5m`, `successCondition:
 *   result[0] >= 0.95` on the success rate over 5m, `failureLimit: 3` (aborts on the 4th failed
 *   measurement); an empty result makes `result[0]` an evaluation Error, retried after 10 s, and
 *   more than 4 consecutive errors (consecutiveErrorLimit) abort too. The first measurement is
 *   at the start of the analysis.
 *
 * Both read the simulated scrape the way their queries do on Prometheus: Flagger
 * `sum(rate(non-5xx[1m])) / sum(rate(all[1m]))`, Argo's example
 * `sum(irate(non-5xx[5m])) / sum(irate(all[5m]))`, with Prometheus' extrapolation and its "fewer
 * than two samples in the range: no value" (a 1m rate at a 60 s scrape is mostly empty).
 */
import type { TrafficSimulator } from '../../src/verification/analysis/traffic-simulator.js';

export interface RuleOutcome {
  /** Seconds after the deploy at which the rule decided to roll back, or null. */
  readonly rollbackAt: number | null;
  readonly reason: string;
}

/** The new version's success rate and slow share over `rangeSeconds` before `to`; null: no value. */
function canary(
  sim: TrafficSimulator,
  deploy: Date,
  to: number,
  rangeSeconds: number,
  fn: 'rate' | 'irate',
): { successRate: number | null; slowShare: number | null } {
  const at = new Date(deploy.getTime() + to * 1000);
  const ok = sim.rangeFunction(fn, 'ok', 'NEW', at, rangeSeconds);
  const all = sim.rangeFunction(fn, 'requests', 'NEW', at, rangeSeconds);
  const slow = sim.rangeFunction(fn, 'slow', 'NEW', at, rangeSeconds);
  // x / 0 is NaN or ±Inf in PromQL: no usable value.
  const ratio = (a: number | null, b: number | null) =>
    a === null || b === null || !(b > 0) ? null : a / b;
  return { successRate: ratio(ok, all), slowShare: ratio(slow, all) };
}

export async function flaggerDefault(
  sim: TrafficSimulator,
  deploy: Date,
  horizonSeconds: number,
): Promise<RuleOutcome> {
  const interval = 60;
  const threshold = 5;
  let failed = 0;
  for (let k = 1; k * interval <= horizonSeconds; k++) {
    const t = k * interval;
    if (failed >= threshold) return { rollbackAt: t, reason: `${failed} failed checks` };
    if (k === 1) continue; // first iteration: pre-rollout hooks only, no metrics
    const { successRate, slowShare } = canary(sim, deploy, t, interval, 'rate');
    if (successRate === null || slowShare === null) {
      failed++; // "no values found": halt advancement and count a failed check
      continue;
    }
    if (successRate < 0.99 || slowShare > 0.01) failed++;
  }
  return { rollbackAt: null, reason: `${failed} failed checks` };
}

export async function argoDocumentedExample(
  sim: TrafficSimulator,
  deploy: Date,
  horizonSeconds: number,
): Promise<RuleOutcome> {
  const interval = 300;
  const failureLimit = 3;
  const consecutiveErrorLimit = 4;
  let failed = 0;
  let consecutiveErrors = 0;
  let t = 0;
  while (t <= horizonSeconds) {
    const { successRate } = canary(sim, deploy, t, interval, 'irate');
    if (successRate === null) {
      consecutiveErrors++;
      if (consecutiveErrors > consecutiveErrorLimit) {
        return { rollbackAt: t, reason: `${consecutiveErrors} consecutive errors (empty result)` };
      }
      t += 10; // DefaultErrorRetryInterval
      continue;
    }
    consecutiveErrors = 0;
    if (!(successRate >= 0.95)) failed++;
    if (failed > failureLimit) return { rollbackAt: t, reason: `${failed} failed measurements` };
    t += interval;
  }
  return { rollbackAt: null, reason: `${failed} failed measurements` };
}
