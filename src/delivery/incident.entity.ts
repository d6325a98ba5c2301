import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'incidents' })
@Index('uq_incidents_natural', ['source', 'externalId'], { unique: true })
export class IncidentEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'text' })
  source!: string;

  @Column({ name: 'external_id', type: 'text' })
  externalId!: string;

  @Column({ name: 'environment_id', type: 'bigint', nullable: true })
  environmentId!: string | null;

  @Column({ type: 'text', nullable: true })
  title!: string | null;

  @Column({ type: 'text', nullable: true })
  severity!: string | null;

  @Column({ type: 'text', nullable: true })
  url!: string | null;

  @Column({ name: 'impact_started_at', type: 'timestamptz', nullable: true })
  impactStartedAt!: Date | null;

  @Column({ name: 'detected_at', type: 'timestamptz', nullable: true })
  detectedAt!: Date | null;

  @Column({ name: 'mitigated_at', type: 'timestamptz', nullable: true })
  mitigatedAt!: Date | null;

  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true })
  resolvedAt!: Date | null;

  @Column({ name: 'last_event_at', type: 'timestamptz' })
  lastEventAt!: Date;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
