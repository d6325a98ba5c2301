import { Field, Float, ID, Int, ObjectType } from '@nestjs/graphql';
import { RunOutcome, RunStatus } from './delivery.enums.js';

@ObjectType()
export class TestSuiteResult {
  @Field(() => String)
  name!: string;

  @Field(() => Int)
  passed!: number;

  @Field(() => Int)
  failed!: number;

  @Field(() => Int)
  skipped!: number;

  @Field(() => Float, { nullable: true })
  durationSeconds!: number | null;
}

@ObjectType()
export class TestResults {
  @Field(() => Int)
  passed!: number;

  @Field(() => Int)
  failed!: number;

  @Field(() => Int)
  skipped!: number;

  @Field(() => [TestSuiteResult])
  suites!: TestSuiteResult[];
}

@ObjectType({ description: 'One attempt of a CI pipeline run' })
export class PipelineRun {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  source!: string;

  @Field(() => String)
  runId!: string;

  @Field(() => Int)
  attempt!: number;

  @Field(() => String)
  pipelineName!: string;

  @Field(() => String, { nullable: true })
  repository!: string | null;

  @Field(() => String, { nullable: true })
  ref!: string | null;

  @Field(() => String, { nullable: true })
  commitSha!: string | null;

  @Field(() => RunStatus)
  status!: RunStatus;

  @Field(() => RunOutcome, { nullable: true })
  outcome!: RunOutcome | null;

  @Field(() => Date, { nullable: true })
  queuedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  @Field(() => String, { nullable: true })
  url!: string | null;

  @Field(() => TestResults, { nullable: true })
  tests!: TestResults | null;

  @Field(() => Date, { description: 'Occurrence time of the newest event applied' })
  lastEventAt!: Date;
}
