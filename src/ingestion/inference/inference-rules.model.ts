import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType({ description: 'The inference rules a service uses (its own, else the defaults)' })
export class InferenceRules {
  @Field(() => String)
  service!: string;

  @Field(() => String)
  namespace!: string;

  @Field(() => Boolean, { description: 'false: the defaults (the service set none)' })
  custom!: boolean;

  @Field(() => Boolean)
  rollbackByRedeploy!: boolean;

  @Field(() => Boolean)
  reverts!: boolean;

  @Field(() => Boolean)
  hotfixes!: boolean;

  @Field(() => [String])
  hotfixLabels!: string[];

  @Field(() => [String])
  hotfixBranchPrefixes!: string[];

  @Field(() => [String])
  hotfixTitlePatterns!: string[];
}
