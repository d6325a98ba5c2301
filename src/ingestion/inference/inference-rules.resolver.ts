import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequireScope } from '../../auth/auth.decorators.js';
import { ServiceRefArgs, SetInferenceRulesInput } from './inference-rules.input.js';
import { InferenceRules } from './inference-rules.model.js';
import { InferenceRulesService } from './inference-rules.service.js';

/** The DORA inference rules of a service (docs/dora.md, "Inferred change failures"). */
@Resolver(() => InferenceRules)
export class InferenceRulesResolver {
  constructor(private readonly rules: InferenceRulesService) {}

  @Query(() => InferenceRules, {
    description: 'The inference rules a service uses (SERVICE_NOT_FOUND when unknown)',
  })
  inferenceRules(@Args() args: ServiceRefArgs): Promise<InferenceRules> {
    return this.rules.get(args.service, args.namespace);
  }

  @Mutation(() => InferenceRules, {
    description:
      'Sets the inference rules of a service and recomputes its production deployments with them',
  })
  @RequireScope('admin')
  setInferenceRules(@Args('input') input: SetInferenceRulesInput): Promise<InferenceRules> {
    return this.rules.set(input);
  }
}
