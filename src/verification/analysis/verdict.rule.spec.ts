import { DEFAULT_ANALYSIS, DEFAULT_TIMING } from '../verification-policy.js';
import type { Counts, TickClassification } from './tick.rule.js';
import {
  decideVerdict,
  stepVerification,
  type TickSummary,
  type VerdictDecision,
  type VerificationKind,
  type VerificationState,
} from './verdict.rule.js';

const START = new Date('2026-11-20T10:00:00Z');
type Spec =
  | TickClassification
  | 'SEVERE'
  | 'NEAR_CRITICAL'
  | 'MILD'
  | 'SLOW_BURN'
  | 'DEGRADED_BASE'
  | 'CRITICAL_DEGRADED_BASE';

/** Per 30 s window at 10k rpm, canary 10 %: canary and baseline counts of the errors SLI. */
const COUNTS: Partial<Record<Spec, Counts>> = {
  PASS: { total: 500, bad: 0 },
  SEVERE: { total: 500, bad: 15 }, // 3 %: burn 30
  NEAR_CRITICAL: { total: 500, bad: 23 }, // 4.6 %: under the 5 % line by noise only (P(≤ 23) = 0.38)
  MILD: { total: 500, bad: 2 }, // 0.4 %: burn 4
  SLOW_BURN: { total: 500, bad: 1 }, // 0.2 %: not significant alone
  CRITICAL: { total: 500, bad: 40 },
  CRITICAL_DEGRADED_BASE: { total: 500, bad: 40 },
  DEGRADED_BASE: { total: 500, bad: 25 },
  BASELINE_DEGRADED: { total: 500, bad: 25 },
};
const BASELINE: Counts = { total: 4500, bad: 4 };

function classification(s: Spec): TickClassification {
  if (s === 'SEVERE' || s === 'NEAR_CRITICAL' || s === 'MILD') return 'REGRESSION';
  if (s === 'SLOW_BURN') return 'PASS';
  if (s === 'DEGRADED_BASE') return 'BASELINE_DEGRADED';
  if (s === 'CRITICAL_DEGRADED_BASE') return 'CRITICAL';
  return s;
}

function ticks(specs: Spec[], opts: { warmUpTicks?: number; window?: number } = {}): TickSummary[] {
  const w = (opts.window ?? 30) * 1000;
  return specs.map((s, i) => {
    const c = classification(s);
    const severity =
      s === 'SEVERE' || s === 'NEAR_CRITICAL' || s.startsWith('CRITICAL')
        ? 'SEVERE'
        : s === 'MILD'
          ? 'MILD'
          : null;
    const degradedBase = s.endsWith('DEGRADED_BASE');
    const canary = COUNTS[s] ?? null;
    return {
      at: new Date(START.getTime() + (i + 1) * w),
      windowStart: new Date(START.getTime() + i * w),
      classification: c,
      severity,
      baselineDegraded: degradedBase,
      settleSignificant: false,
      inWarmUp: i < (opts.warmUpTicks ?? 0),
      slis: [
        {
          name: 'errors',
          objective: 0.999,
          classification: c,
          severity,
          baselineKind: 'CONCURRENT' as const,
          canary,
          baseline: canary ? (degradedBase ? { total: 4500, bad: 225 } : BASELINE) : null,
        },
      ],
    };
  });
}

function decide(
  specs: Spec[],
  opts: { warmUpTicks?: number; kind?: VerificationKind; now?: number; window?: number } = {},
) {
  const t = ticks(specs, opts);
  return decideVerdict({
    kind: opts.kind ?? 'RELEASE',
    startedAt: START,
    now: new Date(START.getTime() + (opts.now ?? t.length * (opts.window ?? 30)) * 1000),
    ticks: t,
    timing: DEFAULT_TIMING,
    analysis: DEFAULT_ANALYSIS,
  });
}

const times = (n: number, s: Spec): Spec[] => Array<Spec>(n).fill(s);

