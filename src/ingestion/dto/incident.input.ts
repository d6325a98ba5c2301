import { Field, InputType } from '@nestjs/graphql';
import { EnvironmentTier } from '../../delivery/models/delivery.enums.js';
import { EnvelopeInput } from './envelope.input.js';
import { ExternalRefInput, ServiceRefInput } from './refs.input.js';

@InputType({ description: 'An incident opened, updated, mitigated or resolved' })
export class IncidentInput extends EnvelopeInput {
  @Field(() => String, { description: 'Its id in the source' })
  incidentId!: string;

  @Field(() => [ServiceRefInput], { nullable: true })
  services?: ServiceRefInput[] | null;

  @Field(() => String, { nullable: true })
  environment?: string | null;

  @Field(() => EnvironmentTier, { nullable: true })
  environmentTier?: EnvironmentTier | null;

  @Field(() => String, { nullable: true })
  title?: string | null;

  @Field(() => String, { nullable: true })
  severity?: string | null;

  @Field(() => String, { nullable: true })
  url?: string | null;

  @Field(() => Date, { nullable: true })
  impactStartedAt?: Date | null;

  @Field(() => Date, { nullable: true })
  detectedAt?: Date | null;

  @Field(() => Date, { nullable: true })
  mitigatedAt?: Date | null;

  @Field(() => Date, { nullable: true })
  resolvedAt?: Date | null;

  @Field(() => [ExternalRefInput], {
    nullable: true,
    description: 'Deployments that caused it (deployment ids in their source)',
  })
  causedBy?: ExternalRefInput[] | null;
}
