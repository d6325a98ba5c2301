import { ArgsType, Field, Int } from '@nestjs/graphql';
import {
  DeploymentKind,
  DeploymentStatus,
  EnvironmentTier,
  RunOutcome,
  RunStatus,
} from '../models/delivery.enums.js';

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: 'Page size, 1 to 100 (default 20)' })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'pageInfo.endCursor of the previous page' })
  after?: string | null;
}

@ArgsType()
export class ServicesArgs extends PageArgs {
  @Field(() => String, { nullable: true })
  team?: string | null;

  @Field(() => String, { nullable: true })
  namespace?: string | null;
}

@ArgsType()
export class DeploymentsArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Service name' })
  service?: string | null;

  @Field(() => String, { nullable: true })
  namespace?: string | null;

  @Field(() => String, { nullable: true, description: 'Environment name' })
  environment?: string | null;

  @Field(() => EnvironmentTier, { nullable: true })
  environmentTier?: EnvironmentTier | null;

  @Field(() => [DeploymentStatus], { nullable: true })
  status?: DeploymentStatus[] | null;

  @Field(() => [DeploymentKind], { nullable: true })
  kind?: DeploymentKind[] | null;

  @Field(() => Date, { nullable: true, description: 'Finished (else started) at or after' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Finished (else started) before' })
  to?: Date | null;
}

@ArgsType()
export class PipelineRunsArgs extends PageArgs {
  @Field(() => String, { nullable: true })
  source?: string | null;

  @Field(() => String, { nullable: true })
  repository?: string | null;

  @Field(() => String, { nullable: true })
  pipelineName?: string | null;

  @Field(() => String, { nullable: true })
  commitSha?: string | null;

  @Field(() => RunStatus, { nullable: true })
  status?: RunStatus | null;

  @Field(() => RunOutcome, { nullable: true })
  outcome?: RunOutcome | null;

  @Field(() => Date, { nullable: true, description: 'Finished (else started) at or after' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Finished (else started) before' })
  to?: Date | null;
}

@ArgsType()
export class IncidentsArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Service name' })
  service?: string | null;

  @Field(() => String, { nullable: true })
  namespace?: string | null;

  @Field(() => String, { nullable: true, description: 'Environment name' })
  environment?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'true: unresolved only; false: resolved only',
  })
  open?: boolean | null;

  @Field(() => Date, { nullable: true, description: 'Impact started (else detected) at or after' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Impact started (else detected) before' })
  to?: Date | null;
}