describe('decideVerdict', () => {
  it('fails on CRITICAL windows covering criticalSustainSeconds (60 s), even in warm-up', () => {
    expect(decide(['CRITICAL', 'CRITICAL'], { warmUpTicks: 2 }).state).toBe('FAILED');
    expect(decide(['CRITICAL', 'PASS', 'CRITICAL']).state).toBe('RUNNING');
    // 15 s windows: four of them; 60 s windows: one.
    expect(decide(times(3, 'CRITICAL'), { window: 15 }).state).toBe('RUNNING');
    expect(decide(times(4, 'CRITICAL'), { window: 15 }).reason).toMatch(/CRITICAL for 60s/);
    expect(decide(['CRITICAL'], { window: 60 }).state).toBe('FAILED');
    // A severe window just under 5 % inside a critical run does not restart it: the run adds up.
    expect(
      decide(['PASS', 'CRITICAL', 'NEAR_CRITICAL', 'CRITICAL', 'CRITICAL'], { window: 15 }).state,
    ).toBe('FAILED');
    expect(decide(['PASS', 'NEAR_CRITICAL', 'CRITICAL'], { window: 30 }).state).toBe('FAILED');
    // The run may end with one just under the line (noise after the onset), not consist of them.
    expect(decide(['PASS', 'CRITICAL', 'NEAR_CRITICAL'], { window: 30 }).state).toBe('FAILED');
    expect(decide(['PASS', 'NEAR_CRITICAL', 'NEAR_CRITICAL'], { window: 30 }).state).toBe(
      'RUNNING',
    );
    // One clearly below the line (3 %: the start of a burst) ends the run, even when the run
    // would add up to 5 %: a short burst straddling two windows is not 60 s of critical.
    expect(
      decide(['PASS', 'CRITICAL', 'SEVERE', 'CRITICAL', 'CRITICAL'], { window: 15 }).state,
    ).toBe('RUNNING');
    expect(decide(['PASS', 'SEVERE', 'CRITICAL'], { window: 30 }).state).toBe('RUNNING');
    expect(decide(['PASS', 'SEVERE', 'SEVERE', 'SEVERE', 'CRITICAL'], { window: 15 }).state).toBe(
      'RUNNING',
    );
  });

  it('tolerates a severe burst shorter than severeSustainSeconds (180 s): a transient', () => {
    // Severe for 150 s (first to latest severe window), then recovered: never a rollback.
    const burst = [...times(2, 'PASS'), ...times(6, 'SEVERE'), ...times(12, 'PASS')];
    for (let n = 3; n <= burst.length; n++) {
      expect(decide(burst.slice(0, n)).state).not.toBe('FAILED');
    }
    expect(decide(burst).state).not.toBe('FAILED');
  });

  it('fails once a severe regression has lasted 180 s, burning the budget at page rate', () => {
    const sustained = [...times(2, 'PASS'), ...times(7, 'SEVERE')];
    expect(decide(sustained.slice(0, 8)).state).toBe('RUNNING');
    const d = decide(sustained);
    expect(d.state).toBe('FAILED');
    expect(d.reason).toMatch(/severe regression of errors for 180s, burning the budget 30\.0×/);
  });

  it('does not count REGRESSION ticks in warm-up', () => {
    const d = decide([...times(2, 'SEVERE'), ...times(6, 'SEVERE')], { warmUpTicks: 2 });
    expect(d.state).toBe('RUNNING');
  });

  it('ends an episode on 90 s of recovery, not on 90 s that still regress (a bad window read low)', () => {
    const episode = (gap: Spec): Spec[] =>
      ([] as Spec[]).concat(
        ['PASS', 'PASS'],
        times(2, 'SEVERE'),
        times(3, gap),
        times(3, 'SEVERE'),
      );
    // the 90 s between still regress (0.4 % against 0.09 %, added up): one episode of 210 s
    const d = decide(episode('MILD'));
    expect(d.state).toBe('FAILED');
    expect(d.reason).toMatch(/severe regression of errors for 210s/);
    // 90 s as good as the baseline: a recovery, and the new episode has lasted 60 s
    expect(decide(episode('PASS')).state).toBe('RUNNING');
  });

  it('fails a flapping release whose episode burns at page rate; not two isolated mild blips', () => {
    const flat = ([] as Spec[]).concat(
      ['PASS', 'PASS'],
      ...Array.from({ length: 3 }, (): Spec[] => ['SEVERE', 'SEVERE', 'PASS', 'PASS']),
    );
    // Latest severe at the 4th severe window of the third bad minute.
    const d = decide(flat.slice(0, 11));
    expect(d.state).toBe('FAILED');
    // A mild regression (burn 4) never adds up to a page-rate episode.
    expect(decide(times(20, 'MILD'), { now: 300 }).state).toBe('RUNNING');
  });

  it('never fails with a degraded baseline: ENV_DEGRADED, rollback advised', () => {
    const d = decide(['CRITICAL_DEGRADED_BASE', 'CRITICAL_DEGRADED_BASE']);
    expect(d).toMatchObject({ state: 'ENV_DEGRADED', canaryRegressed: true });
    const pre = decide(['DEGRADED_BASE', 'DEGRADED_BASE']);
    expect(pre).toMatchObject({ state: 'ENV_DEGRADED', canaryRegressed: false });
  });

  it('judges slow burns on the whole bake: DEGRADED after the bake, never HEALTHY', () => {
    // Every window passes alone (0.2 % vs 0.09 %), the whole bake does not.
    const slow = times(20, 'SLOW_BURN');
    expect(decide(slow.slice(0, 19)).state).toBe('RUNNING');
    const d = decide(slow);
    expect(d.state).toBe('DEGRADED');
    expect(d.reason).toMatch(/whole-bake test is significant for errors: 20\/10000 bad/);
    // Mild regressions after the bake: a ticket, never a rollback.
    expect(decide(times(20, 'MILD')).state).toBe('DEGRADED');
  });

  it('is INCONCLUSIVE after more than consecutiveErrorLimit blind ticks', () => {
    expect(decide(['PASS', 'ERROR', 'NO_DATA', 'ERROR', 'ERROR']).state).toBe('RUNNING');
    expect(decide(['PASS', 'ERROR', 'NO_DATA', 'ERROR', 'ERROR', 'ERROR']).state).toBe(
      'INCONCLUSIVE',
    );
  });

  it('is HEALTHY early (300 s) when the sequential test accepts and nothing regressed', () => {
    const passes = times(20, 'PASS');
    expect(decide(passes.slice(0, 9)).state).toBe('RUNNING');
    const d = decide(passes.slice(0, 10));
    expect(d.state).toBe('HEALTHY');
    expect(d.reason).toMatch(/sequential test/);
    // A transient keeps the long path, and is annotated.
    const t = [...times(3, 'PASS'), 'SEVERE' as Spec, ...times(16, 'PASS')];
    expect(decide(t.slice(0, 10)).state).toBe('RUNNING');
    expect(decide(t).reason).toMatch(/transient regression on 1 tick/);
  });

  it('keeps thin evidence on the long path: 3 rps with a few errors does not pass early', () => {
    // 1,000 requests and 3 errors by 300 s cannot rule out a 6× burn at 1 - β = 99 %.
    const low = ticks(times(20, 'PASS')).map((t, i) => ({
      ...t,
      slis: t.slis.map((s) => ({ ...s, canary: { total: 100, bad: i % 4 === 0 ? 1 : 0 } })),
    }));
    const at = (n: number) =>
      decideVerdict({
        kind: 'RELEASE',
        startedAt: START,
        now: low[n - 1].at,
        ticks: low.slice(0, n),
        timing: DEFAULT_TIMING,
        analysis: DEFAULT_ANALYSIS,
      }).state;
    expect(at(10)).toBe('RUNNING');
    expect(at(20)).toBe('HEALTHY');
  });

  it('ends low-traffic verifications at the maximum time without rolling back', () => {
    const max = DEFAULT_TIMING.maxVerificationSeconds;
    expect(decide(['INSUFFICIENT', 'INSUFFICIENT'], { now: max }).state).toBe('UNVERIFIED');
    expect(decide(['INSUFFICIENT', 'PASS'], { now: max }).state).toBe('HEALTHY_LOW_CONFIDENCE');
    expect(decide(['PASS', 'MILD'], { now: max }).state).toBe('DEGRADED');
  });

  it('verifies a rollback without bake; one that does not recover fails (no second rollback there)', () => {
    expect(decide(['PASS', 'PASS', 'PASS'], { kind: 'ROLLBACK' }).state).toBe('HEALTHY');
    const timeout = DEFAULT_TIMING.rollbackVerifyTimeoutSeconds;
    expect(decide(['PASS', 'MILD'], { kind: 'ROLLBACK', now: timeout }).state).toBe('FAILED');
  });
});

