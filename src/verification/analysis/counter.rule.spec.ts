import fc from 'fast-check';
import {
  counterIncrease,
  refreshIntervalOf,
  seriesKey,
  type SamplePoint,
  type SeriesValue,
} from './counter.rule.js';

const at = (series: Record<string, number>): SeriesValue[] =>
  Object.entries(series).map(([s, value]) => ({ series: s, value }));

describe('counterIncrease', () => {
  it('adds up what every series gained between the two boundaries', () => {
    expect(counterIncrease(at({ a: 100, b: 50 }), at({ a: 160, b: 55 }))).toEqual({
      increase: 65,
      series: 2,
      resets: [],
      appeared: [],
      vanished: [],
    });
  });

  it('counts a reset series from 0 and says so', () => {
    // The pod restarted: 100 → (crash) → 0 → 30. The 30 since the restart are counted.
    const r = counterIncrease(at({ a: 100, b: 10 }), at({ a: 30, b: 12 }));
    expect(r.increase).toBe(32);
    expect(r.resets).toEqual(['a']);
  });

  it('counts a new series from 0 (an OpenTelemetry cumulative counter starts at 0)', () => {
    const r = counterIncrease(at({ a: 100 }), at({ a: 110, 'new-pod': 40 }));
    expect(r.increase).toBe(50);
    expect(r.appeared).toEqual(['new-pod']);
  });

  it('notes a series gone at the end and counts nothing for it', () => {
    const r = counterIncrease(at({ a: 100, gone: 70 }), at({ a: 110 }));
    expect(r).toMatchObject({ increase: 10, series: 1, vanished: ['gone'] });
  });

  it('ignores NaN values (no value is no series)', () => {
    const r = counterIncrease(at({ a: NaN }), at({ a: 5, b: NaN }));
    expect(r).toMatchObject({ increase: 5, series: 1, appeared: ['a'] });
  });

  it('keys label sets canonically', () => {
    expect(seriesKey({ b: '2', a: 'x"y' })).toBe(seriesKey({ a: 'x"y', b: '2' }));
    expect(seriesKey({ a: '1' })).not.toBe(seriesKey({ a: '1', b: '' }));
  });
});

// ---------------------------------------------------------------------------------------------
// Exact tiling: random scrape grids (interval, offset, jitter, per series), random counters (pods
// starting late, gaps where a target was not scraped, resets), random tick boundaries.

interface Series {
  readonly name: string;
  readonly samples: readonly SamplePoint[];
}

/** Prometheus' value of a series at t for a window boundary: its last sample at or before t. */
function valueAt(s: Series, t: number): number | undefined {
  let value: number | undefined;
  for (const p of s.samples) {
    if (p.t > t) break;
    value = p.v;
  }
  return value;
}

const readAt = (all: readonly Series[], t: number): SeriesValue[] =>
  all.flatMap((s) => {
    const value = valueAt(s, t);
    return value === undefined ? [] : [{ series: s.name, value }];
  });

const seriesArb = (horizon: number) =>
  fc
    .record({
      interval: fc.integer({ min: 5, max: 120 }),
      offset: fc.double({ min: 0, max: 1, noNaN: true }),
      jitter: fc.double({ min: 0, max: 0.2, noNaN: true }),
      startsAt: fc.integer({ min: 0, max: horizon / 2 }),
      gap: fc.option(
        fc.record({ from: fc.nat(horizon), length: fc.integer({ min: 1, max: 600 }) }),
      ),
      resetAt: fc.option(fc.nat(horizon)),
      seed: fc.integer(),
    })
    .map(({ interval, offset, jitter, startsAt, gap, resetAt, seed }) => {
      let x = seed >>> 0;
      const rand = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
      const samples: SamplePoint[] = [];
      let value = 0;
      let resetDone = false;
      for (let t = startsAt + offset * interval; t < horizon; t += interval) {
        value += Math.floor(rand() * 50);
        if (resetAt !== null && !resetDone && t >= resetAt) {
          value = Math.floor(rand() * 5);
          resetDone = true;
        }
        if (gap && t >= gap.from && t < gap.from + gap.length) continue;
        samples.push({ t: t + (rand() - 0.5) * jitter * interval, v: value });
      }
      return samples;
    });

