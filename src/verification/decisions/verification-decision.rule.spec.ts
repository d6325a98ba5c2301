import { DEFAULT_TIMING, MAX_VERIFICATION_SECONDS } from '../verification-policy.js';
import {
  allowedDecision,
  MAX_DECISION_REASON,
  type DecisionRequest,
  type DecisionSubject,
} from './verification-decision.rule.js';

const subject = (over: Partial<DecisionSubject> = {}): DecisionSubject => ({
  kind: 'RELEASE',
  state: 'RUNNING',
  mode: 'ADVISE',
  ticking: true,
  rollbackRequested: false,
  timing: DEFAULT_TIMING,
  signals: ['errors', 'latency'],
  ...over,
});
const failedAdvised = subject({ state: 'FAILED', ticking: false });
const approve: DecisionRequest = { action: 'APPROVE_ROLLBACK', reason: 'checkout errors' };

describe('allowedDecision', () => {
  it('wants a reason, trimmed, of at most 1000 characters', () => {
    for (const reason of ['', '   ', 'x'.repeat(MAX_DECISION_REASON + 1)]) {
      expect(allowedDecision(failedAdvised, { ...approve, reason })).toMatchObject({
        ok: false,
        code: 'BAD_USER_INPUT',
        field: 'reason',
      });
    }
    expect(allowedDecision(failedAdvised, { ...approve, reason: '  why  ' })).toMatchObject({
      ok: true,
      reason: 'why',
    });
  });

  describe('APPROVE_ROLLBACK', () => {
    it('approves the advised rollback of a FAILED release, changing no state', () => {
      expect(allowedDecision(failedAdvised, approve)).toEqual({
        ok: true,
        reason: 'checkout errors',
        stateAfter: 'FAILED',
        verdict: null,
        timing: null,
      });
    });

    it('refuses a second approval: ROLLBACK_ALREADY_REQUESTED', () => {
      expect(allowedDecision({ ...failedAdvised, rollbackRequested: true }, approve)).toMatchObject(
        { ok: false, code: 'ROLLBACK_ALREADY_REQUESTED' },
      );
    });

    it.each([
      ['a running verification', subject()],
      ['an ENFORCE policy (it rolls back by itself)', { ...failedAdvised, mode: 'ENFORCE' }],
      ['a DRY_RUN policy', { ...failedAdvised, mode: 'DRY_RUN' }],
      ['a rollback that failed', { ...failedAdvised, kind: 'ROLLBACK' }],
      ['a DEGRADED release', { ...failedAdvised, state: 'DEGRADED' }],
    ] as [string, DecisionSubject][])('refuses %s: NO_ADVISED_ROLLBACK', (_, v) => {
      expect(allowedDecision(v, approve)).toMatchObject({ ok: false, code: 'NO_ADVISED_ROLLBACK' });
    });
  });

  describe('MARK_HEALTHY / MARK_FAILED', () => {
    it('aborts a running verification with a verdict', () => {
      expect(allowedDecision(subject(), { action: 'MARK_FAILED', reason: 'r' })).toEqual({
        ok: true,
        reason: 'r',
        stateAfter: 'FAILED',
        verdict: 'FAILED',
        timing: null,
      });
      // an early HEALTHY still watched: marking it HEALTHY ends the watch
      expect(
        allowedDecision(subject({ state: 'HEALTHY' }), { action: 'MARK_HEALTHY', reason: 'r' }),
      ).toMatchObject({ ok: true, stateAfter: 'HEALTHY', verdict: 'HEALTHY' });
    });

    it('overrides an ended verification with another verdict', () => {
      expect(allowedDecision(failedAdvised, { action: 'MARK_HEALTHY', reason: 'r' })).toMatchObject(
        { ok: true, verdict: 'HEALTHY' },
      );
      expect(
        allowedDecision(subject({ state: 'INCONCLUSIVE', ticking: false }), {
          action: 'MARK_FAILED',
          reason: 'r',
        }),
      ).toMatchObject({ ok: true, verdict: 'FAILED' });
    });

    it('refuses the verdict an ended verification already has: VERDICT_UNCHANGED', () => {
      expect(allowedDecision(failedAdvised, { action: 'MARK_FAILED', reason: 'r' })).toMatchObject({
        ok: false,
        code: 'VERDICT_UNCHANGED',
      });
    });
  });

  describe('EXTEND_BAKE', () => {
    const extend = (seconds: number): DecisionRequest => ({
      action: 'EXTEND_BAKE',
      reason: 'traffic peak at noon',
      seconds,
    });

    it('lengthens the bake and the maximum verification time of a ticking verification', () => {
      expect(allowedDecision(subject(), extend(900))).toEqual({
        ok: true,
        reason: 'traffic peak at noon',
        stateAfter: 'RUNNING',
        verdict: null,
        timing: {
          ...DEFAULT_TIMING,
          bakeSeconds: DEFAULT_TIMING.bakeSeconds + 900,
          maxVerificationSeconds: DEFAULT_TIMING.maxVerificationSeconds + 900,
        },
      });
    });

    it.each([0, 59, 3601, 1.5, Number.NaN])('refuses %s seconds', (s) => {
      expect(allowedDecision(subject(), extend(s))).toMatchObject({
        ok: false,
        code: 'BAD_USER_INPUT',
        field: 'seconds',
      });
    });

    it('refuses to run a verification over a day', () => {
      const long = {
        ...DEFAULT_TIMING,
        bakeSeconds: MAX_VERIFICATION_SECONDS - 600,
        maxVerificationSeconds: MAX_VERIFICATION_SECONDS - 60,
      };
      expect(allowedDecision(subject({ timing: long }), extend(60))).toMatchObject({ ok: true });
      expect(allowedDecision(subject({ timing: long }), extend(61))).toMatchObject({
        ok: false,
        field: 'seconds',
      });
    });

    it('refuses an ended verification: VERIFICATION_NOT_RUNNING', () => {
      expect(allowedDecision(failedAdvised, extend(600))).toMatchObject({
        ok: false,
        code: 'VERIFICATION_NOT_RUNNING',
      });
    });
  });

  describe('DISMISS_SLI_RISK', () => {
    it('records a known signal in any state and changes nothing', () => {
      for (const v of [subject(), failedAdvised]) {
        expect(
          allowedDecision(v, { action: 'DISMISS_SLI_RISK', reason: 'known noisy', sli: 'latency' }),
        ).toEqual({
          ok: true,
          reason: 'known noisy',
          stateAfter: v.state,
          verdict: null,
          timing: null,
        });
      }
    });

    it('refuses a signal the policy does not have', () => {
      expect(
        allowedDecision(subject(), { action: 'DISMISS_SLI_RISK', reason: 'r', sli: 'cpu' }),
      ).toMatchObject({ ok: false, code: 'BAD_USER_INPUT', field: 'sli' });
    });
  });
});
