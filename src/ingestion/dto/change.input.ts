import { Field, InputType } from '@nestjs/graphql';
import { EnvelopeInput } from './envelope.input.js';
import { CommitInput } from './refs.input.js';

@InputType()
export class PullRequestInput {
  @Field(() => String)
  id!: string;

  @Field(() => Date, { nullable: true, description: 'Default: the earliest commit time given' })
  firstCommitAt?: Date | null;

  @Field(() => Date, { nullable: true })
  mergedAt?: Date | null;

  @Field(() => String, { nullable: true })
  mergeCommitSha?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Its title: `Revert "…"` and the hotfix title patterns are recognised',
  })
  title?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Its description: `Reverts owner/repo#N` / `This reverts merge request !N`',
  })
  body?: string | null;

  @Field(() => String, { nullable: true, description: 'Its source branch, e.g. hotfix/login' })
  headBranch?: string | null;

  @Field(() => [String], { nullable: true, description: 'Its labels' })
  labels?: string[] | null;

  @Field(() => String, {
    nullable: true,
    description: 'Who opened it (a login): alerts on the release name it',
  })
  author?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Its page (http or https): alerts on the release link it',
  })
  url?: string | null;
}

@InputType({ description: 'Commits pushed (oldest first) or a pull request merged' })
export class ChangeInput extends EnvelopeInput {
  @Field(() => String, { description: 'e.g. acme/shop' })
  repository!: string;

  @Field(() => [CommitInput], {
    nullable: true,
    description:
      'Oldest first: each commit’s parent is the one before it (the first’s is `before`)',
  })
  commits?: CommitInput[] | null;

  @Field(() => String, { nullable: true, description: 'The commit the branch pointed at before' })
  before?: string | null;

  @Field(() => Date, { nullable: true, description: 'Default: occurredAt' })
  pushedAt?: Date | null;

  @Field(() => PullRequestInput, { nullable: true })
  pullRequest?: PullRequestInput | null;
}
