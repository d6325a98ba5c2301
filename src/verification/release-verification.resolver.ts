import { Args, ID, Query, Resolver } from '@nestjs/graphql';
import { ReleaseVerificationModel } from './models/release-verification.model.js';
import { VerificationReadService } from './verification-read.service.js';

@Resolver(() => ReleaseVerificationModel)
export class ReleaseVerificationResolver {
  constructor(private readonly reads: VerificationReadService) {}

  @Query(() => ReleaseVerificationModel, {
    nullable: true,
    description: "A deployment's verification: verdict, state, policy and every tick's evidence",
  })
  releaseVerification(
    @Args('deploymentId', { type: () => ID }) deploymentId: string,
  ): Promise<ReleaseVerificationModel | null> {
    return this.reads.byDeployment(deploymentId);
  }
}
