import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { RequireScope } from '../../auth/auth.decorators.js';
import { PolicyFilesService } from './policy-files.service.js';
import {
  ApplyVerificationPolicyFilesInput,
  PolicyChangeStatusEnum,
  PolicyFilesPlanModel,
} from './policy-files.models.js';

/** `shipwatch policy diff|apply`: verification policies from YAML files (admin scope). */
@Resolver(() => PolicyFilesPlanModel)
@RequireScope('admin')
export class PolicyFilesResolver {
  constructor(private readonly files: PolicyFilesService) {}

  @Mutation(() => PolicyFilesPlanModel, {
    description:
      'Verification policies from YAML files: all read first (INVALID_POLICY_FILE, nothing saved), every changed one checked as saveVerificationPolicy checks it, then all saved in one transaction; stored policies no file names are kept, or deleted with prune. dryRun: the changes only',
  })
  async applyVerificationPolicyFiles(
    @Args('input') input: ApplyVerificationPolicyFilesInput,
  ): Promise<PolicyFilesPlanModel> {
    const plan = await this.files.apply(input.files, {
      dryRun: input.dryRun === true,
      prune: input.prune === true,
    });
    return {
      ...plan,
      changes: plan.changes.map((c) => ({
        ...c,
        status: c.status as PolicyChangeStatusEnum,
        differences: [...c.differences],
      })),
    };
  }
}
