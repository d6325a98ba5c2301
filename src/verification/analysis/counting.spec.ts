/**
 * Why SLIs are read at window boundaries (docs/verification.md "Counting"): on a simulated
 * scrape (two pods, each with its own phase and a jitter, the deploy off the scrape grid), the
 * earlier reading — `sum(increase(requests[30s]))` at each 30 s tick's end, with Prometheus'
 * extrapolation — has no value at all at a 60 s scrape, reads garbage at 30 s and never sees half
 * of the increments at 15 s; the boundary reading (counter-reading.ts, the production code) counts
 * every request once at each of them.
 */
import { DEFAULT_SLIS } from '../verification-policy.js';
import { readCounts } from './counter-reading.js';
import { TrafficSimulator, type TrafficScenario } from './traffic-simulator.js';

const DEPLOY = new Date('2026-11-20T10:00:00Z');
const [ERRORS] = DEFAULT_SLIS;
const RPS = 100;

const scrape = (
  scrapeIntervalSeconds: number,
  overrides: Partial<TrafficScenario> = {},
): TrafficSimulator =>
  new TrafficSimulator(
    {
      seed: null,
      beforeSeconds: 600,
      afterSeconds: 1200,
      rps: RPS,
      newShare: 1,
      rates: () => ({ error: 0.01, slow: 0 }),
      scrapeIntervalSeconds,
      scrapeOffsetSeconds: 0.37 * scrapeIntervalSeconds,
      scrapeJitterSeconds: 0.25,
      pods: 2,
      ...overrides,
    },
    DEPLOY,
  );

const at = (s: number) => new Date(DEPLOY.getTime() + s * 1000);
/** Tick ends every 30 s from 60 s to 900 s after the deploy. */
const TICKS = Array.from({ length: 29 }, (_, i) => 60 + 30 * i);

/** The earlier reading of each tick: sum(increase(...[30s])) at its end (null: no value). */
const increaseReadings = (sim: TrafficSimulator, what: 'requests' | 'errors' = 'requests') =>
  TICKS.map((end) => sim.rangeFunction('increase', what, 'NEW', at(end), 30));

/** The boundary readings of the same windows, through the production code. */
async function boundaryReadings(sim: TrafficSimulator, refresh: number) {
  const counts = [];
  for (const end of TICKS) {
    const r = await readCounts(
      sim,
      ERRORS,
      'CANARY',
      { start: at(end - 30), end: at(end) },
      refresh,
    );
    if (r.reading.kind !== 'OK') throw new Error(`window ending ${end}: ${r.reading.kind}`);
    counts.push(r.reading.counts);
  }
  return counts;
}

/** What the counters gained from the first tick's start to the last tick's end, read directly. */
async function served(sim: TrafficSimulator): Promise<number> {
  const total = async (t: number) => {
    const r = await sim.lastValues(ERRORS, 'total', 'CANARY', at(t));
    if (!Array.isArray(r.result)) throw new Error('no reading');
    return (r.result as { value: number }[]).reduce((sum, v) => sum + v.value, 0);
  };
  return (await total(TICKS.at(-1)!)) - (await total(TICKS[0] - 30));
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

describe('reading SLIs on a real scrape', () => {
  it('at a 60 s scrape, increase() over 30 s has no value in any window; the boundaries count them all', async () => {
    const sim = scrape(60);
    expect(increaseReadings(sim).every((v) => v === null)).toBe(true);
    const counts = await boundaryReadings(sim, 60);
    expect(sum(counts.map((c) => c.total))).toBeCloseTo(await served(sim), 6);
    // Every request of 14 minutes, within a scrape interval of traffic.
    expect(Math.abs(sum(counts.map((c) => c.total)) - RPS * 870)).toBeLessThanOrEqual(RPS * 60);
  });

  it('at a 30 s scrape off the grid, increase() is empty or extrapolated window by window; the boundaries are exact', async () => {
    const sim = scrape(30);
    const old = increaseReadings(sim);
    expect(old.filter((v) => v === null).length).toBeGreaterThan(0);
    const read = sum(old.map((v) => v ?? 0));
    const truth = await served(sim);
    // Off by more than a fifth of the traffic.
    expect(Math.abs(read - truth) / truth).toBeGreaterThan(0.2);
    const counts = await boundaryReadings(sim, 30);
    expect(sum(counts.map((c) => c.total))).toBeCloseTo(truth, 6);
    expect(sum(counts.map((c) => c.bad))).toBeCloseTo(truth * 0.01, 6);
  });

  it('at a 15 s scrape, increase() never reads the 15 s between two windows; a burst there is invisible to it, not to the boundaries', async () => {
    // The new pod's samples fall at 3.72 + 15k s (its phase on a grid 5.55 s off the deploy), so
    // the range [T − 30, T] of the tick ending at T = 30k s holds the samples at T − 26.28 and
    // T − 11.28: what the counter gains between T − 11.28 and the next range's first sample at
    // T + 3.72 is read by no tick. A burst of 5xx in seconds 1069-1081 lies there.
    const burst = (v: string, t: number) => ({
      error: v === 'NEW' && t >= 1069 && t < 1082 ? 0.5 : 0,
      slow: 0,
    });
    const sim = scrape(15, { rates: burst, pods: 1, scrapeJitterSeconds: 0 });
    const ticks = [1050, 1080, 1110, 1140];
    const probe = await sim.scrape(ERRORS, at(1110), at(1110));
    if (!('samples' in probe.result)) throw new Error('no samples');
    expect(probe.result.samples.map((p) => p.t - DEPLOY.getTime() / 1000).slice(-3)).toEqual([
      expect.closeTo(1068.72, 2),
      expect.closeTo(1083.72, 2),
      expect.closeTo(1098.72, 2),
    ]);
    const old = ticks.map(
      (end) => sim.rangeFunction('increase', 'errors', 'NEW', at(end), 30) ?? 0,
    );
    expect(sum(old)).toBe(0);
    let errors = 0;
    for (const end of ticks) {
      const r = await readCounts(sim, ERRORS, 'CANARY', { start: at(end - 30), end: at(end) }, 15);
      if (r.reading.kind === 'OK') errors += r.reading.counts.bad;
    }
    expect(errors).toBeCloseTo(RPS * 13 * 0.5, 6);
  });
});
