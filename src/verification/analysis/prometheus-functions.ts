/**
 * Prometheus' range functions over a counter's raw samples, as Prometheus 2.x computes them
 * (promql/functions.go `extrapolatedRate` and `instantValue`, v2.42): the range is [t − range, t],
 * both ends included; fewer than two samples give no value. increase() extrapolates from the
 * samples to the range's edges (by up to half the average sample spacing beyond the first and
 * last sample, and never below a counter's zero point), rate() divides that by the range, irate()
 * reads the last two samples only. The simulator answers the competitors' queries with these
 * (bench/detection: Flagger reads rate(), Argo Rollouts' documented example irate()), so that
 * they fail the way they do on a real scrape. Pure.
 */
import type { SamplePoint } from './counter.rule.js';

/** The samples of a range [end − rangeSeconds, end]. */
export function inRange(
  samples: readonly SamplePoint[],
  end: number,
  rangeSeconds: number,
): SamplePoint[] {
  return samples.filter((s) => s.t >= end - rangeSeconds && s.t <= end);
}

/** Prometheus' increase() (isRate false) or rate() (true) of one counter series; null: no value. */
export function extrapolatedRate(
  samples: readonly SamplePoint[],
  end: number,
  rangeSeconds: number,
  isRate: boolean,
): number | null {
  const points = inRange(samples, end, rangeSeconds);
  if (points.length < 2) return null;
  const first = points[0];
  const last = points[points.length - 1];
  let result = last.v - first.v;
  let previous = first.v;
  for (const p of points.slice(1)) {
    if (p.v < previous) result += previous; // a counter reset
    previous = p.v;
  }
  const rangeStart = end - rangeSeconds;
  let durationToStart = first.t - rangeStart;
  const durationToEnd = end - last.t;
  const sampledInterval = last.t - first.t;
  const averageDurationBetweenSamples = sampledInterval / (points.length - 1);
  if (result > 0 && first.v >= 0) {
    // Counters cannot be negative: never extrapolate below the zero point.
    const durationToZero = sampledInterval * (first.v / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const threshold = averageDurationBetweenSamples * 1.1;
  let extrapolateToInterval = sampledInterval;
  extrapolateToInterval +=
    durationToStart < threshold ? durationToStart : averageDurationBetweenSamples / 2;
  extrapolateToInterval +=
    durationToEnd < threshold ? durationToEnd : averageDurationBetweenSamples / 2;
  let factor = extrapolateToInterval / sampledInterval;
  if (isRate) factor /= rangeSeconds;
  return result * factor;
}

/** Prometheus' irate() of one counter series: the per-second rate of its last two samples. */
export function irate(
  samples: readonly SamplePoint[],
  end: number,
  rangeSeconds: number,
): number | null {
  const points = inRange(samples, end, rangeSeconds);
  if (points.length < 2) return null;
  const [a, b] = points.slice(-2);
  const delta = b.v < a.v ? b.v : b.v - a.v; // a reset: the new value is the increase
  const interval = b.t - a.t;
  return interval === 0 ? null : delta / interval;
}
