import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { LeadTimeExclusion } from '../ingestion/changeset.calculator.js';

/** A change a successful production deployment carried, with its lead time or why it has none. */
@Entity({ name: 'deployment_changes' })
export class DeploymentChangeEntity {
  @PrimaryColumn({ name: 'deployment_id', type: 'bigint' })
  deploymentId!: string;

  @PrimaryColumn({ name: 'change_id', type: 'bigint' })
  changeId!: string;

  @Column({ name: 'lead_time_seconds', type: 'double precision', nullable: true })
  leadTimeSeconds!: number | null;

  @Column({ name: 'excluded_reason', type: 'text', nullable: true })
  excludedReason!: LeadTimeExclusion | null;
}