describe('stepVerification (the watch of an early HEALTHY)', () => {
  const d = (state: VerificationState, extra: Partial<VerdictDecision> = {}): VerdictDecision => ({
    state,
    reason: state,
    canaryRegressed: false,
    transientRegressionTicks: 0,
    ...extra,
  });

  it('a RUNNING verification takes the decision; an early HEALTHY keeps ticking', () => {
    expect(stepVerification('RUNNING', d('RUNNING'))).toEqual({
      state: 'RUNNING',
      ticking: true,
      verdict: null,
    });
    const early = d('HEALTHY', { watch: true });
    expect(stepVerification('RUNNING', early)).toEqual({
      state: 'HEALTHY',
      ticking: true,
      verdict: early,
    });
    expect(stepVerification('RUNNING', d('HEALTHY'))).toMatchObject({ ticking: false });
    expect(stepVerification('RUNNING', d('INCONCLUSIVE'))).toMatchObject({
      state: 'INCONCLUSIVE',
      ticking: false,
    });
  });

  it.each(['FAILED', 'ENV_DEGRADED', 'DEGRADED'] as const)(
    'the watch gives way to %s, which acts',
    (state) => {
      const later = d(state);
      expect(stepVerification('HEALTHY', later)).toEqual({
        state,
        ticking: false,
        verdict: later,
      });
    },
  );

  it('the watch goes on while undecided and ends HEALTHY on anything else, acting on nothing', () => {
    expect(stepVerification('HEALTHY', d('RUNNING'))).toEqual({
      state: 'HEALTHY',
      ticking: true,
      verdict: null,
    });
    expect(stepVerification('HEALTHY', d('HEALTHY', { watch: true }))).toMatchObject({
      state: 'HEALTHY',
      ticking: true,
      verdict: null,
    });
    for (const state of [
      'HEALTHY',
      'HEALTHY_LOW_CONFIDENCE',
      'INCONCLUSIVE',
      'UNVERIFIED',
    ] as const) {
      expect(stepVerification('HEALTHY', d(state))).toEqual({
        state: 'HEALTHY',
        ticking: false,
        verdict: null,
      });
    }
    // The settle window alone is a second look, not the whole-bake evidence of a slow burn.
    expect(stepVerification('HEALTHY', d('DEGRADED', { settleOnly: true }))).toEqual({
      state: 'HEALTHY',
      ticking: false,
      verdict: null,
    });
  });

  it('the early HEALTHY asks for the watch; the one at the end of the bake does not', () => {
    const healthy = Array<Spec>(20).fill('PASS');
    const at = (n: number) =>
      decideVerdict({
        kind: 'RELEASE',
        startedAt: START,
        now: new Date(START.getTime() + n * 30_000),
        ticks: ticks(healthy.slice(0, n), { warmUpTicks: 2 }),
        timing: DEFAULT_TIMING,
        analysis: DEFAULT_ANALYSIS,
      });
    expect(at(10)).toMatchObject({ state: 'HEALTHY', watch: true });
    expect(at(20)).toMatchObject({ state: 'HEALTHY' });
    expect(at(20).watch).toBeUndefined();
  });
});
