import { ArgsType, Field, ID, InputType, Int } from '@nestjs/graphql';
import { TriageStatus } from '../models/triage.model.js';

@InputType({ description: 'A triage decision about one incident and one deployment' })
export class ReviewIncidentCauseInput {
  @Field(() => ID, { description: 'The incident (its Shipwatch id)' })
  incidentId!: string;

  @Field(() => ID, { description: 'The deployment (its Shipwatch id)' })
  deploymentId!: string;

  @Field(() => String, { description: 'Why (kept in the audit); 1 to 2000 characters' })
  reason!: string;
}

@ArgsType()
export class IncidentTriageArgs {
  @Field(() => Date, {
    nullable: true,
    description: 'Incidents detected at or after (default: 30 days before `until`)',
  })
  since?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Incidents detected before (default: now)' })
  until?: Date | null;

  @Field(() => [TriageStatus], {
    nullable: true,
    description: 'Default: the links that wait for a person (SUSPECTED, UNRESOLVED)',
  })
  status?: TriageStatus[] | null;

  @Field(() => Int, {
    nullable: true,
    description: '1 to 500 (default 100), newest incidents first',
  })
  first?: number | null;
}
