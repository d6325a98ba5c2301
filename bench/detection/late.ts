/**
 * bench/detection, late regressions: releases rolled out to all the traffic (lateCorpus), verified
 * by the production analysis (replayVerification) and, once HEALTHY, watched as
 * LateWatchService does without its database: the first check one interval after the verdict,
 * then every `lateWatchIntervalSeconds` until `lateWatchSeconds` after the deploy, each check
 * reading every SLI's pairs as the service does (readLatePairs: burnWindowPairs, pairWindows and
 * the verification's counter reading) on the simulated scrape, judged by judgeLateCheck. Per scrape
 * interval: the delay from the onset of the errors to the check that finds them, and the late
 * alerts on healthy releases over the whole watch. Flagger's and Argo Rollouts' analyses end with
 * the rollout (at promotion): they are not watching then.
 */
import { corpusTraffic, type CorpusCase } from '../../src/verification/analysis/scenario-corpus.js';
import { replayVerification } from '../../src/verification/analysis/tick-evaluator.js';
import { TrafficSimulator } from '../../src/verification/analysis/traffic-simulator.js';
import {
  judgeLateCheck,
  nextLateCheck,
} from '../../src/verification/late-watch/late-regression.rule.js';
import { readLatePairs } from '../../src/verification/late-watch/late-readings.js';
import type { PolicySpec } from '../../src/verification/verification-policy.js';

export interface LateRun {
  /** The verification's verdict (the watch starts only after a healthy one). */
  readonly verdict: string;
  /** Seconds after the deploy of the check that found a late regression, or null. */
  readonly foundAt: number | null;
  /** The pair that burnt (`1h/5m`, `6h/30m`), or null. */
  readonly pair: string | null;
  readonly checks: number;
}

const WATCHED = new Set(['HEALTHY', 'HEALTHY_LOW_CONFIDENCE']);

/** One run: the verification, then the watch (until the first late regression or its end). */
export async function watchRun(
  spec: PolicySpec,
  c: CorpusCase,
  run: Parameters<typeof corpusTraffic>[1],
  deploy: Date,
): Promise<LateRun> {
  const sim = new TrafficSimulator(corpusTraffic(c, run), deploy);
  const r = await replayVerification(sim, {
    spec,
    kind: 'RELEASE',
    deployStartedAt: deploy,
    deployFinishedAt: deploy,
    hasPreviousVersion: true,
  });
  const verdict = r.decision.state;
  if (!WATCHED.has(verdict) || !r.decidedAt)
    return { verdict, foundAt: null, pair: null, checks: 0 };
  const { lateWatchSeconds, lateWatchIntervalSeconds } = spec.timing;
  const until = new Date(deploy.getTime() + lateWatchSeconds * 1000);
  let at: Date | null = new Date(
    Math.min(r.decidedAt.getTime() + lateWatchIntervalSeconds * 1000, until.getTime()),
  );
  let checks = 0;
  while (at) {
    const readings = await readLatePairs(sim, spec.slis, spec.analysis, at, deploy);
    checks++;
    const { regression } = judgeLateCheck(readings, spec.analysis);
    if (regression) {
      return {
        verdict,
        foundAt: (at.getTime() - deploy.getTime()) / 1000,
        pair: regression.pair,
        checks,
      };
    }
    at = nextLateCheck({
      at,
      until,
      intervalSeconds: lateWatchIntervalSeconds,
      latest: true,
      regressed: false,
    }).nextCheckAt;
  }
  return { verdict, foundAt: null, pair: null, checks };
}
