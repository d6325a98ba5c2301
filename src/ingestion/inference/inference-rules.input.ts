import { ArgsType, Field, InputType } from '@nestjs/graphql';

@ArgsType()
export class ServiceRefArgs {
  @Field(() => String, { description: 'Service name (service.name)' })
  service!: string;

  @Field(() => String, { nullable: true, description: 'service.namespace; default none' })
  namespace?: string | null;
}

@InputType({
  description:
    'The inference rules of one service; a field left out or null takes the default (docs/dora.md)',
})
export class SetInferenceRulesInput {
  @Field(() => String)
  service!: string;

  @Field(() => String, { nullable: true })
  namespace?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Default true' })
  rollbackByRedeploy?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Default true' })
  reverts?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Default true' })
  hotfixes?: boolean | null;

  @Field(() => [String], { nullable: true, description: 'Default ["hotfix"]' })
  hotfixLabels?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Default ["hotfix/", "hotfix-"]' })
  hotfixBranchPrefixes?: string[] | null;

  @Field(() => [String], {
    nullable: true,
    description: 'Case-insensitive substrings of the title; default ["[hotfix]", "hotfix:"]',
  })
  hotfixTitlePatterns?: string[] | null;
}
