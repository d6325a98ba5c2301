import { Field, ID, ObjectType } from '@nestjs/graphql';
import {
  Attribution,
  ChangesetStatus,
  InferenceRule,
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

  @Field(() => Attribution, { description: 'EXPLICIT (named by an event) or INFERRED' })
  attribution!: Attribution;

  @Field(() => InferenceRule, { nullable: true, description: 'The rule, when INFERRED' })
  rule!: InferenceRule | null;
}

@ObjectType({ description: 'What the inference rules concluded about an unlabelled deployment' })
export class DeploymentInference {
  @Field(() => InferenceRule)
  rule!: InferenceRule;

  @Field(() => DeploymentKind)
  kind!: DeploymentKind;

  @Field(() => Attribution)
  attribution!: Attribution;

  @Field(() => String, { description: 'The evidence, in words' })
  reason!: string;
}

@ObjectType({
  description:
    'One target (wave) of a multi-target release: the deployment of the same service, environment and version there',
})
export class ReleaseTarget {
  @Field(() => ID)
  deploymentId!: string;

  @Field(() => String)
  target!: string;

  @Field(() => DeploymentStatus)
  status!: DeploymentStatus;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  @Field(() => String, {
    nullable: true,
    description:
      'The state of its latest verification (RUNNING, HEALTHY, FAILED, UNVERIFIED, ...); null when none ran',
  })
  verification!: string | null;

  @Field(() => Boolean, {
    description:
      'The release is counted in DORA on this deployment: the first target to reach users (its finish is the release’s)',
  })
  countsInDora!: boolean;
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

  @Field(() => String, {
    nullable: true,
    description:
      'The region or cluster of a multi-target release (null: the whole environment); see releaseTargets',
  })
  target!: string | null;

  @Field(() => String, { nullable: true })
  commitSha!: string | null;

  @Field(() => String, { nullable: true })
  repository!: string | null;

  @Field(() => [String], { description: 'The commits the events listed' })
  commitShas!: string[];

  @Field(() => DeploymentStatus)
  status!: DeploymentStatus;

  @Field(() => DeploymentKind, { description: 'As the events labelled it' })
  kind!: DeploymentKind;

  @Field(() => DeploymentKind, {
    description: 'The kind DORA counts: the labelled kind, else the inferred one, else PLANNED',
  })
  effectiveKind!: DeploymentKind;

  @Field(() => DeploymentInference, {
    nullable: true,
    description: 'What the inference rules concluded (never when the events labelled it)',
  })
  inference!: DeploymentInference | null;

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
