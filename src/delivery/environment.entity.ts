import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { EnvironmentTier } from '../ingestion/domain-events.js';

@Entity({ name: 'environments' })
export class EnvironmentEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'text', unique: true })
  name!: string;

  @Column({ type: 'text' })
  tier!: EnvironmentTier;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
