import {
  checkPolicyShape,
  defaultPolicySpec,
  DEFAULT_ANALYSIS,
  DEFAULT_SLIS,
  timingWithDefaults,
} from '../verification-policy.js';
import type { RemediationAction } from '../../remediation/remediation-action.js';
import {
  burnRate,
  burnWindowPairs,
  judgeLateCheck,
  judgePair,
  nextLateCheck,
  pairWindows,
  planLateRegression,
  type PairReading,
} from './late-regression.rule.js';

const T = Date.parse('2026-12-04T12:00:00Z');
const at = (s: number) => new Date(T + s * 1000);
const [FAST, SLOW] = burnWindowPairs(DEFAULT_ANALYSIS);
const SLI = DEFAULT_SLIS[0];
const ok = (total: number, bad: number) => ({ kind: 'OK' as const, counts: { total, bad } });

const reading = (
  long: ReturnType<typeof ok> | { kind: 'NO_DATA' },
  short: ReturnType<typeof ok> | { kind: 'NO_DATA' },
  pair = FAST,
): PairReading => ({
  sli: { ...SLI, objective: 0.999 },
  pair,
  long: { start: at(-pair.longSeconds), end: at(0), reading: long },
  short: { start: at(-pair.shortSeconds), end: at(0), reading: short },
});

describe('late regressions: multiwindow burn rates', () => {
  it('uses the SRE workbook paging pairs at the policy burn rates', () => {
    expect([FAST, SLOW]).toEqual([
      { name: '1h/5m', longSeconds: 3600, shortSeconds: 300, factor: 14.4 },
      { name: '6h/30m', longSeconds: 21_600, shortSeconds: 1800, factor: 6 },
    ]);
    expect(burnRate(1000, 2, 0.999)).toBeCloseTo(2);
    expect(burnRate(0, 0, 0.999)).toBeNull();
  });

  it('is a regression only when both windows burn at the factor', () => {
    // 5 % errors for 5 minutes, and 2 % over the hour: both ≥ 14.4×
    expect(judgePair(reading(ok(72_000, 1440), ok(6000, 300)), DEFAULT_ANALYSIS)).toMatchObject({
      burning: true,
      reason: expect.stringMatching(/burns 20\.0× over 1h and 50\.0× over 5m \(both ≥ 14\.4×\)/),
    });
    // a 5-minute spike that the hour does not show: no page (the short window alone)
    expect(judgePair(reading(ok(72_000, 400), ok(6000, 300)), DEFAULT_ANALYSIS).burning).toBe(
      false,
    );
    // burnt over the hour, but recovered in the last 5 minutes: no page (the long window alone)
    expect(judgePair(reading(ok(72_000, 1440), ok(6000, 6)), DEFAULT_ANALYSIS).burning).toBe(false);
  });

  it('never calls missing evidence, too little traffic or too few bad events a regression', () => {
    const noData = { kind: 'NO_DATA' as const };
    expect(judgePair(reading(noData, ok(6000, 300)), DEFAULT_ANALYSIS)).toMatchObject({
      burning: false,
      reason: expect.stringMatching(/no evidence/),
    });
    expect(judgePair(reading(ok(600, 60), ok(50, 25)), DEFAULT_ANALYSIS).reason).toMatch(
      /50 requests in the short window/,
    );
    // 4 errors in 200 requests burn 20× but are below minBadEvents (5)
    expect(judgePair(reading(ok(1000, 20), ok(200, 4)), DEFAULT_ANALYSIS).reason).toMatch(
      /fewer than 5 bad events/,
    );
  });

  it('stays quiet on healthy noise: Poisson errors at the objective over a day of checks', () => {
    // 20 requests/s at 0.1 % errors (a burn of 1×), a check every 5 minutes for 24 h, seeded
    let seed = 7;
    const random = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
    const poisson = (mean: number) => {
      let k = 0;
      let p = Math.exp(-mean);
      let s = p;
      const u = random();
      while (u > s) s += p *= mean / ++k;
      return k;
    };
    const perMinute = Array.from({ length: 24 * 60 }, () => poisson(1200 * 0.001));
    const sum = (from: number, to: number) =>
      perMinute.slice(Math.max(0, from), to).reduce((a, b) => a + b, 0);
    let alerts = 0;
    for (let m = 60; m <= perMinute.length; m += 5) {
      const readings = [FAST, SLOW].map((pair) => {
        const long = Math.min(m, pair.longSeconds / 60);
        const short = pair.shortSeconds / 60;
        return reading(
          ok(1200 * long, sum(m - long, m)),
          ok(1200 * short, sum(m - short, m)),
          pair,
        );
      });
      if (judgeLateCheck(readings, DEFAULT_ANALYSIS).regression) alerts++;
    }
    expect(alerts).toBe(0);
  });

  it('reads windows that end at the check and start no earlier than the deploy', () => {
    const w = pairWindows(SLOW, at(3000), at(0));
    expect(w.long).toEqual({ start: at(0), end: at(3000) });
    expect(w.short).toEqual({ start: at(1200), end: at(3000) });
  });

  it('checks again after the interval until the end, and stops on a regression or a newer deploy', () => {
    const base = { until: at(86_400), intervalSeconds: 300, latest: true, regressed: false };
    expect(nextLateCheck({ ...base, at: at(600) })).toEqual({ end: null, nextCheckAt: at(900) });
    expect(nextLateCheck({ ...base, at: at(86_300) }).nextCheckAt).toEqual(at(86_400));
    expect(nextLateCheck({ ...base, at: at(86_400) })).toEqual({ end: 'ENDED', nextCheckAt: null });
    expect(nextLateCheck({ ...base, at: at(900), latest: false }).end).toBe('SUPERSEDED');
    expect(nextLateCheck({ ...base, at: at(900), regressed: true }).end).toBe('REGRESSED');
  });
});

