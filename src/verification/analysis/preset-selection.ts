/**
 * The SLIs a tick judges under the default SLIs: the presets (default-slis.ts PRESETS) the
 * service has series of, looked up through the SignalSource at every tick, and the chosen ones
 * too quiet to judge beside another left out (preset.rule.ts). A policy's own SLIs, and a source
 * that cannot look series up, are judged as they are.
 */
import { DEFAULT_SLIS, PRESETS, usesDefaultSlis } from '../default-slis.js';
import type { PolicySpec, SliSpec } from '../verification-policy.js';
import type { SignalSource, Sourced } from './counter-reading.js';
import {
  quietPresets,
  selectPresets,
  type PresetChoice,
  type PresetProbe,
  type SliTraffic,
} from './preset.rule.js';
import type { SliEvidence } from './tick.rule.js';
import { seconds, type TimeRange } from './window.rule.js';

/**
 * A source that can tell how many series of an SLI's total the service has (every version) with
 * a sample in a range: PrometheusSignalSource, and the simulator (whose series are HTTP ones).
 * Under a source without it the default SLIs are the HTTP ones, as before the presets.
 */
export interface SeriesLookup {
  seriesCount(sli: SliSpec, range: TimeRange): Promise<Sourced<number>>;
  /** The same for several SLIs at once, where one request can ask for all (Prometheus). */
  seriesCounts?(slis: readonly SliSpec[], range: TimeRange): Promise<readonly Sourced<number>[]>;
}

const canLookUp = (source: SignalSource): source is SignalSource & SeriesLookup =>
  typeof (source as Partial<SeriesLookup>).seriesCount === 'function';

export interface TickSlis {
  readonly slis: readonly SliSpec[];
  /** Under the default SLIs, what was looked up and chosen; null for a policy's own SLIs. */
  readonly presets: PresetChoice | null;
}

/**
 * How far before the deploy the look-up reaches at least: a short pre-deploy window (seconds, in
 * tests) with a late or missed scrape would otherwise find no series of a service that has them,
 * and "no series" is a final verdict (UNVERIFIED).
 */
export const LOOKUP_MIN_SECONDS = 600;

/**
 * Looks each preset's total up for every version of the service, from the start of the
 * pre-deploy window before `preDeployAnchor` (at least LOOKUP_MIN_SECONDS before it) to the tick:
 * in one request where the source can (seriesCounts).
 */
export async function tickSlis(
  source: SignalSource,
  spec: PolicySpec,
  preDeployAnchor: Date,
  tickAt: Date,
): Promise<TickSlis> {
  if (!usesDefaultSlis(spec.slis) || !canLookUp(source)) {
    return { slis: spec.slis, presets: null };
  }
  const range = {
    start: new Date(
      preDeployAnchor.getTime() -
        Math.max(spec.timing.preDeployWindowSeconds, LOOKUP_MIN_SECONDS) * 1000,
    ),
    end: tickAt,
  };
  const totals = PRESETS.map((preset) => preset.slis[0]);
  const counts = source.seriesCounts
    ? await source.seriesCounts(totals, range)
    : await Promise.all(totals.map((sli) => source.seriesCount(sli, range)));
  const probes = PRESETS.map((preset, i): PresetProbe => {
    const { result } = counts[i];
    return typeof result === 'number'
      ? { preset, series: result }
      : { preset, error: `${result.code}: ${result.message}` };
  });
  const { slis, choice } = selectPresets(probes, source.scope);
  // The HTTP SLIs as the policy holds them: templates stored by earlier releases are converted
  // when read, and their evidence says so.
  const held = new Map(DEFAULT_SLIS.map((d, i) => [d.name, spec.slis[i]]));
  return { slis: slis.map((s) => held.get(s.name) ?? s), presets: choice };
}

type Judged = SliEvidence & { readonly window: TimeRange; readonly baselineWindow: TimeRange };

/** An SLI's traffic, the baseline's scaled to the canary window's length. */
function trafficOf(s: Judged): SliTraffic {
  const scale = seconds(s.window) / Math.max(1, seconds(s.baselineWindow));
  // Per-route judgements (route.rule) carry their SLI's name and a route.
  const { route } = s as { route?: string };
  return {
    name: s.name,
    ...(route === undefined ? {} : { route }),
    classification: s.classification,
    canary: s.canary?.total ?? 0,
    baselineInWindow: (s.baseline?.total ?? 0) * scale,
  };
}

/** The SLIs of the chosen presets too quiet to judge beside another, left out (quietPresets). */
export function leaveQuietOut<S extends Judged>(
  slis: readonly S[],
  presets: PresetChoice | null,
  minRequests: number,
): { slis: readonly S[]; presets: PresetChoice | null } {
  if (!presets) return { slis, presets };
  const chosen = PRESETS.filter((p) => presets.chosen.includes(p.name));
  const quiet = quietPresets(chosen, slis.map(trafficOf), minRequests);
  if (quiet.length === 0) return { slis, presets };
  const left = new Set(
    chosen.filter((p) => quiet.includes(p.name)).flatMap((p) => p.slis.map((s) => s.name)),
  );
  return { slis: slis.filter((s) => !left.has(s.name)), presets: { ...presets, quiet } };
}
