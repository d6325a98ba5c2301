import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { AlertChannel, RollbackTarget } from '../remediation/remediation-action.js';
import type {
  AnalysisParameters,
  SliSpec,
  ThresholdCheckSpec,
  VerificationMode,
  VerificationTiming,
} from './verification-policy.js';

@Entity({ name: 'verification_policies' })
export class VerificationPolicyEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'text' })
  service!: string;

  @Column({ type: 'text', default: '' })
  namespace!: string;

  @Column({ type: 'text' })
  environment!: string;

  @Column({ type: 'text' })
  mode!: VerificationMode;

  @Column({ type: 'jsonb' })
  slis!: SliSpec[];

  @Column({ type: 'jsonb' })
  checks!: ThresholdCheckSpec[];

  @Column({ type: 'jsonb' })
  timing!: VerificationTiming;

  @Column({ type: 'jsonb' })
  analysis!: AnalysisParameters;

  @Column({ name: 'late_regression_rollback', type: 'boolean', default: false })
  lateRegressionRollback!: boolean;

  /** Multi-target releases: the Prometheus label carrying a deployment's target (null: none). */
  @Column({ name: 'target_label', type: 'text', nullable: true })
  targetLabel!: string | null;

  /**
   * Holds the target's secret, or the reference to the environment variable holding it
   * (`secretFrom`/`tokenFrom`, then no secret): never returned by any API.
   */
  @Column({ name: 'rollback_target', type: 'jsonb', nullable: true })
  rollbackTarget!: RollbackTarget | null;

  @Column({ name: 'alert_channels', type: 'text', array: true })
  alertChannels!: AlertChannel[];

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
