import { Field, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';

export enum PolicyChangeStatusEnum {
  ADDED = 'ADDED',
  CHANGED = 'CHANGED',
  UNCHANGED = 'UNCHANGED',
  NOT_IN_FILES = 'NOT_IN_FILES',
  DELETED = 'DELETED',
}
registerEnumType(PolicyChangeStatusEnum, {
  name: 'PolicyChangeStatus',
  description:
    'NOT_IN_FILES: stored, named by no file, kept (no prune); DELETED: stored, named by no file, deleted by prune (with dryRun: would be)',
});

@InputType({
  description: 'A verification policy file (YAML, schemas/verification-policy.schema.json)',
})
export class PolicyFileInput {
  @Field(() => String, { description: 'File name, shown in problems' })
  name!: string;

  @Field(() => String)
  content!: string;
}

@InputType()
export class ApplyVerificationPolicyFilesInput {
  @Field(() => [PolicyFileInput])
  files!: PolicyFileInput[];

  @Field(() => Boolean, { nullable: true, description: 'Show the changes; save nothing' })
  dryRun?: boolean | null;

  @Field(() => Boolean, {
    nullable: true,
    description:
      'Delete the stored policies no file names (PRUNE_WITHOUT_FILES when files is empty)',
  })
  prune?: boolean | null;
}

@ObjectType('PolicyFieldDifference')
export class PolicyFieldDifferenceModel {
  @Field(() => String, { description: 'e.g. timing.bakeSeconds, slis[0].objective' })
  field!: string;

  @Field(() => String, { nullable: true, description: 'JSON; null when absent' })
  before!: string | null;

  @Field(() => String, { nullable: true, description: 'JSON; null when absent' })
  after!: string | null;
}

@ObjectType('PolicyFileChange')
export class PolicyFileChangeModel {
  @Field(() => String, { nullable: true, description: 'null for NOT_IN_FILES' })
  file!: string | null;

  @Field(() => String) service!: string;
  @Field(() => String) namespace!: string;
  @Field(() => String) environment!: string;

  @Field(() => PolicyChangeStatusEnum)
  status!: PolicyChangeStatusEnum;

  @Field(() => [PolicyFieldDifferenceModel])
  differences!: PolicyFieldDifferenceModel[];
}

@ObjectType('PolicyFilesPlan')
export class PolicyFilesPlanModel {
  @Field(() => Boolean)
  dryRun!: boolean;

  @Field(() => Int, { description: 'Policies saved (0 with dryRun)' })
  saved!: number;

  @Field(() => Int, { description: 'Policies deleted by prune (0 with dryRun)' })
  deleted!: number;

  @Field(() => [PolicyFileChangeModel])
  changes!: PolicyFileChangeModel[];
}