describe('late watch settings', () => {
  it('defaults to a day of checks every 5 minutes, no rollback, also for stored timings without them', () => {
    const spec = defaultPolicySpec([]);
    expect(spec.timing).toMatchObject({ lateWatchSeconds: 86_400, lateWatchIntervalSeconds: 300 });
    expect(spec.lateRegressionRollback).toBe(false);
    expect(timingWithDefaults({ bakeSeconds: 900 })).toMatchObject({
      bakeSeconds: 900,
      lateWatchSeconds: 86_400,
    });
  });

  it('refuses a watch longer than a day and checks more often than a minute or rarer than an hour', () => {
    const shape = (timing: object) =>
      checkPolicyShape({
        ...defaultPolicySpec([]),
        timing: { ...defaultPolicySpec([]).timing, ...timing },
      });
    expect(shape({ lateWatchSeconds: 0 })).toEqual([]);
    expect(shape({ lateWatchSeconds: 90_000, lateWatchIntervalSeconds: 30 })).toEqual([
      { field: 'timing.lateWatchIntervalSeconds', message: 'an integer >= 60' },
      { field: 'timing.lateWatchSeconds', message: 'at most 86400 (a day)' },
    ]);
    expect(shape({ lateWatchIntervalSeconds: 7200 })).toEqual([
      { field: 'timing.lateWatchIntervalSeconds', message: 'at most 3600' },
    ]);
  });
});

describe('late regressions: what they do', () => {
  const release = {
    deploymentId: '42',
    service: 'checkout',
    namespace: '',
    environment: 'production',
    version: '2.0.0',
    previousVersion: '1.9.0',
  };
  const input = {
    mode: 'ENFORCE' as const,
    reason: 'errors burns 20× over 1h and 50× over 5m',
    release,
    rollbackTarget: { kind: 'WEBHOOK' as const, url: 'https://ci.example/rollback', secret: 's' },
    alertChannels: ['ALERTMANAGER', 'SLACK'] as const,
    guards: { alreadyRequested: false, lastRollbackAt: null, failedVersions: [] },
    cooldownSeconds: 3600,
    now: at(0),
    startsAt: at(-300),
    generatorUrl: 'http://shipwatch.test/x',
    rollbackWanted: false,
  };
  const kinds = (actions: RemediationAction[]) => actions.map((a) => a.idempotencyKey);

  it('alerts once per channel and never rolls back by default', () => {
    const plan = planLateRegression(input);
    expect(kinds(plan.actions)).toEqual([
      'alert:42:LATE_REGRESSION:FIRING:ALERTMANAGER',
      'alert:42:LATE_REGRESSION:FIRING:SLACK',
    ]);
    expect(plan).toMatchObject({
      rollbackRequested: false,
      rollbackBlocked: null,
      attribute: true,
    });
  });

  it('rolls back when the policy says so, in ENFORCE mode, through the verdict guards', () => {
    const plan = planLateRegression({ ...input, rollbackWanted: true });
    expect(kinds(plan.actions)[0]).toBe('rollback:42');
    expect(plan.rollbackRequested).toBe(true);
    expect(planLateRegression({ ...input, rollbackWanted: true, mode: 'ADVISE' })).toMatchObject({
      rollbackRequested: false,
      rollbackBlocked: 'mode ADVISE',
    });
    const failedBefore = planLateRegression({
      ...input,
      rollbackWanted: true,
      guards: { ...input.guards, failedVersions: ['1.9.0'] },
    });
    expect(failedBefore.rollbackBlocked).toMatch(/1\.9\.0 failed verification itself/);
    expect(kinds(failedBefore.actions)).not.toContain('rollback:42');
  });

  it('records only in DRY_RUN mode', () => {
    expect(planLateRegression({ ...input, mode: 'DRY_RUN', rollbackWanted: true })).toEqual({
      actions: [],
      rollbackRequested: false,
      rollbackBlocked: 'mode DRY_RUN',
      attribute: false,
    });
  });
});
