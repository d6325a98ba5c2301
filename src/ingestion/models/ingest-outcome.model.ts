import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';

export enum IngestResult {
  ACCEPTED = 'ACCEPTED',
  DUPLICATE = 'DUPLICATE',
  REJECTED = 'REJECTED',
}
registerEnumType(IngestResult, {
  name: 'IngestResult',
  description:
    'ACCEPTED: stored and applied; DUPLICATE: an event with this source and eventId was stored before (nothing changed); REJECTED: invalid, nothing stored (see errors)',
});

@ObjectType({ description: 'One problem with an event' })
export class FieldError {
  @Field(() => String, { description: 'Input path, e.g. `commits[2].sha`' })
  field!: string;

  @Field(() => String)
  message!: string;
}

@ObjectType({ description: 'What happened to one event' })
export class IngestOutcome {
  @Field(() => Int, {
    nullable: true,
    description: 'Position in ingestEvents; null for single mutations',
  })
  index?: number | null;

  @Field(() => IngestResult)
  result!: IngestResult;

  @Field(() => ID, { nullable: true, description: 'The stored raw event (ACCEPTED only)' })
  rawEventId?: string | null;

  @Field(() => ID, {
    nullable: true,
    description:
      'The deployment, pipeline run or incident the event created or updated; for a DUPLICATE, the one it names (by its source and id), when it exists',
  })
  entityId?: string | null;

  @Field(() => [FieldError])
  errors!: FieldError[];

  @Field(() => String, { nullable: true })
  note?: string | null;

  @Field(() => [String], {
    nullable: true,
    description:
      'DUPLICATE only, when the stored event differs: its top-level fields whose values differ (an identical retry has none; one whose times were filled from the clock differs in those)',
  })
  differingFields?: string[] | null;
}
