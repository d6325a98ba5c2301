import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import { RequireScope } from '../../auth/auth.decorators.js';
import type { AuthenticatedRequest } from '../../auth/auth.guard.js';
import { PolicyFilesService } from './policy-files.service.js';
import {
  ApplyVerificationPolicyFilesInput,
  PolicyChangeStatusEnum,
  PolicyFileKindEnum,
  PolicyFilesPlanModel,
} from './policy-files.models.js';

/** `shipwatch policy diff|apply`: verification policies and freeze windows from YAML files (admin scope). */
@Resolver(() => PolicyFilesPlanModel)
@RequireScope('admin')
export class PolicyFilesResolver {
  constructor(private readonly files: PolicyFilesService) {}

  @Mutation(() => PolicyFilesPlanModel, {
    description:
      'Verification policies and freeze windows (kind: FreezeWindow) from YAML files: all read first (INVALID_POLICY_FILE, nothing saved), every changed policy checked as saveVerificationPolicy checks it, then all saved in one transaction (a changed freeze window is replaced: the old one deleted, a new one created); stored policies and windows from files that no file names are kept, or deleted with prune (windows made by people are never touched). dryRun: the changes only',
  })
  async applyVerificationPolicyFiles(
    @Args('input') input: ApplyVerificationPolicyFilesInput,
    @Context() ctx: { req: AuthenticatedRequest },
  ): Promise<PolicyFilesPlanModel> {
    const plan = await this.files.apply(input.files, {
      dryRun: input.dryRun === true,
      prune: input.prune === true,
      principal: ctx.req.principal,
    });
    return {
      ...plan,
      changes: plan.changes.map((c) => ({
        ...c,
        kind: c.kind as PolicyFileKindEnum,
        service: c.service ?? '',
        environment: c.environment ?? '',
        status: c.status as PolicyChangeStatusEnum,
        differences: [...c.differences],
      })),
    };
  }
}
