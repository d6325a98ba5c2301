/**
 * Which default SLI families (presets: HTTP, gRPC, messaging; default-slis.ts) judge a release
 * whose policy uses the default SLIs: those of which the service has series, looked up at every
 * tick (docs/verification.md "Default SLIs and presets"). Pure: the look-ups' answers in, the
 * choice out.
 */
import type { SliPreset } from '../default-slis.js';
import type { SliSpec } from '../verification-policy.js';
import type { SliEvidence } from './tick.rule.js';

/** What the look-up of one preset found: its series (count) or the query's failure. */
export type PresetProbe =
  | { readonly preset: SliPreset; readonly series: number }
  | { readonly preset: SliPreset; readonly error: string };

export interface PresetFound {
  readonly name: string;
  readonly lookedFor: string;
  /** Series of its total for the service (every version) in the probed range; null on error. */
  readonly series: number | null;
  readonly error: string | null;
}

/** The choice recorded in each tick's evidence (`presets`). */
export interface PresetChoice {
  /** The presets judged at this tick, in PRESETS order (HTTP first). */
  readonly chosen: readonly string[];
  /** Chosen presets left out of this tick's judgement: too little traffic on both sides. */
  readonly quiet: readonly string[];
  readonly found: readonly PresetFound[];
  /** Set when no preset has any series: why nothing can be judged (UNVERIFIED after warm-up). */
  readonly noSignals: string | null;
}

export interface PresetSelection {
  readonly choice: PresetChoice;
  readonly slis: readonly SliSpec[];
}

/**
 * The presets with series, and those whose look-up failed (their readings fail the same way and
 * say so: never dropped silently). None with series and no failure: nothing to judge.
 */
export function selectPresets(
  probes: readonly PresetProbe[],
  /** The series the look-up was limited to (a wave's target), in words. */
  scope?: string,
): PresetSelection {
  const found: PresetFound[] = probes.map((p) => ({
    name: p.preset.name,
    lookedFor: p.preset.lookedFor,
    series: 'series' in p ? p.series : null,
    error: 'error' in p ? p.error : null,
  }));
  const chosen = probes.filter((p) => !('series' in p) || p.series > 0);
  const lookedFor = `looked for ${probes.map((p) => p.preset.lookedFor).join('; ')}`;
  const noSignals =
    chosen.length === 0
      ? scope
        ? `no series of any default SLI family for the service with ${scope} (any version, since the start of the pre-deploy window): this target never reported (is it serving, and do its series carry the label?); ${lookedFor}`
        : `no series of any default SLI family for the service (any version, since the start of the pre-deploy window): ${lookedFor}, with its resource attributes as labels or on target_info; verify it by its own counters (a policy with its own SLIs)`
      : null;
  return {
    choice: { chosen: chosen.map((p) => p.preset.name), quiet: [], found, noSignals },
    slis: chosen.flatMap((p) => p.preset.slis),
  };
}

const JUDGED = new Set(['PASS', 'REGRESSION', 'CRITICAL', 'BASELINE_DEGRADED']);

/** An SLI's traffic in a tick: the new version's events and the baseline's at that window's length. */
export interface SliTraffic {
  readonly name: string;
  /** A per-route judgement's route (those carry their SLI's name); absent on the aggregate. */
  readonly route?: string;
  readonly classification: SliEvidence['classification'];
  readonly canary: number;
  /** The baseline's events scaled to the canary window (a pre-deploy window is longer). */
  readonly baselineInWindow: number;
}

/**
 * A service exporting several families is judged on those with traffic: a chosen preset whose
 * SLIs are all below the data gate on the new version, and whose baseline would have been too at
 * the same rate (a gRPC server's HTTP health endpoint), is left out of the tick while another
 * preset's SLIs are judged, so that it does not hold every window back. A preset quiet on the new
 * version only (its traffic collapsed) stays: that is evidence.
 */
export function quietPresets(
  presets: readonly SliPreset[],
  slis: readonly SliTraffic[],
  minRequests: number,
): string[] {
  const of = (p: SliPreset) =>
    slis.filter((s) => s.route === undefined && p.slis.some((x) => x.name === s.name));
  const judged = presets.filter((p) => of(p).some((s) => JUDGED.has(s.classification)));
  if (judged.length === 0) return [];
  return presets
    .filter((p) => !judged.includes(p))
    .filter((p) => {
      const own = of(p);
      return (
        own.length > 0 &&
        own.every(
          (s) =>
            s.classification === 'INSUFFICIENT' &&
            s.canary < minRequests &&
            s.baselineInWindow < minRequests,
        )
      );
    })
    .map((p) => p.name);
}
