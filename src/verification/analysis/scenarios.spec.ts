/**
 * The ten labelled scenarios of rollback-anchors.md §5.7, replayed tick by tick through the same
 * code as production (evaluateTick → decideVerdict → planRemediation) with the default policy,
 * on expected traffic (no randomness: the labels are about the signal, not the noise).
 * SLO 99.9 % availability, latency 99 %; canary = 10 % of traffic unless stated.
 */
import type { ReleaseRef } from '../../remediation/remediation-action.js';
import { DEFAULT_SLIS, defaultPolicySpec, type PolicySpec } from '../verification-policy.js';
import { planRemediation } from './remediation-plan.rule.js';
import { replayVerification, type ReplayResult } from './tick-evaluator.js';
import {
  TrafficSimulator,
  type Rates,
  type TrafficScenario,
  type Version,
} from './traffic-simulator.js';
import type { FinalState } from './verdict.rule.js';

const DEPLOY = new Date('2026-11-20T10:00:00Z');
const spec: PolicySpec = { ...defaultPolicySpec(['ALERTMANAGER']), mode: 'ENFORCE' };
const RPS_10K_RPM = 10_000 / 60;

const release: ReleaseRef = {
  deploymentId: '42',
  service: 'checkout',
  namespace: 'shop',
  environment: 'production',
  version: '1.4.0',
  previousVersion: '1.3.9',
};

function scenario(overrides: Partial<TrafficScenario>): TrafficScenario {
  return {
    seed: null,
    beforeSeconds: 3600,
    afterSeconds: 4000,
    rps: RPS_10K_RPM,
    newShare: 0.1,
    rates: () => ({ error: 0.001, slow: 0.005 }),
    ...overrides,
  };
}

async function replay(
  s: TrafficScenario,
  opts: {
    kind?: 'RELEASE' | 'ROLLBACK';
    hasPreviousVersion?: boolean;
    preDeployAnchor?: Date;
  } = {},
): Promise<ReplayResult & { secondsToVerdict: number | null }> {
  const sim = new TrafficSimulator(s, DEPLOY);
  const result = await replayVerification(sim, {
    spec,
    kind: opts.kind ?? 'RELEASE',
    deployStartedAt: DEPLOY,
    deployFinishedAt: DEPLOY,
    hasPreviousVersion: opts.hasPreviousVersion ?? true,
    preDeployAnchor: opts.preDeployAnchor,
  });
  return {
    ...result,
    secondsToVerdict: result.decidedAt
      ? (result.decidedAt.getTime() - DEPLOY.getTime()) / 1000
      : null,
  };
}

function plan(result: ReplayResult, kind: 'RELEASE' | 'ROLLBACK' = 'RELEASE') {
  return planRemediation({
    kind,
    state: result.decision.state as FinalState,
    reason: result.decision.reason,
    canaryRegressed: result.decision.canaryRegressed,
    mode: 'ENFORCE',
    release,
    rollbackTarget: {
      kind: 'WEBHOOK',
      url: 'http://127.0.0.1:9/rollback',
      secret: 's3cret-s3cret',
    },
    alertChannels: ['ALERTMANAGER'],
    guards: { alreadyRequested: false, lastRollbackAt: null, failedVersions: [] },
    cooldownSeconds: 3600,
    now: result.decidedAt!,
    startsAt: DEPLOY,
    generatorUrl: 'http://shipwatch/verifications/42',
    remediated:
      kind === 'ROLLBACK' ? { release: { ...release, deploymentId: '41' }, state: 'FAILED' } : null,
  });
}

const kinds = (actions: { kind: string; state?: string }[]): string[] =>
  actions.map((a) => (a.kind === 'ALERT' ? `ALERT:${a.state}` : a.kind));

