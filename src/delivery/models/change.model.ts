import { Field, Float, ID, ObjectType } from '@nestjs/graphql';
import { LeadTimeExclusion } from './delivery.enums.js';

@ObjectType({ description: 'A commit' })
export class Change {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  repository!: string;

  @Field(() => String)
  sha!: string;

  @Field(() => String, { nullable: true })
  parentSha!: string | null;

  @Field(() => String, { nullable: true })
  message!: string | null;

  @Field(() => Date, { nullable: true })
  authoredAt!: Date | null;

  @Field(() => Date, { nullable: true })
  committedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  pushedAt!: Date | null;

  @Field(() => String, { nullable: true })
  pullRequestId!: string | null;

  @Field(() => Date, { nullable: true })
  prFirstCommitAt!: Date | null;

  @Field(() => Date, { nullable: true })
  prMergedAt!: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: 'When its pull (merge) request was opened, on the commit that landed it',
  })
  prCreatedAt!: Date | null;

  @Field(() => [String], {
    nullable: true,
    description: 'The files it added, modified or removed (sorted); null when no producer said',
  })
  paths!: string[] | null;
}

@ObjectType({ description: 'A change a deployment carried, with its lead time or why it has none' })
export class DeploymentChange {
  @Field(() => Change)
  change!: Change;

  @Field(() => Float, {
    nullable: true,
    description:
      'Seconds from the change’s start (PR first commit, else the earlier of PR opening and commit time) to the deployment’s finish',
  })
  leadTimeSeconds!: number | null;

  @Field(() => LeadTimeExclusion, { nullable: true })
  excludedReason!: LeadTimeExclusion | null;
}
