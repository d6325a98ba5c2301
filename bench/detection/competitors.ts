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
 */
import type { TrafficSimulator } from '../../src/verification/analysis/traffic-simulator.js';
import type { TimeRange } from '../../src/verification/analysis/window.rule.js';
import { DEFAULT_SLIS } from '../../src/verification/verification-policy.js';

export interface RuleOutcome {
  /** Seconds after the deploy at which the rule decided to roll back, or null. */
  readonly rollbackAt: number | null;
  readonly reason: string;
}

const [ERRORS, LATENCY] = DEFAULT_SLIS;

async function canary(sim: TrafficSimulator, deploy: Date, from: number, to: number) {
  const range: TimeRange = {
    start: new Date(deploy.getTime() + from * 1000),
    end: new Date(deploy.getTime() + to * 1000),
  };
  const [errors, latency] = await Promise.all([
    sim.counts(ERRORS, 'CANARY', range),
    sim.counts(LATENCY, 'CANARY', range),
  ]);
  return { errors: errors.reading, latency: latency.reading };
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
    const { errors, latency } = await canary(sim, deploy, t - interval, t);
    if (errors.kind !== 'OK' || errors.counts.total <= 0) {
      failed++; // "no values found": halt advancement and count a failed check
      continue;
    }
    const successRate = 1 - errors.counts.bad / errors.counts.total;
    const slowShare = latency.kind === 'OK' ? latency.counts.bad / latency.counts.total : 1;
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
    const { errors } = await canary(sim, deploy, t - interval, t);
    if (errors.kind !== 'OK' || errors.counts.total <= 0) {
      consecutiveErrors++;
      if (consecutiveErrors > consecutiveErrorLimit) {
        return { rollbackAt: t, reason: `${consecutiveErrors} consecutive errors (empty result)` };
      }
      t += 10; // DefaultErrorRetryInterval
      continue;
    }
    consecutiveErrors = 0;
    const successRate = 1 - errors.counts.bad / errors.counts.total;
    if (!(successRate >= 0.95)) failed++;
    if (failed > failureLimit) return { rollbackAt: t, reason: `${failed} failed measurements` };
    t += interval;
  }
  return { rollbackAt: null, reason: `${failed} failed measurements` };
}
