/**
 * Per-route SLIs through the simulator (docs/verification.md "Per-route judgement"), tick by tick
 * through the production code with the default policy: a regression confined to one route at
 * 2 % of the traffic is rolled back within 180 s of its onset at 15 and 30 s scrapes, and named;
 * without the `http_route` label the aggregate alone is later than that; healthy releases with
 * 50 routes judged apiece are not rolled back more often than with one (fixed seeds; the bench
 * measures more).
 */
import { defaultPolicySpec } from '../verification-policy.js';
import {
  MANY_ROUTES,
  ROUTE_CORPUS,
  ROUTE_DEADLINE_SECONDS,
  SCRAPE_OFFSETS,
  corpusTraffic,
  judgeCorpusOutcome,
  type CorpusCase,
  type CorpusRun,
} from './scenario-corpus.js';
import { replayVerification, type ReplayResult } from './tick-evaluator.js';
import { TrafficSimulator } from './traffic-simulator.js';

const DEPLOY = new Date('2026-11-20T10:00:00Z');
const SPEC = { ...defaultPolicySpec([]), mode: 'ENFORCE' as const };
const since = (d: Date | null) => (d ? (d.getTime() - DEPLOY.getTime()) / 1000 : null);

const caseNamed = (prefix: string): CorpusCase =>
  ROUTE_CORPUS.find((c) => c.name.startsWith(prefix))!;
const PAY = caseNamed('/pay');

async function replay(c: CorpusCase, run: CorpusRun): Promise<ReplayResult> {
  const sim = new TrafficSimulator(corpusTraffic(c, run), DEPLOY);
  return replayVerification(sim, {
    spec: SPEC,
    kind: 'RELEASE',
    deployStartedAt: DEPLOY,
    deployFinishedAt: DEPLOY,
    hasPreviousVersion: true,
  });
}

const runAt = (interval: number, k: number, seed: number | null): CorpusRun => ({
  scrapeIntervalSeconds: interval,
  offsetSeconds: Math.round(SCRAPE_OFFSETS[k % SCRAPE_OFFSETS.length] * interval),
  seed,
});

describe('per-route SLIs through the simulator', () => {
  for (const interval of [15, 30]) {
    it(`decides the routed cases right at a ${interval}s scrape, /pay within ${ROUTE_DEADLINE_SECONDS}s of onset, named`, async () => {
      const problems: string[] = [];
      for (const c of ROUTE_CORPUS.filter((x) => x.ci)) {
        for (const [k, seed] of [null, 1, 2, 3].entries()) {
          const run = runAt(interval, k, seed === null ? null : 1000 * interval + seed);
          const r = await replay(c, run);
          const outcome = { state: r.decision.state, decidedAfterSeconds: since(r.decidedAt) };
          for (const p of judgeCorpusOutcome(c, run, outcome)) {
            problems.push(`${c.name} (seed ${seed}): ${p} (${r.decision.reason})`);
          }
          if (c !== PAY) continue;
          // Named in the verdict and in the deciding tick's evidence; the aggregate alone is a
          // severe regression (about 1 % errors), not a critical one.
          const deciding = r.ticks.at(-1)!.slis;
          const named = [
            r.decision.reason.includes('CRITICAL on errors /pay'),
            deciding.some((s) => s.route === '/pay' && s.classification === 'CRITICAL'),
            deciding.find((s) => s.name === 'errors')?.classification === 'REGRESSION',
          ];
          if (!named.every(Boolean)) {
            problems.push(`${c.name} (seed ${seed}): not named ${JSON.stringify(named)}`);
          }
        }
      }
      expect(problems).toEqual([]);
    }, 60_000);
  }

  it('without the http_route label the aggregate alone rolls /pay back later than the deadline', async () => {
    const unrouted = {
      ...PAY,
      routes: undefined,
      rates: PAY.routes!.find((r) => r.route === '/pay')!.rates!,
    };
    // The same traffic as one series per pod: 2 % of it failing half the time.
    const blended: CorpusCase = {
      ...unrouted,
      rates: (v, t) => {
        const pay = unrouted.rates(v, t);
        return { error: 0.98 * 0.001 + 0.02 * pay.error, slow: 0.005 };
      },
    };
    const r = await replay(blended, runAt(30, 1, null));
    expect(r.decision.state).toBe('FAILED');
    expect(since(r.decidedAt)! - PAY.onsetSeconds!).toBeGreaterThan(ROUTE_DEADLINE_SECONDS);
    expect(r.ticks.every((t) => t.slis.every((s) => s.route === undefined))).toBe(true);
  }, 30_000);

  it(`healthy releases with ${MANY_ROUTES} routes judged apiece are not rolled back more often than with one`, async () => {
    const many = caseNamed(`${MANY_ROUTES} equal routes`);
    const one = caseNamed('one route');
    const tally = {
      many: { rollbacks: 0, healthy: 0, judged: 0 },
      one: { rollbacks: 0, healthy: 0, judged: 0 },
    };
    for (let seed = 1; seed <= 6; seed++) {
      for (const [which, c] of [
        ['many', many],
        ['one', one],
      ] as const) {
        const r = await replay(c, runAt(30, seed, 77_000 + seed));
        const t = tally[which];
        if (r.decision.state === 'FAILED') t.rollbacks++;
        if (r.decision.state === 'HEALTHY') t.healthy++;
        t.judged = Math.max(t.judged, ...r.ticks.map((x) => x.slis.filter((s) => s.route).length));
      }
    }
    // Every route is judged apiece on both SLIs (50 routes × 2), none with one route.
    expect(tally.many.judged).toBe(2 * MANY_ROUTES);
    expect(tally.one.judged).toBe(0);
    expect(tally.many.rollbacks).toBeLessThanOrEqual(tally.one.rollbacks);
    expect(tally).toEqual({
      many: { rollbacks: 0, healthy: 6, judged: 2 * MANY_ROUTES },
      one: { rollbacks: 0, healthy: 6, judged: 0 },
    });
  }, 120_000);
});
