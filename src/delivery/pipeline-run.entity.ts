import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { RunOutcome, RunStatus } from '../ingestion/domain-events.js';
import type { TestSuiteState } from '../ingestion/pipeline-run.state.js';

/** One attempt of a CI pipeline run; a state machine keyed by (source, run_id, attempt). */
@Entity({ name: 'pipeline_runs' })
@Index('uq_pipeline_runs_natural', ['source', 'runId', 'attempt'], { unique: true })
export class PipelineRunEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'text' })
  source!: string;

  @Column({ name: 'run_id', type: 'text' })
  runId!: string;

  @Column({ type: 'integer', default: 1 })
  attempt!: number;

  @Column({ name: 'pipeline_name', type: 'text' })
  pipelineName!: string;

  @Column({ type: 'text', nullable: true })
  repository!: string | null;

  @Column({ type: 'text', nullable: true })
  ref!: string | null;

  @Column({ name: 'commit_sha', type: 'text', nullable: true })
  commitSha!: string | null;

  @Column({ type: 'text' })
  status!: RunStatus;

  @Column({ type: 'text', nullable: true })
  outcome!: RunOutcome | null;

  @Column({ name: 'queued_at', type: 'timestamptz', nullable: true })
  queuedAt!: Date | null;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  url!: string | null;

  @Column({ name: 'tests_passed', type: 'integer', nullable: true })
  testsPassed!: number | null;

  @Column({ name: 'tests_failed', type: 'integer', nullable: true })
  testsFailed!: number | null;

  @Column({ name: 'tests_skipped', type: 'integer', nullable: true })
  testsSkipped!: number | null;

  @Column({ name: 'test_suites', type: 'jsonb', default: () => "'[]'::jsonb" })
  testSuites!: TestSuiteState[];

  /** The CDEvents chain (`context.chainId`) whose test results are the run's totals. */
  @Column({ name: 'chain_id', type: 'text', nullable: true })
  chainId!: string | null;

  /** The totals are its chain's, not ones sent with the run (which come first). */
  @Column({ name: 'tests_from_chain', type: 'boolean', default: false })
  testsFromChain!: boolean;

  /** Occurrence time of the newest event that reported the current status. */
  @Column({ name: 'status_at', type: 'timestamptz' })
  statusAt!: Date;

  @Column({ name: 'last_event_at', type: 'timestamptz' })
  lastEventAt!: Date;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
