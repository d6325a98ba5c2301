import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequireScope } from '../auth/auth.decorators.js';
import { BacktestService } from './backtest.service.js';
import { BacktestPolicyInput } from './dto/backtest-policy.input.js';
import { SaveVerificationPolicyInput } from './dto/save-verification-policy.input.js';
import { BacktestResultModel } from './models/backtest.model.js';
import { VerificationPolicyModel } from './models/verification-policy.model.js';
import { policyModel } from './verification-read.service.js';
import { VerificationPolicyService } from './verification-policy.service.js';

/** Policy administration and backtests (admin scope: they hold rollback targets and run PromQL). */
@Resolver(() => VerificationPolicyModel)
@RequireScope('admin')
export class VerificationPolicyResolver {
  constructor(
    private readonly policies: VerificationPolicyService,
    private readonly backtests: BacktestService,
  ) {}

  @Query(() => [VerificationPolicyModel], { description: 'Saved verification policies' })
  async verificationPolicies(
    @Args('service', { type: () => String, nullable: true }) service?: string | null,
    @Args('environment', { type: () => String, nullable: true }) environment?: string | null,
  ): Promise<VerificationPolicyModel[]> {
    return (await this.policies.list({ service, environment })).map(policyModel);
  }

  @Mutation(() => VerificationPolicyModel, {
    description:
      'Creates or replaces the policy of a service and environment; every query is checked against Prometheus (INVALID_POLICY, PROMETHEUS_UNAVAILABLE)',
  })
  async saveVerificationPolicy(
    @Args('input') input: SaveVerificationPolicyInput,
  ): Promise<VerificationPolicyModel> {
    return policyModel(await this.policies.save(input));
  }

  @Mutation(() => Boolean)
  deleteVerificationPolicy(@Args('id', { type: () => ID }) id: string): Promise<boolean> {
    return this.policies.delete(id);
  }

  @Query(() => BacktestResultModel)
  backtestPolicy(@Args('input') input: BacktestPolicyInput): Promise<BacktestResultModel> {
    return this.backtests.backtest(input);
  }
}
