import { Field, Float, InputType, Int } from '@nestjs/graphql';
import { RunOutcome, RunStatus } from '../../delivery/models/delivery.enums.js';
import { EnvelopeInput } from './envelope.input.js';

@InputType()
export class TestSuiteInput {
  @Field(() => String)
  name!: string;

  @Field(() => Int)
  passed!: number;

  @Field(() => Int)
  failed!: number;

  @Field(() => Int)
  skipped!: number;

  @Field(() => Float, { nullable: true })
  durationSeconds?: number | null;
}

@InputType({ description: 'Test totals of a run, and per suite when known' })
export class TestResultsInput {
  @Field(() => Int)
  passed!: number;

  @Field(() => Int)
  failed!: number;

  @Field(() => Int)
  skipped!: number;

  @Field(() => [TestSuiteInput], { nullable: true })
  suites?: TestSuiteInput[] | null;
}

@InputType({ description: 'A CI pipeline run queued, running or finished' })
export class PipelineRunInput extends EnvelopeInput {
  @Field(() => String, { description: 'Its id in the source' })
  runId!: string;

  @Field(() => Int, { nullable: true, description: 'Default 1; each attempt is its own run' })
  attempt?: number | null;

  @Field(() => String)
  pipelineName!: string;

  @Field(() => String, { nullable: true })
  repository?: string | null;

  @Field(() => String, { nullable: true, description: 'Branch or tag' })
  ref?: string | null;

  @Field(() => String, { nullable: true })
  commitSha?: string | null;

  @Field(() => RunStatus)
  status!: RunStatus;

  @Field(() => RunOutcome, { nullable: true, description: 'Only with FINISHED' })
  outcome?: RunOutcome | null;

  @Field(() => Date, { nullable: true })
  queuedAt?: Date | null;

  @Field(() => Date, { nullable: true })
  startedAt?: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt?: Date | null;

  @Field(() => String, { nullable: true })
  url?: string | null;

  @Field(() => TestResultsInput, { nullable: true })
  tests?: TestResultsInput | null;
}
