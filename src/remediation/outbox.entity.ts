import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { OutboxAction } from './remediation-action.js';
import type { OutboxKind } from './retry.rule.js';
import type { PostableAlert } from './senders/alertmanager.payload.js';

export type OutboxStatus = 'PENDING' | 'DELIVERING' | 'DELIVERED' | 'DEAD';

export interface OutboxPayload {
  /** The action as JSON (dates as ISO strings); see storedAction / revivedAction. */
  readonly action: Record<string, unknown>;
  /** For a RESOLVED Alertmanager alert: the alerts that fired for the deployment. */
  readonly firing?: PostableAlert[];
}

/**
 * One remediation action to deliver. `payload` carries the target with its secrets: it is read
 * only by the dispatcher and never returned by an API (see OutboxEntrySummary).
 */
@Entity({ name: 'remediation_outbox' })
export class OutboxEntryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'idempotency_key', type: 'text' })
  idempotencyKey!: string;

  @Column({ type: 'text' })
  kind!: OutboxKind;

  /**
   * ALERTMANAGER | SLACK | PAGERDUTY for alerts, PAGERDUTY | GRAFANA | SLACK for published
   * deployments, the target kind (WEBHOOK, ...) for rollbacks.
   */
  @Column({ type: 'text' })
  channel!: string;

  @Column({ name: 'deployment_id', type: 'text' })
  deploymentId!: string;

  @Column({ type: 'jsonb' })
  payload!: OutboxPayload;

  @Column({ type: 'text', default: 'PENDING' })
  status!: OutboxStatus;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt!: Date;

  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil!: Date | null;

  @Column({ name: 'locked_by', type: 'text', nullable: true })
  lockedBy!: string | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;
}

/** Reads a stored action back (dates revived). */
export function revivedAction(payload: OutboxPayload): OutboxAction {
  // startsAt is an ISO string in jsonb; new Date() revives it.
  const stored = payload.action as unknown as OutboxAction;
  if (stored.kind === 'ALERT') return { ...stored, startsAt: new Date(stored.startsAt) };
  return stored;
}

export function storedAction(action: OutboxAction): Record<string, unknown> {
  return JSON.parse(JSON.stringify(action)) as Record<string, unknown>;
}
