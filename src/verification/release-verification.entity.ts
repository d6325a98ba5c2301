import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { BaselineKind } from './analysis/tick.rule.js';
import type { VerificationKind, VerificationState } from './analysis/verdict.rule.js';
import type { PolicySpec } from './verification-policy.js';

/** One verification per deployment; written through VerificationRepository (claims, locks). */
@Entity({ name: 'release_verifications' })
export class ReleaseVerificationEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'deployment_id', type: 'bigint' })
  deploymentId!: string;

  @Column({ name: 'service_id', type: 'bigint' })
  serviceId!: string;

  @Column({ name: 'environment_id', type: 'bigint' })
  environmentId!: string;

  @Column({ type: 'text' })
  kind!: VerificationKind;

  @Column({ name: 'remediates_verification_id', type: 'bigint', nullable: true })
  remediatesVerificationId!: string | null;

  @Column({ type: 'text', nullable: true })
  version!: string | null;

  @Column({ name: 'previous_version', type: 'text', nullable: true })
  previousVersion!: string | null;

  /** The deployment's target (region, cluster): only its series are read (null: every one). */
  @Column({ type: 'text', nullable: true })
  target!: string | null;

  @Column({ name: 'policy_id', type: 'bigint', nullable: true })
  policyId!: string | null;

  @Column({ name: 'policy_is_default', type: 'boolean' })
  policyIsDefault!: boolean;

  /** Snapshot of the policy at the start (no rollback target: that stays in the policy row). */
  @Column({ type: 'jsonb' })
  policy!: PolicySpec;

  @Column({ type: 'text' })
  state!: VerificationState;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ name: 'deploy_started_at', type: 'timestamptz' })
  deployStartedAt!: Date;

  @Column({ name: 'deploy_finished_at', type: 'timestamptz' })
  deployFinishedAt!: Date;

  @Column({ name: 'pre_deploy_anchor', type: 'timestamptz' })
  preDeployAnchor!: Date;

  /** The version serving before the anchor (null = every version). */
  @Column({ name: 'pre_deploy_version', type: 'text', nullable: true })
  preDeployVersion!: string | null;

  @Column({ name: 'next_tick_at', type: 'timestamptz', nullable: true })
  nextTickAt!: Date | null;

  @Column({ name: 'pending_window_start', type: 'timestamptz', nullable: true })
  pendingWindowStart!: Date | null;

  @Column({ name: 'tick_count', type: 'integer' })
  tickCount!: number;

  @Column({ name: 'claimed_by', type: 'text', nullable: true })
  claimedBy!: string | null;

  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil!: Date | null;

  @Column({ name: 'baseline_kind', type: 'text', nullable: true })
  baselineKind!: BaselineKind | null;

  @Column({ name: 'first_failing_at', type: 'timestamptz', nullable: true })
  firstFailingAt!: Date | null;

  @Column({ name: 'rollback_requested_at', type: 'timestamptz', nullable: true })
  rollbackRequestedAt!: Date | null;

  @Column({ name: 'rollback_blocked_reason', type: 'text', nullable: true })
  rollbackBlockedReason!: string | null;

  @Column({ name: 'incident_opened', type: 'boolean' })
  incidentOpened!: boolean;

  @Column({ name: 'remediated_at', type: 'timestamptz', nullable: true })
  remediatedAt!: Date | null;

  @Column({ name: 'trace_parent', type: 'text', nullable: true })
  traceParent!: string | null;

  /** `token:<id>`, `bootstrap` or `source:<event source>`: the unit of fair scheduling. */
  @Column({ name: 'submitted_by', type: 'text' })
  submittedBy!: string;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
