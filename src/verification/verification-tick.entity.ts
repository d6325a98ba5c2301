import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Severity, TickClassification } from './analysis/tick.rule.js';
import type { VerificationState } from './analysis/verdict.rule.js';

/** One tick of a verification with its evidence (queries, windows, counts, p-values, reasons). */
@Entity({ name: 'verification_ticks' })
export class VerificationTickEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'verification_id', type: 'bigint' })
  verificationId!: string;

  @Column({ name: 'tick_number', type: 'integer' })
  tickNumber!: number;

  @Column({ name: 'tick_at', type: 'timestamptz' })
  tickAt!: Date;

  @Column({ name: 'window_start', type: 'timestamptz' })
  windowStart!: Date;

  @Column({ name: 'window_end', type: 'timestamptz' })
  windowEnd!: Date;

  @Column({ type: 'text' })
  classification!: TickClassification;

  @Column({ type: 'text', nullable: true })
  severity!: Severity | null;

  @Column({ name: 'baseline_degraded', type: 'boolean' })
  baselineDegraded!: boolean;

  @Column({ name: 'settle_significant', type: 'boolean' })
  settleSignificant!: boolean;

  @Column({ name: 'in_warm_up', type: 'boolean' })
  inWarmUp!: boolean;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ type: 'jsonb' })
  evidence!: unknown;

  @Column({ name: 'state_after', type: 'text' })
  stateAfter!: VerificationState;

  @Column({ name: 'duration_seconds', type: 'double precision' })
  durationSeconds!: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
