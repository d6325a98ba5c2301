import type {
  VerificationDecisionActionEnum,
  VerificationDecisionModel,
  VerificationStateEnum,
} from '../models/release-verification.model.js';
import type { DecisionRow } from './verification-decisions.repository.js';

export const toDecision = (r: DecisionRow): VerificationDecisionModel => ({
  id: String(r.id),
  action: r.action as VerificationDecisionActionEnum,
  stateBefore: r.state_before as VerificationStateEnum,
  stateAfter: r.state_after as VerificationStateEnum,
  sli: r.sli,
  seconds: r.seconds,
  reason: r.reason,
  actor: r.actor,
  actorName: r.actor_name,
  decidedAt: new Date(r.decided_at),
});
