import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import { RequireScope } from '../../auth/auth.decorators.js';
import type { AuthenticatedRequest } from '../../auth/auth.guard.js';
import { actorOf } from '../../auth/principal.js';
import { ReleaseVerificationModel } from '../models/release-verification.model.js';
import { VerificationReadService } from '../verification-read.service.js';
import type { DecisionRequest } from './verification-decision.rule.js';
import {
  DecideVerificationArgs,
  DismissSliRiskArgs,
  ExtendBakeArgs,
  HumanVerdictEnum,
  VerificationDecisionArgs,
} from './verification-decision.model.js';
import { VerificationDecisionsService } from './verification-decisions.service.js';

type Ctx = { req: AuthenticatedRequest };

/**
 * People's decisions on verifications (scope `triage` or `admin`): each answers the verification
 * after it, its `decisions` ending with the new audit entry.
 */
@Resolver(() => ReleaseVerificationModel)
export class VerificationDecisionsResolver {
  constructor(
    private readonly decisions: VerificationDecisionsService,
    private readonly reads: VerificationReadService,
  ) {}

  private async decide(id: string, req: DecisionRequest, ctx: Ctx) {
    await this.decisions.decide(id, req, actorOf(ctx.req.principal));
    return (await this.reads.byId(id))!;
  }

  @Mutation(() => ReleaseVerificationModel, {
    description:
      'Approves the rollback an ADVISE policy advised for a FAILED release: sent through the outbox once, the deployment marked ROLLED_BACK. A second approval is refused (ROLLBACK_ALREADY_REQUESTED)',
  })
  @RequireScope('triage')
  approveRollback(@Args() a: VerificationDecisionArgs, @Context() ctx: Ctx) {
    return this.decide(a.verificationId, { action: 'APPROVE_ROLLBACK', reason: a.reason }, ctx);
  }

  @Mutation(() => ReleaseVerificationModel, {
    description:
      'A person’s verdict: aborts a running verification, or overrides an ended one, as HEALTHY or FAILED; the verdict’s consequences follow its policy’s mode (a FAILED counts as a change failure, attribution CONFIRMED)',
  })
  @RequireScope('triage')
  decideVerification(@Args() a: DecideVerificationArgs, @Context() ctx: Ctx) {
    const action = a.verdict === HumanVerdictEnum.HEALTHY ? 'MARK_HEALTHY' : 'MARK_FAILED';
    return this.decide(a.verificationId, { action, reason: a.reason }, ctx);
  }

  @Mutation(() => ReleaseVerificationModel, {
    description:
      'Lengthens the bake (and the maximum verification time) of a running verification by 60 to 3600 seconds',
  })
  @RequireScope('triage')
  extendBake(@Args() a: ExtendBakeArgs, @Context() ctx: Ctx) {
    const req = { action: 'EXTEND_BAKE', reason: a.reason, seconds: a.seconds } as const;
    return this.decide(a.verificationId, req, ctx);
  }

  @Mutation(() => ReleaseVerificationModel, {
    description:
      '"Not a risk": records that an SLI or check of the verification is not a risk, with why. Changes no state, verdict or action: it is shown in `decisions`',
  })
  @RequireScope('triage')
  dismissSliRisk(@Args() a: DismissSliRiskArgs, @Context() ctx: Ctx) {
    const req = { action: 'DISMISS_SLI_RISK', reason: a.reason, sli: a.sli } as const;
    return this.decide(a.verificationId, req, ctx);
  }
}
