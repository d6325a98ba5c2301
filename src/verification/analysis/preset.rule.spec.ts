import {
  DEFAULT_SLIS,
  GRPC_SERVER_ERROR_CODES,
  LEGACY_DEFAULT_TEMPLATES,
  PRESETS,
  usesDefaultSlis,
} from '../default-slis.js';
import {
  checkPolicyShape,
  DEFAULT_ANALYSIS,
  DEFAULT_TIMING,
  defaultPolicySpec,
  overlappingSideProblems,
  renderTemplate,
} from '../verification-policy.js';
import { quietPresets, selectPresets, type SliTraffic } from './preset.rule.js';
import { decideVerdict, type TickSummary } from './verdict.rule.js';

const preset = (name: string) => PRESETS.find((p) => p.name === name)!;

function evidence(
  name: string,
  classification: SliTraffic['classification'],
  canary: number,
  baselineInWindow: number,
): SliTraffic {
  return { name, classification, canary, baselineInWindow };
}

describe('default SLI presets', () => {
  it('are valid per-series counter templates that select the version', () => {
    for (const p of PRESETS) {
      const spec = { ...defaultPolicySpec([]), slis: p.slis };
      expect({ preset: p.name, problems: checkPolicyShape(spec) }).toEqual({
        preset: p.name,
        problems: [],
      });
      expect(overlappingSideProblems(spec)).toEqual([]);
    }
    expect(new Set(PRESETS.flatMap((p) => p.slis.map((s) => s.name))).size).toBe(7);
  });

  it('count the gRPC codes the semantic conventions call server errors, by name and by number', () => {
    expect(GRPC_SERVER_ERROR_CODES.map(([name]) => name)).toEqual([
      'UNKNOWN',
      'DEADLINE_EXCEEDED',
      'UNIMPLEMENTED',
      'INTERNAL',
      'UNAVAILABLE',
      'DATA_LOSS',
    ]);
    const bad = renderTemplate(preset('rpc').slis[0].badQuery, {
      service: 'orders',
      namespace: 'shop',
      environment: 'production',
      version: '2.0.0',
      previousVersion: '1.9.0',
      windowSeconds: 30,
    });
    expect(bad).toContain(
      'rpc_response_status_code=~"UNKNOWN|DEADLINE_EXCEEDED|UNIMPLEMENTED|INTERNAL|UNAVAILABLE|DATA_LOSS"',
    );
    expect(bad).toContain('rpc_grpc_status_code=~"2|4|12|13|14|15"');
    expect(preset('messaging').slis[0].badQuery).toContain('error_type!=""');
    expect(preset('messaging_consumed').slis[0].badQuery).toContain('error_type!=""');
  });

  it('apply to the default SLIs, also as stored by earlier releases, and to nothing else', () => {
    expect(usesDefaultSlis(defaultPolicySpec([]).slis)).toBe(true);
    const old = [...LEGACY_DEFAULT_TEMPLATES.keys()];
    const stored = [
      { ...DEFAULT_SLIS[0], totalQuery: old[0], badQuery: old[1] },
      { ...DEFAULT_SLIS[1], totalQuery: old[0], badQuery: old[2] },
    ];
    expect(usesDefaultSlis(stored)).toBe(true);
    expect(usesDefaultSlis([DEFAULT_SLIS[0]])).toBe(false);
    expect(usesDefaultSlis([{ ...DEFAULT_SLIS[0], objective: 0.99 }, DEFAULT_SLIS[1]])).toBe(false);
    expect(usesDefaultSlis(preset('rpc').slis)).toBe(false);
  });

  it('choose the families with series, HTTP first, and keep those whose look-up failed', () => {
    const probes = [
      { preset: preset('http'), series: 0 },
      { preset: preset('rpc'), series: 12 },
      { preset: preset('messaging'), error: 'QUERY_FAILED: boom' },
      { preset: preset('messaging_consumed'), series: 0 },
    ];
    const { choice, slis } = selectPresets(probes);
    expect(choice.chosen).toEqual(['rpc', 'messaging']);
    expect(choice.noSignals).toBeNull();
    expect(slis.map((s) => s.name)).toEqual([
      'rpc_errors',
      'rpc_latency',
      'messaging_errors',
      'messaging_latency',
    ]);
    expect(choice.found[2]).toMatchObject({
      name: 'messaging',
      series: null,
      error: 'QUERY_FAILED: boom',
    });
  });

  it('say what was looked for when the service exports none', () => {
    const { choice, slis } = selectPresets(PRESETS.map((p) => ({ preset: p, series: 0 })));
    expect(slis).toEqual([]);
    expect(choice.chosen).toEqual([]);
    for (const metric of [
      'http_server_request_duration_seconds_count',
      'rpc_server_call_duration_seconds_count',
      'rpc_server_duration_milliseconds_count',
      'messaging_process_duration_seconds_count',
      'messaging_client_consumed_messages_total',
    ]) {
      expect(choice.noSignals).toContain(metric);
    }
  });

  it('say which target never reported when the look-up was limited to one (a wave)', () => {
    const none = PRESETS.map((p) => ({ preset: p, series: 0 }));
    const { choice } = selectPresets(none, 'region="d"');
    expect(choice.noSignals).toMatch(
      /^no series of any default SLI family for the service with region="d" /,
    );
    expect(choice.noSignals).toContain('this target never reported');
    expect(choice.noSignals).toContain('http_server_request_duration_seconds_count');
    expect(selectPresets(none).choice.noSignals).not.toContain('never reported');
  });

  it('leave out a family quiet on both sides beside a judged one, never one quiet on the new version only', () => {
    const both = [preset('http'), preset('rpc')];
    const quietHttp = [
      evidence('errors', 'INSUFFICIENT', 4, 6),
      evidence('latency', 'INSUFFICIENT', 4, 6),
      evidence('rpc_errors', 'PASS', 900, 1000),
      evidence('rpc_latency', 'PASS', 900, 1000),
    ];
    expect(quietPresets(both, quietHttp, 100)).toEqual(['http']);
    // The HTTP traffic of the previous version collapsed on the new one: evidence, kept.
    const collapsed = quietHttp.map((s, i) =>
      i < 2 ? evidence(s.name, 'INSUFFICIENT', 4, 600) : s,
    );
    expect(quietPresets(both, collapsed, 100)).toEqual([]);
    // Nothing judged at all: nothing to leave out (the data gate merges the windows).
    const allQuiet = quietHttp.map((s) => evidence(s.name, 'INSUFFICIENT', 4, 6));
    expect(quietPresets(both, allQuiet, 100)).toEqual([]);
    // A family with no data is not quiet: it holds the tick (no verdict on missing evidence).
    const missing = quietHttp.map((s, i) => (i < 2 ? evidence(s.name, 'NO_DATA', 0, 0) : s));
    expect(quietPresets(both, missing, 100)).toEqual([]);
    // Per-route judgements do not speak for their SLI's family.
    const routes = [...quietHttp.slice(0, 2), { ...quietHttp[2], route: '/Get' }];
    expect(quietPresets(both, routes, 100)).toEqual([]);
  });

  it('make a release without any family UNVERIFIED after more than consecutiveErrorLimit ticks past the warm-up, with that reason, never INCONCLUSIVE', () => {
    const start = new Date('2026-11-20T10:00:00Z');
    const reason = selectPresets(PRESETS.map((p) => ({ preset: p, series: 0 }))).choice.noSignals;
    const tick = (s: number, noSignals: string | null): TickSummary => ({
      at: new Date(start.getTime() + s * 1000),
      windowStart: start,
      classification: 'NO_DATA',
      severity: null,
      baselineDegraded: false,
      settleSignificant: false,
      inWarmUp: s <= DEFAULT_TIMING.warmUpSeconds,
      slis: [],
      noSignals,
    });
    const decide = (ticks: TickSummary[]) =>
      decideVerdict({
        kind: 'RELEASE',
        startedAt: start,
        now: ticks.at(-1)!.at,
        ticks,
        timing: DEFAULT_TIMING,
        analysis: DEFAULT_ANALYSIS,
      });
    // As patient as the blind-tick rule (consecutiveErrorLimit 4), after the warm-up only.
    const silent = [30, 60, 90, 120, 150, 180, 210].map((s) => tick(s, reason));
    expect(decide(silent.slice(0, 6)).state).toBe('RUNNING');
    expect(decide(silent)).toMatchObject({ state: 'UNVERIFIED', reason });
    // A family that appears (a first scrape after the warm-up) starts the count again.
    const late = [...silent.slice(0, 4), tick(150, null), ...silent.slice(5)];
    expect(decide(late).state).toBe('RUNNING');
    // Blind ticks without that reason (series exist, no data in the windows): INCONCLUSIVE.
    const blind = [30, 60, 90, 120, 150, 180].map((s) => tick(s, null));
    expect(decide(blind).state).toBe('INCONCLUSIVE');
  });
});
