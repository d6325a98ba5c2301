/**
 * Counting that tiles time (docs/verification.md "Counting"). A window (start, end] is read as the
 * per-series values of a cumulative counter at its two boundaries — each the value of the series'
 * last sample at or before the boundary — and the window's count is the sum of what every series
 * gained between them. Consecutive windows share their boundary readings, so every increment of
 * every counter lands in exactly one window whatever the scrape interval and however the ticks sit
 * on the scrape grid (the sum over consecutive windows telescopes to last − first). Pure.
 */

/** One series of a counter expression at one instant (`series` = its canonical label set). */
export interface SeriesValue {
  readonly series: string;
  readonly value: number;
}

export interface CounterIncrease {
  /** What the series gained in the window, added up. */
  readonly increase: number;
  /** Series read at the window's end. */
  readonly series: number;
  /** Series whose value went down (a counter reset: restarted process): counted from 0. */
  readonly resets: readonly string[];
  /** Series absent at the start (a new pod, a first 5xx): counted from 0, as counters start at 0. */
  readonly appeared: readonly string[];
  /** Series present at the start but not at the end: what they gained is unknown, counted 0. */
  readonly vanished: readonly string[];
}

/** The canonical key of a label set: sorted `name="value"` pairs (the metric name included). */
export function seriesKey(labels: Readonly<Record<string, string>>): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `{${pairs.join(',')}}`;
}

function byKey(values: readonly SeriesValue[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const v of values) if (Number.isFinite(v.value)) map.set(v.series, v.value);
  return map;
}

/**
 * Per series: end − start; a decrease is a counter reset (the end value is what it gained since
 * it restarted from 0: increments between the start and the reset are lost, never double-counted);
 * a series absent at the start is new and counted from 0; one absent at the end is noted.
 */
export function counterIncrease(
  start: readonly SeriesValue[],
  end: readonly SeriesValue[],
): CounterIncrease {
  const before = byKey(start);
  const after = byKey(end);
  let increase = 0;
  const resets: string[] = [];
  const appeared: string[] = [];
  for (const [series, value] of after) {
    const previous = before.get(series);
    if (previous === undefined) {
      appeared.push(series);
      increase += Math.max(0, value);
    } else if (value < previous) {
      resets.push(series);
      increase += Math.max(0, value);
    } else {
      increase += value - previous;
    }
  }
  const vanished = [...before.keys()].filter((series) => !after.has(series));
  return { increase, series: after.size, resets, appeared, vanished };
}

/** The label per-route SLIs group by: OpenTelemetry's `http.route` as Prometheus names it. */
export const ROUTE_LABEL = 'http_route';

const ROUTE_IN_KEY = new RegExp(`[{,]${ROUTE_LABEL}=("(?:[^"\\\\]|\\\\.)*")`);

/** A series' `http_route` from its canonical key (`seriesKey`), or null when it has none. */
export function routeOf(series: string): string | null {
  const m = ROUTE_IN_KEY.exec(series);
  return m ? (JSON.parse(m[1]) as string) : null;
}

/**
 * What the series of each route gained (counterIncrease per `http_route` value); series without
 * the label (the `or vector(0)` placeholder) belong to no route. Empty when no series has one.
 */
export function increaseByRoute(
  start: readonly SeriesValue[],
  end: readonly SeriesValue[],
): Map<string, number> {
  const group = (values: readonly SeriesValue[]) => {
    const byRoute = new Map<string, SeriesValue[]>();
    for (const v of values) {
      const route = routeOf(v.series);
      if (route === null) continue;
      const list = byRoute.get(route);
      if (list) list.push(v);
      else byRoute.set(route, [v]);
    }
    return byRoute;
  };
  const [before, after] = [group(start), group(end)];
  const routes = new Map<string, number>();
  for (const [route, values] of after) {
    routes.set(route, counterIncrease(before.get(route) ?? [], values).increase);
  }
  return routes;
}

/** A raw sample: seconds (unix) and value. */
export interface SamplePoint {
  readonly t: number;
  readonly v: number;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/**
 * How often a counter's value is refreshed, from its raw samples (the busiest series of the last
 * minutes): the median spacing between changes of value, so that a 60 s OpenTelemetry export
 * scraped every 15 s counts as 60 s; with fewer than three changes (too little traffic to tell),
 * the median spacing between samples. Null without two samples. Whole seconds, at least 1.
 */
export function refreshIntervalOf(samples: readonly SamplePoint[]): number | null {
  const sorted = [...samples].sort((a, b) => a.t - b.t);
  if (sorted.length < 2) return null;
  const changes: number[] = [];
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].v !== sorted[i - 1].v) changes.push(sorted[i].t);
  }
  const spacing = (times: readonly number[]): number[] =>
    times.slice(1).map((t, i) => t - times[i]);
  const interval =
    changes.length >= 3 ? median(spacing(changes)) : median(spacing(sorted.map((s) => s.t)));
  return Math.max(1, Math.round(interval));
}
