import { Field, InputType } from '@nestjs/graphql';
import { RemediationTargetKind } from '../../delivery/models/delivery.enums.js';

@InputType({ description: 'A commit' })
export class CommitInput {
  @Field(() => String, { description: 'Hexadecimal SHA (7 to 64 characters)' })
  sha!: string;

  @Field(() => String, { nullable: true, description: 'Default: the event repository' })
  repository?: string | null;

  @Field(() => String, { nullable: true })
  message?: string | null;

  @Field(() => Date, { nullable: true })
  authoredAt?: Date | null;

  @Field(() => Date, { nullable: true })
  committedAt?: Date | null;

  @Field(() => [String], {
    nullable: true,
    description:
      'The files the commit added, modified or removed, relative to the repository root; services that declare path globs in this repository count only the commits touching them (docs/dora.md)',
  })
  paths?: string[] | null;

  @Field(() => String, {
    nullable: true,
    description: 'Who wrote it (a login or a name): alerts on the release name it',
  })
  author?: string | null;
}

@InputType({ description: 'Another event source’s entity, by its id there' })
export class ExternalRefInput {
  @Field(() => String, { nullable: true, description: 'Default: the source of this event' })
  source?: string | null;

  @Field(() => String)
  id!: string;
}

@InputType({ description: 'A deployment or incident that a deployment remediates' })
export class RemediationRefInput extends ExternalRefInput {
  @Field(() => RemediationTargetKind)
  kind!: RemediationTargetKind;
}

@InputType({
  description: 'A service as its workload reports OpenTelemetry service.name/namespace',
})
export class ServiceRefInput {
  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  namespace?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Owning team: only a default for a service that has no team yet',
  })
  team?: string | null;
}
