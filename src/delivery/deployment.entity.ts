import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { DeploymentKind, DeploymentStatus } from '../ingestion/domain-events.js';
import type { ChangesetStatus } from '../ingestion/changeset.calculator.js';

/**
 * A deployment of a service to an environment; a state machine keyed by (source, external_id).
 * The pipeline run behind it is referenced by its natural key (events arrive in any order).
 */
@Entity({ name: 'deployments' })
@Index('uq_deployments_natural', ['source', 'externalId'], { unique: true })
export class DeploymentEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'text' })
  source!: string;

  @Column({ name: 'external_id', type: 'text' })
  externalId!: string;

  @Column({ name: 'service_id', type: 'bigint' })
  serviceId!: string;

  @Column({ name: 'environment_id', type: 'bigint' })
  environmentId!: string;

  @Column({ type: 'text', nullable: true })
  version!: string | null;

  @Column({ name: 'previous_version', type: 'text', nullable: true })
  previousVersion!: string | null;

  /** The region or cluster of a multi-target release (null: the whole environment). */
  @Column({ type: 'text', nullable: true })
  target!: string | null;

  @Column({ name: 'commit_sha', type: 'text', nullable: true })
  commitSha!: string | null;

  @Column({ type: 'text', nullable: true })
  repository!: string | null;

  /** The commits the events listed (sorted, unique). */
  @Column({ name: 'commit_shas', type: 'text', array: true, default: () => "'{}'" })
  commitShas!: string[];

  @Column({ type: 'text' })
  status!: DeploymentStatus;

  @Column({ type: 'text', default: 'PLANNED' })
  kind!: DeploymentKind;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  /** For a finished status without an explicit finish: the occurrence time of that event. */
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  url!: string | null;

  @Column({ name: 'pipeline_run_source', type: 'text', nullable: true })
  pipelineRunSource!: string | null;

  @Column({ name: 'pipeline_run_external_id', type: 'text', nullable: true })
  pipelineRunExternalId!: string | null;

  @Column({ name: 'trace_parent', type: 'text', nullable: true })
  traceParent!: string | null;

  @Column({ name: 'changeset_status', type: 'text', default: 'PENDING' })
  changesetStatus!: ChangesetStatus;

  @Column({ name: 'changeset_note', type: 'text', nullable: true })
  changesetNote!: string | null;

  /** Where the commit chain to the predecessor broke: the push of this commit recomputes it. */
  @Column({ name: 'changeset_missing_sha', type: 'text', nullable: true })
  changesetMissingSha!: string | null;

  /** The previous deployment of the service to the environment that reached users. */
  @Column({ name: 'predecessor_id', type: 'bigint', nullable: true })
  predecessorId!: string | null;

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
