import { Field, InputType } from '@nestjs/graphql';

/** Identity and timing every event input carries; `(source, eventId)` is the dedupe key. */
@InputType({ isAbstract: true })
export abstract class EnvelopeInput {
  @Field(() => String, {
    description: 'The producer, e.g. `github-actions`, `https://jenkins.example.com`, `deploy.sh`',
  })
  source!: string;

  @Field(() => String, {
    description: 'Unique per event within the source; sending it again is answered DUPLICATE',
  })
  eventId!: string;

  @Field(() => Date, {
    nullable: true,
    description: 'When it happened (default: when Shipwatch received it)',
  })
  occurredAt?: Date | null;

  @Field(() => String, {
    nullable: true,
    description: 'W3C traceparent of the CI run, so that Shipwatch continues its trace',
  })
  traceparent?: string | null;
}
