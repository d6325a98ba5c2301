/**
 * Which human decision a verification takes in which state, and what it does (docs/verification.md,
 * "Human decisions"). Pure: the service locks the verification row, asks this, and applies the
 * answer in the same transaction as its audit entry.
 *
 * | decision         | allowed when                                                       | effect                                                    |
 * | ---------------- | ------------------------------------------------------------------ | --------------------------------------------------------- |
 * | APPROVE_ROLLBACK | a RELEASE judged FAILED in ADVISE mode, no rollback requested yet  | the rollback goes through the outbox (once)               |
 * | MARK_HEALTHY     | ticking (aborts it), or ended with another verdict (overrides it)  | state HEALTHY, ticking stops, the verdict's consequences  |
 * | MARK_FAILED      | idem                                                               | state FAILED, ticking stops, the verdict's consequences   |
 * | EXTEND_BAKE      | ticking (RUNNING, or an early HEALTHY still watched)               | bake and maximum verification time longer by `seconds`    |
 * | DISMISS_SLI_RISK | any state, for an SLI or check of the verification's policy        | recorded and shown; no state, verdict or action changes   |
 */
import type { VerificationMode, VerificationTiming } from '../verification-policy.js';
import { MAX_VERIFICATION_SECONDS } from '../verification-policy.js';
import type { VerificationKind, VerificationState } from '../analysis/verdict.rule.js';

export const DECISION_ACTIONS = [
  'APPROVE_ROLLBACK',
  'MARK_HEALTHY',
  'MARK_FAILED',
  'EXTEND_BAKE',
  'DISMISS_SLI_RISK',
] as const;
export type DecisionAction = (typeof DECISION_ACTIONS)[number];

export const MAX_DECISION_REASON = 1000;
/** One extension of the bake: at least a minute, at most an hour. */
export const MIN_EXTEND_SECONDS = 60;
export const MAX_EXTEND_SECONDS = 3600;

/** What the rule needs to know of the verification (read under its row lock). */
export interface DecisionSubject {
  readonly kind: VerificationKind;
  readonly state: VerificationState;
  readonly mode: VerificationMode;
  /** Another tick is scheduled (RUNNING, or an early HEALTHY watched to the end of the bake). */
  readonly ticking: boolean;
  readonly rollbackRequested: boolean;
  readonly timing: VerificationTiming;
  /** The names of the policy's SLIs and threshold checks. */
  readonly signals: readonly string[];
}

export type DecisionRequest =
  | {
      readonly action: 'APPROVE_ROLLBACK' | 'MARK_HEALTHY' | 'MARK_FAILED';
      readonly reason: string;
    }
  | { readonly action: 'EXTEND_BAKE'; readonly reason: string; readonly seconds: number }
  | { readonly action: 'DISMISS_SLI_RISK'; readonly reason: string; readonly sli: string };

export type DecisionCode =
  | 'BAD_USER_INPUT'
  | 'NO_ADVISED_ROLLBACK'
  | 'ROLLBACK_ALREADY_REQUESTED'
  | 'VERDICT_UNCHANGED'
  | 'VERIFICATION_NOT_RUNNING';

export interface AllowedDecision {
  readonly ok: true;
  readonly reason: string;
  /** The state after the decision (the current one when it changes none). */
  readonly stateAfter: VerificationState;
  /** A person's verdict, whose consequences apply now (MARK_*). */
  readonly verdict: 'HEALTHY' | 'FAILED' | null;
  /** EXTEND_BAKE: the verification's timing after the extension. */
  readonly timing: VerificationTiming | null;
}

export interface RefusedDecision {
  readonly ok: false;
  readonly code: DecisionCode;
  readonly message: string;
  readonly field?: string;
}

const refuse = (code: DecisionCode, message: string, field?: string): RefusedDecision => ({
  ok: false,
  code,
  message,
  ...(field ? { field } : {}),
});

export function allowedDecision(
  v: DecisionSubject,
  req: DecisionRequest,
): AllowedDecision | RefusedDecision {
  const reason = req.reason.trim();
  if (reason === '')
    return refuse('BAD_USER_INPUT', 'give a reason: it is kept in the audit', 'reason');
  if (reason.length > MAX_DECISION_REASON)
    return refuse('BAD_USER_INPUT', `reason: at most ${MAX_DECISION_REASON} characters`, 'reason');
  const unchanged = { ok: true, reason, stateAfter: v.state, verdict: null, timing: null } as const;
  switch (req.action) {
    case 'APPROVE_ROLLBACK':
      if (v.rollbackRequested)
        return refuse(
          'ROLLBACK_ALREADY_REQUESTED',
          'a rollback of this release was already requested',
        );
      if (v.kind !== 'RELEASE' || v.state !== 'FAILED' || v.mode !== 'ADVISE')
        return refuse(
          'NO_ADVISED_ROLLBACK',
          `no advised rollback is pending: this is a ${v.kind} in state ${v.state} under a ${v.mode} policy (only a FAILED release of an ADVISE policy waits for an approval)`,
        );
      return unchanged;
    case 'MARK_HEALTHY':
    case 'MARK_FAILED': {
      const verdict = req.action === 'MARK_HEALTHY' ? 'HEALTHY' : 'FAILED';
      if (!v.ticking && v.state === verdict)
        return refuse('VERDICT_UNCHANGED', `the verification already ended ${verdict}`);
      return { ok: true, reason, stateAfter: verdict, verdict, timing: null };
    }
    case 'EXTEND_BAKE': {
      const s = req.seconds;
      if (!Number.isInteger(s) || s < MIN_EXTEND_SECONDS || s > MAX_EXTEND_SECONDS)
        return refuse(
          'BAD_USER_INPUT',
          `seconds: a whole number from ${MIN_EXTEND_SECONDS} to ${MAX_EXTEND_SECONDS}`,
          'seconds',
        );
      if (!v.ticking)
        return refuse(
          'VERIFICATION_NOT_RUNNING',
          `the verification ended (${v.state}): only a running one can bake longer`,
        );
      const max = v.timing.maxVerificationSeconds + s;
      if (max > MAX_VERIFICATION_SECONDS)
        return refuse(
          'BAD_USER_INPUT',
          `the verification would run ${max}s, over the limit of ${MAX_VERIFICATION_SECONDS}s (a day)`,
          'seconds',
        );
      return {
        ...unchanged,
        timing: {
          ...v.timing,
          bakeSeconds: v.timing.bakeSeconds + s,
          maxVerificationSeconds: max,
        },
      };
    }
    case 'DISMISS_SLI_RISK':
      if (!v.signals.includes(req.sli))
        return refuse(
          'BAD_USER_INPUT',
          `sli: not a signal of this verification (${v.signals.join(', ') || 'none'})`,
          'sli',
        );
      return unchanged;
  }
}
