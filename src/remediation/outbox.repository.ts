import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { OutboxEntryEntity, type OutboxPayload, type OutboxStatus } from './outbox.entity.js';
import type { OutboxKind } from './retry.rule.js';

export interface NewOutboxEntry {
  readonly idempotencyKey: string;
  readonly kind: OutboxKind;
  readonly channel: string;
  readonly deploymentId: string;
  readonly payload: OutboxPayload;
  /** DEAD for an action refused at enqueue time (kept for the audit trail, never delivered). */
  readonly status: 'PENDING' | 'DEAD';
  readonly lastError: string | null;
}

interface OutboxRow {
  id: string;
  idempotency_key: string;
  kind: OutboxKind;
  channel: string;
  deployment_id: string;
  payload: OutboxPayload;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: Date;
  locked_until: Date | null;
  locked_by: string | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

function toEntity(row: OutboxRow): OutboxEntryEntity {
  return Object.assign(new OutboxEntryEntity(), {
    id: String(row.id),
    idempotencyKey: row.idempotency_key,
    kind: row.kind,
    channel: row.channel,
    deploymentId: row.deployment_id,
    payload: row.payload,
    status: row.status,
    attempts: Number(row.attempts),
    nextAttemptAt: new Date(row.next_attempt_at),
    lockedUntil: row.locked_until ? new Date(row.locked_until) : null,
    lockedBy: row.locked_by,
    lastError: row.last_error,
    createdAt: new Date(row.created_at),
    deliveredAt: row.delivered_at ? new Date(row.delivered_at) : null,
  });
}

/**
 * The outbox's SQL. Claiming is one UPDATE over a `FOR UPDATE SKIP LOCKED` sub-select, so two
 * replicas never claim the same row; the claim sets a lease (locked_until, mirrored into
 * next_attempt_at) after which the row is due again if its claimer died. Every later update is
 * fenced by (id, attempts): a replica whose lease expired and was taken over cannot overwrite the
 * new claimer's outcome.
 */
@Injectable()
export class OutboxRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts unless an entry with the same idempotency key (or a rollback of the same deployment) exists. */
  async insert(manager: EntityManager, entry: NewOutboxEntry): Promise<boolean> {
    const rows: { id: string }[] = await manager.query(
      `INSERT INTO remediation_outbox
         (idempotency_key, kind, channel, deployment_id, payload, status, last_error)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)
       ON CONFLICT DO NOTHING
       RETURNING id`,
      [
        entry.idempotencyKey,
        entry.kind,
        entry.channel,
        entry.deploymentId,
        JSON.stringify(entry.payload),
        entry.status,
        entry.lastError,
      ],
    );
    return rows.length > 0;
  }

  /** Alerts that fired on a channel for a deployment (not refused), oldest first. */
  async firingAlerts(
    manager: EntityManager,
    deploymentId: string,
    channel: string,
  ): Promise<OutboxEntryEntity[]> {
    const rows: OutboxRow[] = await manager.query(
      `SELECT * FROM remediation_outbox
        WHERE deployment_id = $1 AND kind = 'ALERT' AND channel = $2 AND status <> 'DEAD'
          AND payload->'action'->>'state' = 'FIRING'
        ORDER BY id`,
      [deploymentId, channel],
    );
    return rows.map(toEntity);
  }

  async claimDue(
    now: Date,
    leaseUntil: Date,
    lockedBy: string,
    limit: number,
  ): Promise<OutboxEntryEntity[]> {
    // TypeORM answers an UPDATE with [rows, affected]. `now` has milliseconds, the database's
    // stamps microseconds: an entry stamped within now's millisecond is due too.
    const [rows] = await this.dataSource.query<[OutboxRow[], number]>(
      `UPDATE remediation_outbox o
          SET status = 'DELIVERING', attempts = o.attempts + 1,
              locked_until = $2, locked_by = $3, next_attempt_at = $2
        WHERE o.id IN (
          SELECT id FROM remediation_outbox
           WHERE status IN ('PENDING', 'DELIVERING')
             AND next_attempt_at < $1::timestamptz + interval '1 millisecond'
           ORDER BY next_attempt_at, id
           LIMIT $4
           FOR UPDATE SKIP LOCKED)
        RETURNING o.*`,
      [now, leaseUntil, lockedBy, limit],
    );
    return rows.map(toEntity).sort((a, b) => Number(a.id) - Number(b.id));
  }

  async markDelivered(entry: OutboxEntryEntity, now: Date): Promise<boolean> {
    return this.finish(
      entry,
      `status = 'DELIVERED', delivered_at = $3, last_error = NULL, locked_until = NULL, locked_by = NULL`,
      [now],
    );
  }

  async markRetry(entry: OutboxEntryEntity, at: Date, error: string): Promise<boolean> {
    return this.finish(
      entry,
      `status = 'PENDING', next_attempt_at = $3, last_error = $4, locked_until = NULL, locked_by = NULL`,
      [at, error],
    );
  }

  async markDead(entry: OutboxEntryEntity, error: string): Promise<boolean> {
    return this.finish(
      entry,
      `status = 'DEAD', last_error = $3, locked_until = NULL, locked_by = NULL`,
      [error],
    );
  }

  private async finish(
    entry: OutboxEntryEntity,
    assignments: string,
    params: unknown[],
  ): Promise<boolean> {
    const [, affected] = await this.dataSource.query<[unknown, number]>(
      `UPDATE remediation_outbox SET ${assignments}
        WHERE id = $1 AND attempts = $2 AND status = 'DELIVERING'`,
      [entry.id, entry.attempts, ...params],
    );
    return affected === 1;
  }

  /** Entries waiting for delivery and the creation time of the oldest. */
  async pendingStats(): Promise<{ pending: number; oldestCreatedAt: Date | null }> {
    const [row] = await this.dataSource.query<{ pending: number; oldest: Date | null }[]>(
      `SELECT count(*)::int AS pending, min(created_at) AS oldest
         FROM remediation_outbox WHERE status IN ('PENDING', 'DELIVERING')`,
    );
    return {
      pending: Number(row.pending),
      oldestCreatedAt: row.oldest ? new Date(row.oldest) : null,
    };
  }

  /**
   * Alertmanager alerts delivered as FIRING since `since` and not resolved since: Alertmanager
   * expects active alerts to be re-sent.
   */
  async activeAlertmanagerAlerts(since: Date): Promise<OutboxEntryEntity[]> {
    const rows: OutboxRow[] = await this.dataSource.query(
      `SELECT f.* FROM remediation_outbox f
        WHERE f.kind = 'ALERT' AND f.channel = 'ALERTMANAGER' AND f.status = 'DELIVERED'
          AND f.payload->'action'->>'state' = 'FIRING' AND f.created_at >= $1
          AND NOT EXISTS (
            SELECT 1 FROM remediation_outbox r
             WHERE r.deployment_id = f.deployment_id AND r.kind = 'ALERT'
               AND r.channel = 'ALERTMANAGER' AND r.id > f.id
               AND r.payload->'action'->>'state' = 'RESOLVED')
        ORDER BY f.id
        LIMIT 500`,
      [since],
    );
    return rows.map(toEntity);
  }

  listForDeployment(deploymentId: string): Promise<OutboxEntryEntity[]> {
    return this.dataSource
      .getRepository(OutboxEntryEntity)
      .find({ where: { deploymentId }, order: { id: 'ASC' } });
  }
}
