import { Field, ID, ObjectType } from '@nestjs/graphql';
import {
  ChangesetStatus,
  DeploymentKind,
  DeploymentStatus,
  RemediationTargetKind,
} from './delivery.enums.js';

@ObjectType({
  description: 'A deployment or incident a deployment remediates, by its id in its source',
})
export class RemediationRef {
  @Field(() => RemediationTargetKind)
  kind!: RemediationTargetKind;

  @Field(() => String)
  source!: string;

  @Field(() => String)
  id!: string;
}

@ObjectType({ description: 'A deployment of a service to an environment' })
export class Deployment {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  source!: string;

  @Field(() => String, { description: 'Its id in the source' })
  externalId!: string;

  @Field(() => String, { nullable: true })
  version!: string | null;

  @Field(() => String, { nullable: true })
  previousVersion!: string | null;

  @Field(() => String, { nullable: true })
  commitSha!: string | null;

  @Field(() => String, { nullable: true })
  repository!: string | null;

  @Field(() => [String], { description: 'The commits the events listed' })
  commitShas!: string[];

  @Field(() => DeploymentStatus)
  status!: DeploymentStatus;

  @Field(() => DeploymentKind)
  kind!: DeploymentKind;

  @Field(() => Date, { nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  @Field(() => String, { nullable: true })
  url!: string | null;

  @Field(() => String, { nullable: true })
  traceParent!: string | null;

  @Field(() => ChangesetStatus)
  changesetStatus!: ChangesetStatus;

  @Field(() => String, { nullable: true })
  changesetNote!: string | null;

  @Field(() => ID, {
    nullable: true,
    description: 'The previous deployment of the service to the environment that reached users',
  })
  predecessorId!: string | null;

  @Field(() => Date, { description: 'Occurrence time of the newest event applied' })
  lastEventAt!: Date;

  serviceId!: string;
  environmentId!: string;
  pipelineRunSource!: string | null;
  pipelineRunExternalId!: string | null;
}
