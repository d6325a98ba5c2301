import { Field, ID, InputType, Int } from '@nestjs/graphql';
import { PolicySpecInput } from './save-verification-policy.input.js';

@InputType({
  description:
    'Replays a policy over past deployments of a service with Prometheus history: would it have rolled them back, and when?',
})
export class BacktestPolicyInput {
  @Field(() => String)
  service!: string;

  @Field(() => String, { nullable: true })
  namespace?: string | null;

  @Field(() => String)
  environment!: string;

  @Field(() => PolicySpecInput, {
    nullable: true,
    description:
      'The policy to try; default: the saved policy of the service, else the default policy',
  })
  policy?: PolicySpecInput | null;

  @Field(() => [ID], {
    nullable: true,
    description: 'These deployments; else those between from and to',
  })
  deploymentIds?: string[] | null;

  @Field(() => Date, { nullable: true })
  from?: Date | null;

  @Field(() => Date, { nullable: true })
  to?: Date | null;

  @Field(() => Int, { nullable: true, description: 'Most recent first, at most 50 (default 20)' })
  limit?: number | null;
}