describe('§5.7 labelled scenarios (default policy)', () => {
  it('1. healthy deploy ⇒ HEALTHY after 300 s (sequential test), no alert', async () => {
    const r = await replay(scenario({}));
    expect(r.decision.state).toBe('HEALTHY');
    expect(r.decision.reason).toMatch(/sequential test/);
    expect(r.secondsToVerdict).toBe(spec.timing.earlyHealthySeconds);
    expect(r.ticks.every((t) => t.outcome.classification === 'PASS')).toBe(true);
    expect(r.ticks[0].slis[0].baselineKind).toBe('CONCURRENT');
    expect(plan(r).actions).toEqual([]);
  });

  it('2. noisy but healthy (one 0.6 % canary minute, p ≈ 0.03) ⇒ HEALTHY, no alert', async () => {
    // Error ratio wanders 0.05–0.4 % per minute on both versions; the canary has one bad minute.
    const wander = [0.0005, 0.002, 0.004, 0.001, 0.0008, 0.003, 0.0015, 0.0005, 0.002, 0.001];
    const rates = (v: Version, t: number): Rates => {
      const minute = Math.floor(t / 60);
      if (v === 'NEW' && minute === 4) return { error: 0.006, slow: 0.005 };
      return { error: wander[((minute % 10) + 10) % 10], slow: 0.005 };
    };
    const r = await replay(scenario({ rates }));
    expect(r.decision.state).toBe('HEALTHY');
    const noisy = r.ticks.filter((t) => t.window.start.getTime() >= DEPLOY.getTime() + 240_000)[0];
    expect(noisy.slis[0].pValue).toBeGreaterThan(spec.analysis.alpha);
    expect(plan(r).actions).toEqual([]);
  });

  it('3. low traffic (3 rpm, one 5xx in minute 2) ⇒ merged windows, HEALTHY_LOW_CONFIDENCE at 60 min', async () => {
    const r = await replay(
      scenario({
        beforeSeconds: 24 * 3600,
        rps: 3 / 60,
        newShare: 1,
        rates: (v) => ({ error: v === 'OLD' ? 0.005 : 0, slow: 0 }),
        events: [{ version: 'NEW', t: 90, requests: 0, errors: 1 }],
      }),
      { hasPreviousVersion: true },
    );
    expect(r.decision.state).toBe('HEALTHY_LOW_CONFIDENCE');
    expect(r.secondsToVerdict).toBe(spec.timing.maxVerificationSeconds);
    const evaluated = r.ticks.filter((t) => t.outcome.classification !== 'INSUFFICIENT');
    expect(evaluated.length).toBeGreaterThanOrEqual(1);
    // The first qualifying window merged ~34 minutes of ticks.
    const first = evaluated[0];
    const minutes = (first.window.end.getTime() - first.window.start.getTime()) / 60_000;
    expect(minutes).toBeGreaterThan(30);
    expect(first.slis[0].baselineKind).toBe('PRE_DEPLOY');
    // The pre-deploy baseline reached back past 30 minutes to find 100 requests.
    expect(first.slis[0].preDeploy!.total).toBeGreaterThanOrEqual(100);
    expect(plan(r).actions).toEqual([]);
  });

  it('4. error spike (8 % vs 0.1 %) ⇒ FAILED after 60 s of CRITICAL windows, rollback + critical page', async () => {
    const r = await replay(
      scenario({ rates: (v) => ({ error: v === 'NEW' ? 0.08 : 0.001, slow: 0.005 }) }),
    );
    expect(r.decision.state).toBe('FAILED');
    expect(r.decision.reason).toMatch(/CRITICAL for 60s \(2 consecutive severe windows/);
    expect(r.ticks.map((t) => t.outcome.classification)).toEqual(['CRITICAL', 'CRITICAL']);
    expect(r.secondsToVerdict).toBe(2 * spec.timing.intervalSeconds);
    const p = plan(r);
    expect(kinds(p.actions)).toEqual(['ROLLBACK', 'ALERT:FIRING']);
    expect(p.actions[1]).toMatchObject({ severity: 'critical', verdict: 'FAILED' });
    expect(p.openIncident).toBe(true);
  });

  it('5. latency regression (8 % slow vs 0.5 %) ⇒ FAILED once severe for 180 s', async () => {
    const r = await replay(
      scenario({ rates: (v) => ({ error: 0.001, slow: v === 'NEW' ? 0.08 : 0.005 }) }),
    );
    expect(r.decision.state).toBe('FAILED');
    expect(r.decision.reason).toMatch(
      /severe regression of latency for 180s, burning the budget 8\.0×/,
    );
    const last = r.ticks.at(-1)!;
    expect(last.slis.find((s) => s.name === 'latency')).toMatchObject({
      classification: 'REGRESSION',
      severity: 'SEVERE',
    });
    expect(last.slis.find((s) => s.name === 'errors')!.classification).toBe('PASS');
    // Two warm-up ticks are recorded but not counted; severe from the window ending at 90 s.
    expect(r.secondsToVerdict).toBe(90 + spec.analysis.severeSustainSeconds);
    expect(kinds(plan(r).actions)).toEqual(['ROLLBACK', 'ALERT:FIRING']);
  });

  it('6. slow burn (0.3 % vs 0.1 %) ⇒ DEGRADED at bake end: ticket alert, no rollback', async () => {
    const r = await replay(
      scenario({ rates: (v) => ({ error: v === 'NEW' ? 0.003 : 0.001, slow: 0.005 }) }),
    );
    expect(r.decision.state).toBe('DEGRADED');
    expect(r.secondsToVerdict).toBe(spec.timing.bakeSeconds);
    const settle = r.ticks.at(-1)!.slis[0].settle!;
    expect(settle.significant).toBe(true);
    expect(settle.pValue).toBeCloseTo(6.66e-4, 5); // 15 vs 45 bad, as in §5.7
    const p = plan(r);
    expect(kinds(p.actions)).toEqual(['ALERT:FIRING']);
    expect(p.actions[0]).toMatchObject({ severity: 'warning', verdict: 'DEGRADED' });
    expect(p.rollbackRequested).toBe(false);
  });

  it('7a. no data (series absent on both sides) ⇒ UNVERIFIED after 5 ticks past the warm-up, naming what was looked for, no rollback', async () => {
    // The default SLIs look every family up (preset-selection.ts): none has series, so nothing
    // can ever be judged — not a blind Prometheus (INCONCLUSIVE), which 7b is.
    const r = await replay(scenario({ absent: ['NEW', 'OLD'] }));
    expect(r.decision.state).toBe('UNVERIFIED');
    expect(r.decision.reason).toContain('no series of any default SLI family');
    expect(r.decision.reason).toContain('http_server_request_duration_seconds_count');
    // two warm-up ticks, then more than consecutiveErrorLimit (4) after it
    expect(r.ticks.map((t) => t.outcome.classification)).toEqual(Array(7).fill('NO_DATA'));
    expect(r.ticks.map((t) => t.presets?.chosen)).toEqual(Array(7).fill([]));
    const p = plan(r);
    expect(kinds(p.actions)).toEqual([]);
    expect(p.rollbackRequested).toBe(false);
  });

  it('7b. Prometheus errors ⇒ INCONCLUSIVE, never FAILED', async () => {
    const r = await replay(
      scenario({
        rates: (v) => ({ error: v === 'NEW' ? 0.08 : 0.001, slow: 0.005 }),
        queryErrorAt: () => true,
      }),
    );
    expect(r.decision.state).toBe('INCONCLUSIVE');
    expect(r.ticks.every((t) => t.outcome.classification === 'ERROR')).toBe(true);
  });

  it('8. flapping pod (2 % / 0.1 % alternating per minute) ⇒ FAILED: a page-rate episode of 180 s+', async () => {
    const r = await replay(
      scenario({
        rates: (v, t) => ({
          error: v === 'NEW' && Math.floor(t / 60) % 2 === 0 ? 0.02 : 0.001,
          slow: 0.005,
        }),
      }),
    );
    expect(r.decision.state).toBe('FAILED');
    expect(r.decision.reason).toMatch(/severe regression of errors for \d+s, burning the budget/);
    // Consecutive-only logic would have reset at every good minute.
    const classes = r.ticks.map((t) => t.outcome.classification);
    expect(classes).toContain('PASS');
    // Severe windows at 150-180 s, 270-300 s, 390 s: the episode reaches 180 s on a severe window.
    expect(r.secondsToVerdict).toBe(390);
  });

  it('9. pre-existing incident (5 % on both, 20 min before the deploy) ⇒ ENV_DEGRADED, alert, no rollback', async () => {
    const r = await replay(
      scenario({ rates: (_v, t) => ({ error: t >= -1200 ? 0.05 : 0.001, slow: 0.005 }) }),
    );
    expect(r.decision.state).toBe('ENV_DEGRADED');
    expect(r.decision.canaryRegressed).toBe(false);
    expect(r.ticks[0].slis[0].preDeploy!.burnRate).toBeGreaterThan(spec.analysis.pageBurnRate);
    const p = plan(r);
    expect(kinds(p.actions)).toEqual(['ALERT:FIRING']);
    expect(p.actions[0]).toMatchObject({ severity: 'warning', verdict: 'ENV_DEGRADED' });
    expect(p.rollbackRequested).toBe(false);
    expect(p.openIncident).toBe(false);
  });

  it('10a. transient burst (3 % for 120 s, then 0.1 %) ⇒ no rollback; the whole bake still shows it: DEGRADED ticket', async () => {
    const r = await replay(
      scenario({
        rates: (v, t) => ({
          error: v === 'NEW' && t >= 180 && t < 300 ? 0.03 : 0.001,
          slow: 0.005,
        }),
      }),
    );
    expect(r.decision.state).toBe('DEGRADED');
    expect(r.decision.reason).toMatch(/whole-bake test is significant for errors/);
    const severe = r.ticks.filter((t) => t.outcome.severity === 'SEVERE');
    expect(severe).toHaveLength(4);
    const p = plan(r);
    expect(kinds(p.actions)).toEqual(['ALERT:FIRING']);
    expect(p.actions[0]).toMatchObject({ severity: 'warning', verdict: 'DEGRADED' });
    expect(p.rollbackRequested).toBe(false);
  });

  it('10b. recovery (1 % for 30 s, then 0.1 %) ⇒ HEALTHY at 300 s, watched to the end of the bake, no alert', async () => {
    const r = await replay(
      scenario({
        rates: (v, t) => ({
          error: v === 'NEW' && t >= 180 && t < 210 ? 0.01 : 0.001,
          slow: 0.005,
        }),
      }),
    );
    expect(r.decision.state).toBe('HEALTHY');
    expect(r.decision.reason).toMatch(/^sequential test: .*watched until the end of the bake/);
    expect(r.secondsToVerdict).toBe(spec.timing.earlyHealthySeconds);
    // The watch ticks on to the end of the bake and the verdict stands.
    const after = (t: { at: Date }) => (t.at.getTime() - DEPLOY.getTime()) / 1000;
    expect(after(r.ticks.at(-1)!)).toBe(spec.timing.bakeSeconds);
    expect(r.states.at(-1)).toBe('HEALTHY');
    expect(r.states.indexOf('HEALTHY')).toBe(
      r.ticks.findIndex((t) => after(t) === spec.timing.earlyHealthySeconds),
    );
    const regressions = r.ticks.filter((t) => t.outcome.classification === 'REGRESSION');
    expect(regressions.some((t) => t.outcome.severity === 'SEVERE')).toBe(true);
    expect(plan(r).actions).toEqual([]);
  });

  describe('the watch of an early HEALTHY (to the end of the bake)', () => {
    const after = (d: Date | null) => (d ? (d.getTime() - DEPLOY.getTime()) / 1000 : null);

    it('a slow burn that starts after the early HEALTHY (0.5 % from 350 s) ⇒ DEGRADED at the end of the bake, a ticket', async () => {
      const r = await replay(
        scenario({
          rates: (v, t) => ({ error: v === 'NEW' && t >= 350 ? 0.005 : 0.001, slow: 0.005 }),
        }),
      );
      expect(after(r.healthyAt)).toBe(spec.timing.earlyHealthySeconds);
      expect(r.decision.state).toBe('DEGRADED');
      expect(r.decision.reason).toMatch(/whole-bake test is significant for errors/);
      expect(r.secondsToVerdict).toBe(spec.timing.bakeSeconds);
      expect(r.states.filter((x) => x === 'HEALTHY').length).toBeGreaterThan(1);
      const p = plan(r);
      expect(kinds(p.actions)).toEqual(['ALERT:FIRING']);
      expect(p.actions[0]).toMatchObject({ severity: 'warning', verdict: 'DEGRADED' });
      expect(p.rollbackRequested).toBe(false);
    });

    it('a critical regression after the early HEALTHY (8 % from 400 s) ⇒ FAILED within 90 s of onset, rolled back', async () => {
      const r = await replay(
        scenario({
          rates: (v, t) => ({ error: v === 'NEW' && t >= 400 ? 0.08 : 0.001, slow: 0.005 }),
        }),
      );
      expect(after(r.healthyAt)).toBe(spec.timing.earlyHealthySeconds);
      expect(r.decision.state).toBe('FAILED');
      expect(r.secondsToVerdict! - 400).toBeLessThanOrEqual(90);
      expect(plan(r).rollbackRequested).toBe(true);
    });

    it("the new version's series gone during the watch (target down) ⇒ HEALTHY stands", async () => {
      const early = await replay(scenario({ gaps: [{ version: 'NEW', from: 330, to: 4000 }] }));
      expect(after(early.healthyAt)).toBe(spec.timing.earlyHealthySeconds);
      expect(early.decision.state).toBe('HEALTHY');
    });
  });

  it('10c. the rollback of #4 verifies healthy ⇒ RESOLVED: resolves sent, incident resolved', async () => {
    // The rolled-back version serves 0.1 % again (a short drain of 1 % in the first 20 s);
    // it is judged against the window before the failed release.
    const failedReleaseStart = new Date(DEPLOY.getTime() - 600_000);
    const r = await replay(
      scenario({
        newShare: 1,
        rates: (v, t) => ({ error: v === 'NEW' && t < 20 ? 0.01 : 0.001, slow: 0.005 }),
      }),
      { kind: 'ROLLBACK', preDeployAnchor: failedReleaseStart },
    );
    expect(r.decision.state).toBe('HEALTHY');
    expect(r.ticks[0].slis[0].baselineKind).toBe('PRE_DEPLOY');
    const p = plan(r, 'ROLLBACK');
    expect(kinds(p.actions)).toEqual(['ALERT:RESOLVED']);
    expect(p.actions[0]).toMatchObject({ verdict: 'FAILED', release: { deploymentId: '41' } });
    expect(p.resolveRemediated).toBe(true);
    expect(p.rollbackRequested).toBe(false);
  });

  it('10d. a rollback that does not recover ⇒ ReleaseRollbackNotRecovered page, no second rollback', async () => {
    const r = await replay(
      // The failed release ran from -600 s; its rollback at 0 s keeps failing.
      scenario({
        newShare: 1,
        rates: (_v, t) => ({ error: t >= -600 ? 0.08 : 0.001, slow: 0.005 }),
      }),
      { kind: 'ROLLBACK', preDeployAnchor: new Date(DEPLOY.getTime() - 600_000) },
    );
    expect(r.decision.state).toBe('FAILED');
    const p = plan(r, 'ROLLBACK');
    expect(kinds(p.actions)).toEqual(['ALERT:FIRING']);
    expect(p.actions[0]).toMatchObject({ verdict: 'ROLLBACK_NOT_RECOVERED', severity: 'critical' });
    expect(p.rollbackRequested).toBe(false);
    expect(p.openIncident).toBe(false);
  });

  it('keeps the default SLIs on the OpenTelemetry HTTP server histogram', () => {
    expect(DEFAULT_SLIS.map((s) => s.name)).toEqual(['errors', 'latency']);
  });
});
