/**
 * The labelled corpus through the simulator, at every scrape interval (15, 30, 60 s) and offset,
 * on expected traffic (the labels are about the signal; bench/detection measures the noise with
 * seeded traffic and reports the error rates), tick by tick through the production code (replayVerification) with
 * the default policy: every verdict right, critical regressions within their deadline, healthy
 * releases of ≥ 10 requests/s HEALTHY within 300 s.
 */
import { defaultPolicySpec } from '../verification-policy.js';
import {
  CORPUS,
  SCRAPE_INTERVALS,
  SCRAPE_OFFSETS,
  corpusTraffic,
  judgeCorpusOutcome,
} from './scenario-corpus.js';
import { replayVerification } from './tick-evaluator.js';
import { TrafficSimulator } from './traffic-simulator.js';

const DEPLOY = new Date('2026-11-20T10:00:00Z');
const SPEC = { ...defaultPolicySpec([]), mode: 'ENFORCE' as const };

describe('labelled scenario corpus through the simulator', () => {
  for (const interval of SCRAPE_INTERVALS) {
    for (const share of SCRAPE_OFFSETS) {
      const offset = Math.round(share * interval);
      it(`every verdict is right at a ${interval}s scrape, deploy ${offset}s off the grid`, async () => {
        const problems: string[] = [];
        for (const c of CORPUS) {
          const run = { scrapeIntervalSeconds: interval, offsetSeconds: offset, seed: null };
          const sim = new TrafficSimulator(corpusTraffic(c, run), DEPLOY);
          const r = await replayVerification(sim, {
            spec: SPEC,
            kind: 'RELEASE',
            deployStartedAt: DEPLOY,
            deployFinishedAt: DEPLOY,
            hasPreviousVersion: c.newShare < 1,
          });
          const outcome = {
            state: r.decision.state,
            decidedAfterSeconds: r.decidedAt
              ? (r.decidedAt.getTime() - DEPLOY.getTime()) / 1000
              : null,
          };
          for (const p of judgeCorpusOutcome(c, run, outcome)) {
            problems.push(`${c.name}: ${p} (${r.decision.reason})`);
          }
        }
        expect(problems).toEqual([]);
      });
    }
  }
});
