import { Field, InputType } from '@nestjs/graphql';
import { ChangeInput } from './change.input.js';
import { DeploymentInput } from './deployment.input.js';
import { IncidentInput } from './incident.input.js';
import { PipelineRunInput } from './pipeline-run.input.js';

@InputType({ description: 'Exactly one of the fields (an item with none or several is REJECTED)' })
export class EventInput {
  @Field(() => PipelineRunInput, { nullable: true })
  pipelineRun?: PipelineRunInput | null;

  @Field(() => DeploymentInput, { nullable: true })
  deployment?: DeploymentInput | null;

  @Field(() => ChangeInput, { nullable: true })
  change?: ChangeInput | null;

  @Field(() => IncidentInput, { nullable: true })
  incident?: IncidentInput | null;
}
