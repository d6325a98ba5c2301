import { DEFAULT_ANALYSIS as P, type ThresholdCheckSpec } from '../verification-policy.js';
import {
  aggregateTick,
  classifySli,
  evaluateCheck,
  type Reading,
  type SliTickInput,
} from './tick.rule.js';

const ok = (total: number, bad: number): Reading => ({ kind: 'OK', counts: { total, bad } });
const errors = { name: 'errors', objective: 0.999 };

function sli(canary: Reading, baseline: Reading, extra: Partial<SliTickInput> = {}) {
  return classifySli({ sli: errors, canary, baseline, baselineKind: 'CONCURRENT', ...extra }, P);
}

describe('classifySli: data gate and boundaries (§5.7)', () => {
  it('passes the gate at exactly minRequests on both sides, not one below', () => {
    expect(sli(ok(P.minRequests, 20), ok(P.minRequests, 0)).classification).toBe('CRITICAL');
    const below = sli(ok(P.minRequests - 1, 20), ok(1000, 0));
    expect(below.classification).toBe('INSUFFICIENT');
    expect(below.reason).toMatch(/data gate: 99 canary and 1000 baseline/);
    expect(sli(ok(1000, 50), ok(P.minRequests - 1, 0)).classification).toBe('INSUFFICIENT');
  });

  it('never claims a regression with k_c = minBadEvents − 1, however large the ratio', () => {
    const r = sli(ok(1000, P.minBadEvents - 1), ok(9000, 0));
    expect(r.classification).toBe('PASS');
    expect(r.pValue).toBeLessThan(P.alpha); // significant, but not enough bad events
    expect(sli(ok(1000, P.minBadEvents), ok(9000, 0)).classification).toBe('REGRESSION');
  });

  it('handles a zero baseline: the conditional test holds and minAbsDelta decides', () => {
    const clear = sli(ok(1000, 5), ok(9000, 0));
    expect(clear.classification).toBe('REGRESSION');
    expect(clear.pValue).toBeCloseTo(1e-5, 8);
    expect(clear.ratio).toBeNull();
    // 5 of 10k = 0.05 %: significant against a clean baseline but under the 0.1 pp delta.
    expect(sli(ok(10_000, 5), ok(90_000, 0)).classification).toBe('PASS');
  });

  it('reports canary-only missing data as NO_DATA (routing/labels), never as a pass or failure', () => {
    const r = sli({ kind: 'NO_DATA' }, ok(9000, 9));
    expect(r.classification).toBe('NO_DATA');
    expect(r.reason).toMatch(/baseline served 9000: check routing/);
    expect(sli(ok(1000, 1), { kind: 'NO_DATA' }).classification).toBe('NO_DATA');
  });

  it('turns query errors into ERROR', () => {
    const r = sli({ kind: 'ERROR', message: 'bad_data: parse error' }, ok(9000, 9));
    expect(r).toMatchObject({
      classification: 'ERROR',
      reason: 'canary query failed: bad_data: parse error',
    });
  });

  it('classifies severity from the burn rate of the window alone (how long it lasts is for the verdict)', () => {
    // 2 % vs 0.1 %: burn 20 on the window, severe even while the settle window is still mild.
    const severe = sli(ok(500, 10), ok(4500, 4), {
      canarySettle: ok(5000, 20),
      baselineSettle: ok(45000, 45),
    });
    expect(severe).toMatchObject({ classification: 'REGRESSION', severity: 'SEVERE' });
    // 0.4 % vs 0.02 %: significant, burn 4 < 6: mild.
    const mild = sli(ok(5000, 20), ok(45000, 9));
    expect(mild).toMatchObject({ classification: 'REGRESSION', severity: 'MILD' });
  });

  it('needs both 5 % and 10× the baseline and burn ≥ 14.4 for CRITICAL', () => {
    expect(sli(ok(1000, 80), ok(9000, 9)).classification).toBe('CRITICAL');
    // 8 % vs 1 %: 8× only, a severe regression but not critical.
    expect(sli(ok(1000, 80), ok(9000, 90)).classification).toBe('REGRESSION');
  });

  it('flags a degraded baseline or pre-deploy window as a pre-existing incident', () => {
    const both = sli(ok(1000, 50), ok(9000, 450));
    expect(both).toMatchObject({ classification: 'BASELINE_DEGRADED', baselineDegraded: true });
    const before = sli(ok(1000, 1), ok(9000, 9), { preDeploy: ok(30000, 1500) });
    expect(before).toMatchObject({ classification: 'BASELINE_DEGRADED', baselineDegraded: true });
    // A noisy small baseline is not an incident: the gate applies to it too.
    expect(sli(ok(1000, 1), ok(9000, 9), { preDeploy: ok(50, 10) }).baselineDegraded).toBe(false);
  });
});