const HORIZON = 3600;
const boundariesArb = fc
  .array(fc.double({ min: 1, max: 300, noNaN: true }), { minLength: 1, maxLength: 40 })
  .chain((steps) =>
    fc.double({ min: 0, max: HORIZON / 2, noNaN: true }).map((first) => {
      const b = [first];
      for (const s of steps) b.push(b.at(-1)! + s);
      return b;
    }),
  );

function sumOverWindows(all: readonly Series[], boundaries: readonly number[]): number {
  let sum = 0;
  for (let i = 1; i < boundaries.length; i++) {
    sum += counterIncrease(readAt(all, boundaries[i - 1]), readAt(all, boundaries[i])).increase;
  }
  return sum;
}

describe('windows read at their boundaries tile time exactly', () => {
  it('the counts of consecutive windows add up to last − first, at any scrape interval and offset', () => {
    fc.assert(
      fc.property(
        fc.array(seriesArb(HORIZON), { minLength: 1, maxLength: 6 }),
        boundariesArb,
        (grids, boundaries) => {
          // Without resets: a counter only grows.
          const all = grids.map((samples, i) => ({
            name: `s${i}`,
            samples: samples.reduce<SamplePoint[]>((acc, p) => {
              const previous = acc.at(-1)?.v ?? 0;
              return [...acc, { t: p.t, v: Math.max(previous, p.v) }];
            }, []),
          }));
          const first = boundaries[0];
          const last = boundaries.at(-1)!;
          const expected = all.reduce(
            (sum, s) => sum + (valueAt(s, last) ?? 0) - (valueAt(s, first) ?? 0),
            0,
          );
          expect(sumOverWindows(all, boundaries)).toBe(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a counter reset never double-counts: windows without a reset are exact, one with a reset counts at most what happened', () => {
    fc.assert(
      fc.property(
        fc.array(seriesArb(HORIZON), { minLength: 1, maxLength: 4 }),
        boundariesArb,
        (grids, boundaries) => {
          for (const [i, samples] of grids.entries()) {
            const s = { name: `s${i}`, samples };
            for (let w = 1; w < boundaries.length; w++) {
              const [from, to] = [boundaries[w - 1], boundaries[w]];
              // What happened, from the raw samples: every increment, a decrease counting the
              // new value (what Prometheus' increase() does with every sample at hand).
              let previous = valueAt(s, from);
              let happened = 0;
              let reset = false;
              for (const p of samples.filter((q) => q.t > from && q.t <= to)) {
                if (previous !== undefined && p.v < previous) reset = true;
                happened += previous === undefined || p.v >= previous ? p.v - (previous ?? 0) : p.v;
                previous = p.v;
              }
              const counted = counterIncrease(readAt([s], from), readAt([s], to)).increase;
              // A reset window undercounts (0 ≤ counted ≤ happened); any other is exact.
              const [low, high] = reset ? [0, happened] : [happened, happened];
              expect([counted >= low, counted <= high]).toEqual([true, true]);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('refreshIntervalOf', () => {
  const grid = (interval: number, n: number, value: (i: number) => number): SamplePoint[] =>
    Array.from({ length: n }, (_, i) => ({ t: 1000 + i * interval, v: value(i) }));

  it('reads the scrape interval of a busy counter', () => {
    expect(refreshIntervalOf(grid(30, 20, (i) => i * 100))).toBe(30);
    expect(refreshIntervalOf(grid(15, 40, (i) => i * 7))).toBe(15);
  });

  it('counts a 60 s OpenTelemetry export scraped every 15 s as 60 s', () => {
    expect(refreshIntervalOf(grid(15, 40, (i) => Math.floor(i / 4) * 500))).toBe(60);
  });

  it('tolerates jitter', () => {
    const jittered = grid(60, 10, (i) => i * 10).map((p, i) => ({ ...p, t: p.t + (i % 2) * 0.4 }));
    expect(refreshIntervalOf(jittered)).toBe(60);
  });

  it('falls back to the sample spacing without enough changes, and to null without two samples', () => {
    expect(refreshIntervalOf(grid(30, 20, (i) => (i > 10 ? 1 : 0)))).toBe(30);
    expect(refreshIntervalOf(grid(30, 1, () => 5))).toBeNull();
    expect(refreshIntervalOf([])).toBeNull();
  });
});
