import type { BenchmarkSet, DoraLevel, DoraMetricKey } from './dora-levels.js';

/** The level of `value` for `metric` in `set`; null when the value or the set's bands are absent. */
export function classify(
  set: BenchmarkSet,
  metric: DoraMetricKey,
  value: number | null,
): DoraLevel | null {
  const bands = set.metrics[metric];
  if (!bands || value === null || !Number.isFinite(value)) return null;
  if (bands.direction === 'higher') {
    for (const band of bands.bands)
      if (band.min === undefined || value >= band.min) return band.level;
  } else {
    for (const band of bands.bands) {
      if (band.max === undefined) return band.level;
      if (bands.inclusive ? value <= band.max : value < band.max) return band.level;
    }
  }
  return null;
}
