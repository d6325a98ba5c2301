import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { Transport } from './domain-events.js';

/** Every delivery as received (secrets removed), deduplicated by (source, dedupe_key). */
@Entity({ name: 'raw_events' })
@Index('uq_raw_events_dedupe', ['source', 'dedupeKey'], { unique: true })
export class RawEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'text' })
  source!: string;

  @Column({ name: 'dedupe_key', type: 'text' })
  dedupeKey!: string;

  @Column({ type: 'text' })
  transport!: Transport;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz', nullable: true })
  occurredAt!: Date | null;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt!: Date;

  @Column({ name: 'payload_hash', type: 'text' })
  payloadHash!: string;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  headers!: Record<string, string>;

  @Column({ type: 'jsonb' })
  payload!: unknown;

  @Column({ type: 'text' })
  outcome!: 'ACCEPTED' | 'STORED_UNMAPPED';

  @Column({ type: 'text', nullable: true })
  note!: string | null;
}
