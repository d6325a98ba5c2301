import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { DeployLock } from './deploy-lock.model.js';
import type { LockTarget } from './deploy-lock.rule.js';

interface LockRow {
  id: string;
  scope: DeployLock['scope'];
  service: string | null;
  namespace: string;
  environment: string | null;
  reason: string;
  locked_by: string;
  locked_by_name: string;
  locked_at: Date;
  until: Date | null;
  released_at: Date | null;
  released_by: string | null;
}

const toLock = (r: LockRow, now: Date): DeployLock => ({
  id: String(r.id),
  scope: r.scope,
  service: r.service,
  namespace: r.namespace,
  environment: r.environment,
  reason: r.reason,
  lockedBy: r.locked_by,
  lockedByName: r.locked_by_name,
  lockedAt: new Date(r.locked_at),
  until: r.until === null ? null : new Date(r.until),
  releasedAt: r.released_at === null ? null : new Date(r.released_at),
  releasedBy: r.released_by,
  active: r.released_at === null && (r.until === null || new Date(r.until) > now),
});

/** IN FORCE at $1: not released, not lapsed. */
const IN_FORCE = `released_at IS NULL AND (until IS NULL OR until > $1)`;

@Injectable()
export class DeployLocksRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(
    target: LockTarget,
    lockedBy: string,
    lockedByName: string,
    now: Date,
  ): Promise<DeployLock> {
    const rows = await this.dataSource.query<LockRow[]>(
      `INSERT INTO deploy_locks
         (scope, service, namespace, environment, reason, locked_by, locked_by_name, locked_at, until)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
      [
        target.scope,
        target.service,
        target.namespace,
        target.environment,
        target.reason,
        lockedBy,
        lockedByName,
        now,
        target.until,
      ],
    );
    return toLock(rows[0], now);
  }

  /** Releases the lock unless it already was; null when there is no such lock. */
  async release(id: string, releasedBy: string, now: Date): Promise<DeployLock | null> {
    const rows = await this.dataSource.query<LockRow[]>(
      `WITH released AS (
         UPDATE deploy_locks SET released_at = $2, released_by = $3
          WHERE id = $1 AND released_at IS NULL RETURNING *)
       SELECT * FROM released
       UNION ALL
       SELECT * FROM deploy_locks WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM released)`,
      [id, now, releasedBy],
    );
    return rows[0] ? toLock(rows[0], now) : null;
  }

  async list(activeOnly: boolean, first: number, now: Date): Promise<DeployLock[]> {
    const rows = await this.dataSource.query<LockRow[]>(
      `SELECT * FROM deploy_locks WHERE $2::boolean IS FALSE OR (${IN_FORCE})
        ORDER BY id DESC LIMIT $3`,
      [now, activeOnly, first],
    );
    return rows.map((r) => toLock(r, now));
  }

  /** The locks, released and lapsed ones too, in force at some time in [from, to). */
  async overlapping(from: Date, to: Date): Promise<DeployLock[]> {
    const rows = await this.dataSource.query<LockRow[]>(
      `SELECT * FROM deploy_locks
        WHERE locked_at < $2
          AND (released_at IS NULL OR released_at > $1)
          AND (until IS NULL OR until > $1)
        ORDER BY id LIMIT 1000`,
      [from, to],
    );
    return rows.map((r) => toLock(r, to));
  }

  /** The locks in force at `now` that could cover a deployment to `environment`. */
  async inForce(environment: string, now: Date): Promise<DeployLock[]> {
    const rows = await this.dataSource.query<LockRow[]>(
      `SELECT * FROM deploy_locks
        WHERE ${IN_FORCE} AND (environment IS NULL OR environment = $2)
        ORDER BY id LIMIT 100`,
      [now, environment],
    );
    return rows.map((r) => toLock(r, now));
  }
}
