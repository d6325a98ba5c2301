import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { FreezeWindowTarget } from './freeze-window.rule.js';

/** A freeze window as stored. */
export interface StoredFreezeWindow {
  readonly id: string;
  readonly name: string;
  readonly scope: FreezeWindowTarget['scope'];
  readonly service: string | null;
  readonly namespace: string;
  readonly environment: string | null;
  readonly cron: string;
  readonly timeZone: string;
  readonly durationMinutes: number;
  readonly reason: string;
  readonly createdBy: string;
  readonly createdByName: string;
  readonly createdAt: Date;
  readonly activeFrom: Date | null;
  readonly activeUntil: Date | null;
  readonly deletedAt: Date | null;
  readonly deletedBy: string | null;
  /** 'files': created by `shipwatch policy apply` (changed and pruned by it); null: by a person. */
  readonly managedBy: 'files' | null;
}

interface FreezeRow {
  id: string;
  name: string;
  scope: StoredFreezeWindow['scope'];
  service: string | null;
  namespace: string;
  environment: string | null;
  cron: string;
  time_zone: string;
  duration_minutes: number;
  reason: string;
  created_by: string;
  created_by_name: string;
  created_at: Date;
  active_from: Date | null;
  active_until: Date | null;
  deleted_at: Date | null;
  deleted_by: string | null;
  managed_by: 'files' | null;
}

const date = (d: Date | null): Date | null => (d === null ? null : new Date(d));

const toWindow = (r: FreezeRow): StoredFreezeWindow => ({
  id: String(r.id),
  name: r.name,
  scope: r.scope,
  service: r.service,
  namespace: r.namespace,
  environment: r.environment,
  cron: r.cron,
  timeZone: r.time_zone,
  durationMinutes: Number(r.duration_minutes),
  reason: r.reason,
  createdBy: r.created_by,
  createdByName: r.created_by_name,
  createdAt: new Date(r.created_at),
  activeFrom: date(r.active_from),
  activeUntil: date(r.active_until),
  deletedAt: date(r.deleted_at),
  deletedBy: r.deleted_by,
  managedBy: r.managed_by ?? null,
});

@Injectable()
export class FreezeWindowsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(
    w: FreezeWindowTarget,
    createdBy: string,
    createdByName: string,
    now: Date,
    /** Inside the caller's transaction, as a window from files (`policy apply`). */
    files?: EntityManager,
  ): Promise<StoredFreezeWindow> {
    const rows = await (files ?? this.dataSource).query<FreezeRow[]>(
      `INSERT INTO freeze_windows
         (name, scope, service, namespace, environment, cron, time_zone, duration_minutes, reason,
          created_by, created_by_name, created_at, active_from, active_until, managed_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING *`,
      [
        w.name,
        w.scope,
        w.service,
        w.namespace,
        w.environment,
        w.cron,
        w.timeZone,
        w.durationMinutes,
        w.reason,
        createdBy,
        createdByName,
        now,
        w.activeFrom,
        w.activeUntil,
        files ? 'files' : null,
      ],
    );
    return toWindow(rows[0]);
  }

  /** Deletes the window unless it already was; null when there is no such window. */
  async delete(
    id: string,
    deletedBy: string,
    now: Date,
    m?: EntityManager,
  ): Promise<StoredFreezeWindow | null> {
    const rows = await (m ?? this.dataSource).query<FreezeRow[]>(
      `WITH deleted AS (
         UPDATE freeze_windows SET deleted_at = $2, deleted_by = $3
          WHERE id = $1 AND deleted_at IS NULL RETURNING *)
       SELECT * FROM deleted
       UNION ALL
       SELECT * FROM freeze_windows WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM deleted)`,
      [id, now, deletedBy],
    );
    return rows[0] ? toWindow(rows[0]) : null;
  }

  async list(withDeleted: boolean, first: number): Promise<StoredFreezeWindow[]> {
    const rows = await this.dataSource.query<FreezeRow[]>(
      `SELECT * FROM freeze_windows WHERE $1::boolean OR deleted_at IS NULL
        ORDER BY id DESC LIMIT $2`,
      [withDeleted, first],
    );
    return rows.map(toWindow);
  }

  /** The live windows from files (`policy apply`), by name. */
  async fromFiles(): Promise<StoredFreezeWindow[]> {
    const rows = await this.dataSource.query<FreezeRow[]>(
      `SELECT * FROM freeze_windows WHERE deleted_at IS NULL AND managed_by = 'files'
        ORDER BY name`,
    );
    return rows.map(toWindow);
  }

  /** The windows, deleted ones too, that froze or may have frozen anything in [from, to). */
  async overlapping(from: Date, to: Date): Promise<StoredFreezeWindow[]> {
    const rows = await this.dataSource.query<FreezeRow[]>(
      `SELECT * FROM freeze_windows
        WHERE coalesce(active_from, created_at) < $2
          AND (active_until IS NULL OR active_until > $1)
          AND (deleted_at IS NULL OR deleted_at > $1)
        ORDER BY id LIMIT 1000`,
      [from, to],
    );
    return rows.map(toWindow);
  }

  /** The windows that may freeze a deployment to `environment` at `now` (their cron aside). */
  async inForce(environment: string, now: Date): Promise<StoredFreezeWindow[]> {
    const rows = await this.dataSource.query<FreezeRow[]>(
      `SELECT * FROM freeze_windows
        WHERE deleted_at IS NULL
          AND coalesce(active_from, created_at) <= $1
          AND (active_until IS NULL OR active_until > $1)
          AND (environment IS NULL OR environment = $2)
        ORDER BY id LIMIT 100`,
      [now, environment],
    );
    return rows.map(toWindow);
  }
}