describe('threshold checks (Argo semantics, no data is not a failure)', () => {
  const spec = (s?: string, f?: string, dryRun = false): ThresholdCheckSpec => ({
    name: 'success_rate',
    query: 'x[{{window}}]',
    successCondition: s,
    failureCondition: f,
    dryRun,
  });
  const v = (value: number) => ({ kind: 'OK' as const, value });

  it('fails when only the success condition is false', () => {
    expect(evaluateCheck(spec('result >= 0.95'), v(0.9)).outcome).toBe('FAIL');
    expect(evaluateCheck(spec('result >= 0.95'), v(0.95)).outcome).toBe('PASS');
  });
  it('passes when only the failure condition is false', () => {
    expect(evaluateCheck(spec(undefined, 'result < 0.9'), v(0.92)).outcome).toBe('PASS');
    expect(evaluateCheck(spec(undefined, 'result < 0.9'), v(0.8)).outcome).toBe('FAIL');
  });
  it('is inconclusive when both conditions are given and neither holds', () => {
    expect(evaluateCheck(spec('result >= 0.95', 'result < 0.9'), v(0.92)).outcome).toBe(
      'INCONCLUSIVE',
    );
  });
  it('reports no value (or NaN) as NO_DATA', () => {
    expect(evaluateCheck(spec('result >= 0.95'), { kind: 'NO_DATA' }).outcome).toBe('NO_DATA');
    expect(evaluateCheck(spec('result >= 0.95'), v(Number.NaN)).outcome).toBe('NO_DATA');
  });
  it('records dry-run checks without counting them in the tick', () => {
    const failed = evaluateCheck(spec('result >= 0.95', undefined, true), v(0.5));
    expect(failed).toMatchObject({ outcome: 'FAIL', dryRun: true });
    expect(aggregateTick([], [failed]).classification).toBe('NO_DATA');
    const counted = evaluateCheck(spec('result >= 0.95'), v(0.5));
    expect(aggregateTick([], [counted])).toMatchObject({
      classification: 'REGRESSION',
      severity: 'SEVERE',
    });
  });
});

describe('aggregateTick', () => {
  it('takes the worst outcome and keeps the other reasons', () => {
    const pass = sli(ok(1000, 1), ok(9000, 9));
    const critical = sli(ok(1000, 80), ok(9000, 9));
    const tick = aggregateTick([pass, critical], []);
    expect(tick.classification).toBe('CRITICAL');
    const blind = aggregateTick([pass, sli({ kind: 'NO_DATA' }, ok(9000, 9))], []);
    expect(blind.classification).toBe('NO_DATA');
  });

  it('says a reason that several SLIs share once, naming them all, the worst first', () => {
    const down = { kind: 'ERROR', message: 'Prometheus is unavailable' } as const;
    const named = (name: string, canary: Reading) =>
      classifySli(
        {
          sli: { name, objective: 0.999 },
          canary,
          baseline: ok(9000, 9),
          baselineKind: 'CONCURRENT',
        },
        P,
      );
    const critical = named('latency', ok(1000, 80));
    const tick = aggregateTick(
      [named('errors', down), critical, named('rpc_errors', down), named('rpc_latency', down)],
      [],
    );
    expect(tick.classification).toBe('CRITICAL');
    const unavailable = named('errors', down).reason;
    expect(tick.reason).toBe(
      `latency: ${critical.reason}; errors, rpc_errors, rpc_latency: ${unavailable}`,
    );
  });
});
