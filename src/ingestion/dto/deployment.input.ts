import { Field, InputType } from '@nestjs/graphql';
import {
  DeploymentKind,
  DeploymentStatus,
  EnvironmentTier,
} from '../../delivery/models/delivery.enums.js';
import { EnvelopeInput } from './envelope.input.js';
import { CommitInput, RemediationRefInput } from './refs.input.js';

@InputType({ description: 'A deployment started, progressed or finished' })
export class DeploymentInput extends EnvelopeInput {
  @Field(() => String, { description: 'Its id in the source (GitHub deployment id, your own)' })
  deploymentId!: string;

  @Field(() => String, { description: 'OpenTelemetry service.name of the workload' })
  service!: string;

  @Field(() => String, { nullable: true, description: 'OpenTelemetry service.namespace' })
  namespace?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Owning team: only a default for a service that has no team yet (the catalog decides ownership)',
  })
  team?: string | null;

  @Field(() => String)
  environment!: string;

  @Field(() => EnvironmentTier, { nullable: true, description: 'Default: inferred from the name' })
  environmentTier?: EnvironmentTier | null;

  @Field(() => String, {
    nullable: true,
    description:
      'The region or cluster this wave of a multi-target release went to (e.g. eu-west-1): verified on its own series, gated on the earlier waves, counted once in DORA. Up to 63 letters, digits and . _ - / :, starting with a letter or digit. Fixed once set',
  })
  target?: string | null;

  @Field(() => String, { nullable: true, description: 'Equals the workload’s service.version' })
  version?: string | null;

  @Field(() => String, { nullable: true })
  previousVersion?: string | null;

  @Field(() => String, { nullable: true, description: 'The commit deployed' })
  commitSha?: string | null;

  @Field(() => String, { nullable: true, description: 'e.g. acme/shop; default: the service’s' })
  repository?: string | null;

  @Field(() => [CommitInput], {
    nullable: true,
    description: 'The commits this deployment carries, when known (else taken from pushes)',
  })
  commits?: CommitInput[] | null;

  @Field(() => DeploymentStatus)
  status!: DeploymentStatus;

  @Field(() => DeploymentKind, { nullable: true, description: 'Default PLANNED' })
  kind?: DeploymentKind | null;

  @Field(() => [RemediationRefInput], { nullable: true })
  remediates?: RemediationRefInput[] | null;

  @Field(() => Date, { nullable: true })
  startedAt?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Default for a finished status: occurredAt' })
  finishedAt?: Date | null;

  @Field(() => String, { nullable: true })
  url?: string | null;

  @Field(() => String, { nullable: true, description: 'The pipeline run that deployed it' })
  pipelineRunId?: string | null;

  @Field(() => String, { nullable: true, description: 'Source of pipelineRunId; default: source' })
  pipelineRunSource?: string | null;
}
