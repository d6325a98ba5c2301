import { Args, ID, Query, Resolver } from '@nestjs/graphql';
import { ReleaseVerificationModel } from './models/release-verification.model.js';
import { VerificationCoverageModel } from './models/verification-coverage.model.js';
import { VerificationCoverageService } from './verification-coverage.service.js';
import { VerificationReadService } from './verification-read.service.js';

@Resolver(() => ReleaseVerificationModel)
export class ReleaseVerificationResolver {
  constructor(
    private readonly reads: VerificationReadService,
    private readonly coverage: VerificationCoverageService,
  ) {}

  @Query(() => ReleaseVerificationModel, {
    nullable: true,
    description: "A deployment's verification: verdict, state, policy and every tick's evidence",
  })
  releaseVerification(
    @Args('deploymentId', { type: () => ID }) deploymentId: string,
  ): Promise<ReleaseVerificationModel | null> {
    return this.reads.byDeployment(deploymentId);
  }

  @Query(() => VerificationCoverageModel, {
    nullable: true,
    description:
      'Whether a deployment’s release is verified and, when not, why (null: no such deployment). `shipwatch deployment wait-verdict` reads it so that a release nobody can judge never passes a gate silently',
  })
  verificationCoverage(
    @Args('deploymentId', { type: () => ID }) deploymentId: string,
  ): Promise<VerificationCoverageModel | null> {
    return this.coverage.byDeployment(deploymentId);
  }
}
