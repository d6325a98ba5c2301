/**
 * Workers through the simulator (docs/verification.md "Default SLIs and presets" and "Verifying a
 * worker by its own counters"), tick by tick through the production code: a queue consumer
 * exporting `messaging.process.duration` is judged on the `messaging` preset, a worker on its own
 * counters under its policy's SLIs; healthy ones HEALTHY, a failure rate jumping to 10 % rolled
 * back within the critical deadline, a worker without metrics UNVERIFIED (fixed seeds; the
 * detection bench measures more).
 */
import { defaultPolicySpec } from '../verification-policy.js';
import {
  SCRAPE_OFFSETS,
  WORKER_CORPUS,
  corpusTraffic,
  judgeCorpusOutcome,
} from './scenario-corpus.js';
import { replayVerification } from './tick-evaluator.js';
import { TrafficSimulator } from './traffic-simulator.js';

const DEPLOY = new Date('2026-11-20T10:00:00Z');
const SPEC = { ...defaultPolicySpec([]), mode: 'ENFORCE' as const };
const since = (d: Date | null) => (d ? (d.getTime() - DEPLOY.getTime()) / 1000 : null);

describe('workers through the simulator', () => {
  it('decides the worker cases right at a 30s scrape, on the family each exports', async () => {
    const problems: string[] = [];
    const chosen = new Set<string>();
    for (const c of WORKER_CORPUS) {
      for (const [k, seed] of [null, 1, 2].entries()) {
        const run = {
          scrapeIntervalSeconds: 30,
          offsetSeconds: Math.round(SCRAPE_OFFSETS[k] * 30),
          seed: seed === null ? null : 3000 + seed,
        };
        const r = await replayVerification(new TrafficSimulator(corpusTraffic(c, run), DEPLOY), {
          spec: c.slis ? { ...SPEC, slis: c.slis } : SPEC,
          kind: 'RELEASE',
          deployStartedAt: DEPLOY,
          deployFinishedAt: DEPLOY,
          hasPreviousVersion: true,
        });
        const outcome = { state: r.decision.state, decidedAfterSeconds: since(r.decidedAt) };
        for (const p of judgeCorpusOutcome(c, run, outcome)) {
          problems.push(`${c.name} (seed ${seed}): ${p} (${r.decision.reason})`);
        }
        const last = r.ticks.at(-1)!;
        chosen.add(`${c.name}: ${last.presets?.chosen.join(',') ?? 'own SLIs'}`);
      }
    }
    expect(problems).toEqual([]);
    expect([...chosen].sort()).toEqual([
      'queue consumer (messaging.process.duration), healthy: messaging',
      'queue consumer failing 10 % (error_type) mid-bake: messaging',
      'worker by its own counters (0.5 % failed), healthy: own SLIs',
      'worker by its own counters failing 0.5 % → 10 % mid-bake: own SLIs',
      'worker without metrics (default policy): ',
    ]);
  });
});
