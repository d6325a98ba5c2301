import { Field, ID, ObjectType } from '@nestjs/graphql';
import { IncidentAttribution } from './delivery.enums.js';

@ObjectType({ description: 'A deployment that caused an incident, by its id in its source' })
export class IncidentCause {
  @Field(() => String)
  deploymentSource!: string;

  @Field(() => String)
  deploymentExternalId!: string;

  @Field(() => IncidentAttribution)
  attribution!: IncidentAttribution;

  @Field(() => Boolean, {
    description:
      'Whether Shipwatch knows the deployment: an unresolved cause counts nowhere until the deployment arrives',
  })
  resolved!: boolean;

  /** Set by the resolver when the deployment is known. */
  incidentId!: string;
}

@ObjectType()
export class Incident {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  source!: string;

  @Field(() => String)
  externalId!: string;

  @Field(() => String, { nullable: true })
  title!: string | null;

  @Field(() => String, { nullable: true })
  severity!: string | null;

  @Field(() => String, { nullable: true })
  url!: string | null;

  @Field(() => Date, { nullable: true })
  impactStartedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  detectedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  mitigatedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  resolvedAt!: Date | null;

  @Field(() => Date)
  lastEventAt!: Date;

  environmentId!: string | null;
}
