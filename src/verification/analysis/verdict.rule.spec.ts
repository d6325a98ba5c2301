import { DEFAULT_ANALYSIS, DEFAULT_TIMING } from '../verification-policy.js';
import type { TickClassification } from './tick.rule.js';
import { decideVerdict, type TickSummary, type VerificationKind } from './verdict.rule.js';

const START = new Date('2026-11-20T10:00:00Z');
type Spec =
  TickClassification | `${'SEVERE' | 'MILD'}` | 'DEGRADED_BASE' | 'CRITICAL_DEGRADED_BASE';

function ticks(specs: Spec[], warmUpTicks = 0): TickSummary[] {
  return specs.map((s, i) => ({
    at: new Date(START.getTime() + (i + 1) * 30_000),
    classification:
      s === 'SEVERE' || s === 'MILD'
        ? 'REGRESSION'
        : s === 'DEGRADED_BASE'
          ? 'BASELINE_DEGRADED'
          : s === 'CRITICAL_DEGRADED_BASE'
            ? 'CRITICAL'
            : s,
    severity: s === 'SEVERE' || s.startsWith('CRITICAL') ? 'SEVERE' : s === 'MILD' ? 'MILD' : null,
    baselineDegraded: s.endsWith('DEGRADED_BASE'),
    settleSignificant: false,
    inWarmUp: i < warmUpTicks,
  }));
}

function decide(
  specs: Spec[],
  opts: { warmUpTicks?: number; kind?: VerificationKind; now?: number } = {},
) {
  const t = ticks(specs, opts.warmUpTicks ?? 0);
  return decideVerdict({
    kind: opts.kind ?? 'RELEASE',
    startedAt: START,
    now: new Date(START.getTime() + (opts.now ?? t.length * 30) * 1000),
    ticks: t,
    timing: DEFAULT_TIMING,
    analysis: DEFAULT_ANALYSIS,
  });
}

describe('decideVerdict', () => {
  it('fails fast on two consecutive CRITICAL ticks, even in warm-up', () => {
    expect(decide(['CRITICAL', 'CRITICAL'], { warmUpTicks: 2 }).state).toBe('FAILED');
    expect(decide(['CRITICAL', 'PASS', 'CRITICAL']).state).toBe('RUNNING');
  });

  it('does not count REGRESSION ticks in warm-up', () => {
    expect(decide(['SEVERE', 'SEVERE', 'SEVERE'], { warmUpTicks: 2 }).state).toBe('RUNNING');
    expect(decide(['SEVERE', 'SEVERE', 'SEVERE']).state).toBe('FAILED');
  });

  it('fails on k of the last n evaluated ticks, skipping ticks without enough traffic', () => {
    expect(decide(['SEVERE', 'PASS', 'INSUFFICIENT', 'SEVERE', 'PASS', 'SEVERE']).state).toBe(
      'FAILED',
    );
    // The oldest severe tick slid out of the last five.
    expect(decide(['SEVERE', 'PASS', 'PASS', 'SEVERE', 'PASS', 'SEVERE']).state).toBe('RUNNING');
  });

  it('never fails with a degraded baseline: ENV_DEGRADED, rollback advised', () => {
    const d = decide(['CRITICAL_DEGRADED_BASE', 'CRITICAL_DEGRADED_BASE']);
    expect(d).toMatchObject({ state: 'ENV_DEGRADED', canaryRegressed: true });
    const pre = decide(['DEGRADED_BASE', 'DEGRADED_BASE']);
    expect(pre).toMatchObject({ state: 'ENV_DEGRADED', canaryRegressed: false });
  });

  it('turns mild k-of-n into DEGRADED (ticket) once the bake is over, never FAILED', () => {
    const bake = DEFAULT_TIMING.bakeSeconds;
    expect(decide(['MILD', 'MILD', 'SEVERE'], { now: bake }).state).toBe('DEGRADED');
    // During the bake it keeps running, so that a regression that began mid-bake may escalate.
    expect(decide(['MILD', 'MILD', 'MILD']).state).toBe('RUNNING');
    expect(decide(['MILD', 'MILD', 'MILD', 'SEVERE', 'SEVERE', 'SEVERE']).state).toBe('FAILED');
  });

  it('is INCONCLUSIVE after more than consecutiveErrorLimit blind ticks', () => {
    expect(decide(['PASS', 'ERROR', 'NO_DATA', 'ERROR', 'ERROR']).state).toBe('RUNNING');
    expect(decide(['PASS', 'ERROR', 'NO_DATA', 'ERROR', 'ERROR', 'ERROR']).state).toBe(
      'INCONCLUSIVE',
    );
  });

  it('is HEALTHY only after the bake with enough evaluated ticks', () => {
    const passes = Array<Spec>(20).fill('PASS');
    expect(decide(passes.slice(0, 19)).state).toBe('RUNNING');
    expect(decide(passes).state).toBe('HEALTHY');
    expect(decide(['SEVERE', ...passes.slice(1)]).reason).toMatch(/transient regression on 1 tick/);
  });

  it('ends low-traffic verifications at the maximum time without rolling back', () => {
    const max = DEFAULT_TIMING.maxVerificationSeconds;
    expect(decide(['INSUFFICIENT', 'INSUFFICIENT'], { now: max }).state).toBe('UNVERIFIED');
    expect(decide(['INSUFFICIENT', 'PASS'], { now: max }).state).toBe('HEALTHY_LOW_CONFIDENCE');
    expect(decide(['MILD', 'PASS'], { now: max }).state).toBe('DEGRADED');
  });

  it('verifies a rollback without bake; one that does not recover fails (no second rollback there)', () => {
    expect(decide(['PASS', 'PASS', 'PASS'], { kind: 'ROLLBACK' }).state).toBe('HEALTHY');
    const timeout = DEFAULT_TIMING.rollbackVerifyTimeoutSeconds;
    expect(decide(['MILD', 'PASS'], { kind: 'ROLLBACK', now: timeout }).state).toBe('FAILED');
  });
});
