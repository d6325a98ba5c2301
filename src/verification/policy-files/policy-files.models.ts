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

export enum PolicyFileKindEnum {
  VERIFICATION_POLICY = 'VERIFICATION_POLICY',
  FREEZE_WINDOW = 'FREEZE_WINDOW',
}
registerEnumType(PolicyFileKindEnum, {
  name: 'PolicyFileKind',
  description:
    'VERIFICATION_POLICY: a file without kind; FREEZE_WINDOW: a file with kind: FreezeWindow',
});

@InputType({
  description:
    'A policy file (YAML): a verification policy (schemas/verification-policy.schema.json) or, with kind: FreezeWindow, a freeze window (schemas/freeze-window.schema.json)',
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
  @Field(() => String, { nullable: true, description: 'null for NOT_IN_FILES and DELETED' })
  file!: string | null;

  @Field(() => PolicyFileKindEnum)
  kind!: PolicyFileKindEnum;

  @Field(() => String, {
    description:
      'A policy: `[<namespace>/]<service> in <environment>`; a freeze window: its name (unique among the windows from files)',
  })
  name!: string;

  @Field(() => String, { description: "'' for a freeze window over an environment or everything" })
  service!: string;

  @Field(() => String) namespace!: string;

  @Field(() => String, {
    description: "'' for a freeze window over a service in every environment, or everything",
  })
  environment!: string;

  @Field(() => PolicyChangeStatusEnum)
  status!: PolicyChangeStatusEnum;

  @Field(() => [PolicyFieldDifferenceModel])
  differences!: PolicyFieldDifferenceModel[];
}

@ObjectType('PolicyFilesPlan')
export class PolicyFilesPlanModel {
  @Field(() => Boolean)
  dryRun!: boolean;

  @Field(() => Int, {
    description:
      'Policies saved and freeze windows created (a changed one is replaced); 0 with dryRun',
  })
  saved!: number;

  @Field(() => Int, {
    description: 'Policies and freeze windows from files deleted by prune (0 with dryRun)',
  })
  deleted!: number;

  @Field(() => [PolicyFileChangeModel])
  changes!: PolicyFileChangeModel[];
}
