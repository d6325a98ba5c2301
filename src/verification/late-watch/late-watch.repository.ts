import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { LateWatchEnd, PairOutcome } from './late-regression.rule.js';

/** Rows of `UPDATE ... RETURNING` (TypeORM's postgres driver answers [rows, count] for updates). */
function returned<T>(result: T[] | [T[], number]): T[] {
  return Array.isArray(result[0]) ? result[0] : (result as T[]);
}

/** Serialises late-watch claims across replicas (a key of its own: never waits on tick claims). */
const LATE_CLAIM_LOCK_KEY = 0x73770002;

export interface LateWatchRow {
  readonly verificationId: string;
  readonly state: string;
  readonly watchUntil: Date;
  readonly nextCheckAt: Date | null;
  readonly checks: number;
  readonly lastCheckedAt: Date | null;
  readonly lastOutcome: unknown;
  readonly endedAt: Date | null;
  readonly startedAt: Date;
}

export interface LateRegressionRow {
  readonly id: string;
  readonly verificationId: string;
  readonly detectedAt: Date;
  readonly sli: string;
  readonly burnWindow: string;
  readonly factor: number;
  readonly longBurnRate: number;
  readonly shortBurnRate: number;
  readonly onsetAt: Date;
  readonly reason: string;
  readonly evidence: unknown;
  readonly incidentId: string | null;
  readonly incidentOpened: boolean;
  readonly rollbackRequested: boolean;
  readonly rollbackBlockedReason: string | null;
}

export interface NewLateRegression {
  readonly verificationId: string;
  readonly detectedAt: Date;
  readonly regression: PairOutcome;
  readonly onsetAt: Date;
  readonly evidence: unknown;
}

const WATCH_COLUMNS = `verification_id AS "verificationId", state, watch_until AS "watchUntil",
  next_check_at AS "nextCheckAt", checks, last_checked_at AS "lastCheckedAt",
  last_outcome AS "lastOutcome", ended_at AS "endedAt", started_at AS "startedAt"`;

const REGRESSION_COLUMNS = `id, verification_id AS "verificationId", detected_at AS "detectedAt", sli,
  burn_window AS "burnWindow", factor, long_burn_rate AS "longBurnRate",
  short_burn_rate AS "shortBurnRate", onset_at AS "onsetAt", reason, evidence,
  incident_id AS "incidentId", incident_opened AS "incidentOpened",
  rollback_requested AS "rollbackRequested", rollback_blocked_reason AS "rollbackBlockedReason"`;

const ids = <T extends { verificationId: string; incidentId?: string | null }>(r: T): T => ({
  ...r,
  verificationId: String(r.verificationId),
  ...(r.incidentId !== undefined
    ? { incidentId: r.incidentId === null ? null : String(r.incidentId) }
    : {}),
});

/** SQL of the late watch: its own rows, claim and lease (apart from the verification ticks'). */
@Injectable()
export class LateWatchRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Starts the watch of a verification that ended HEALTHY (once; a second start is a no-op). */
  async start(
    m: EntityManager,
    verificationId: string,
    until: Date,
    firstCheckAt: Date,
    now: Date,
  ): Promise<void> {
    await m.query(
      `INSERT INTO verification_late_watches (verification_id, state, watch_until, next_check_at, started_at)
       VALUES ($1, 'WATCHING', $2, $3, $4)
       ON CONFLICT (verification_id) DO NOTHING`,
      [verificationId, until, firstCheckAt, now],
    );
  }

  /**
   * A newer deployment of the service and environment (finished at `finishedAt`): the watches
   * of the releases that finished before it end. An older deployment imported late ends none.
   */
  async supersede(
    m: EntityManager,
    serviceId: string,
    environmentId: string,
    newer: { deploymentId: string; finishedAt: Date; target?: string | null },
    now: Date,
  ): Promise<number> {
    const result: { id: string }[] | [{ id: string }[], number] = await m.query(
      `UPDATE verification_late_watches w
          SET state = 'SUPERSEDED', next_check_at = NULL, ended_at = $4,
              claimed_by = NULL, lease_until = NULL
         FROM release_verifications v
        WHERE v.id = w.verification_id AND w.state = 'WATCHING'
          AND v.service_id = $1 AND v.environment_id = $2 AND v.deployment_id <> $3
          AND v.deploy_finished_at < $5
          AND ($6::text IS NULL OR v.target IS NULL OR v.target = $6)
        RETURNING w.verification_id AS id`,
      [serviceId, environmentId, newer.deploymentId, now, newer.finishedAt, newer.target ?? null],
    );
    return returned(result).length;
  }

  /**
   * Claims up to `limit` due watches, oldest due first, for `worker` until `leaseUntil` (SKIP
   * LOCKED; a claimed watch is not due again before its lease expires).
   */
  async claimDue(now: Date, worker: string, leaseUntil: Date, limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    return this.dataSource.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock($1)`, [LATE_CLAIM_LOCK_KEY]);
      const result: { id: string }[] | [{ id: string }[], number] = await m.query(
        `UPDATE verification_late_watches w
            SET claimed_by = $2, lease_until = $3
          WHERE w.verification_id IN (
                SELECT verification_id FROM verification_late_watches
                 WHERE next_check_at <= $1 AND (lease_until IS NULL OR lease_until < $1)
                 ORDER BY next_check_at, verification_id
                 LIMIT $4
                   FOR UPDATE SKIP LOCKED)
          RETURNING w.verification_id AS id`,
        [now, worker, leaseUntil, limit],
      );
      return returned(result).map((r) => String(r.id));
    });
  }

  async find(verificationId: string, m: EntityManager = this.dataSource.manager) {
    const [row] = await m.query<LateWatchRow[]>(
      `SELECT ${WATCH_COLUMNS} FROM verification_late_watches WHERE verification_id = $1`,
      [verificationId],
    );
    return row ? ids(row) : null;
  }

  /** Locks the watch for the check's write; null unless `worker` still holds its claim. */
  async lockClaimed(
    m: EntityManager,
    verificationId: string,
    worker: string,
  ): Promise<LateWatchRow | null> {
    const [row] = await m.query<LateWatchRow[]>(
      `SELECT ${WATCH_COLUMNS} FROM verification_late_watches
        WHERE verification_id = $1 AND claimed_by = $2 AND state = 'WATCHING'
          FOR UPDATE`,
      [verificationId, worker],
    );
    return row ? ids(row) : null;
  }

  async releaseClaim(verificationId: string, worker: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE verification_late_watches SET claimed_by = NULL, lease_until = NULL
        WHERE verification_id = $1 AND claimed_by = $2`,
      [verificationId, worker],
    );
  }

  /** Whether the deployment is still the latest one of its service and environment that succeeded. */
  async isLatest(m: EntityManager, deploymentId: string): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `SELECT 1 FROM deployments d
        WHERE d.id = $1 AND NOT EXISTS (
              SELECT 1 FROM deployments x
               WHERE x.service_id = d.service_id AND x.environment_id = d.environment_id
                 AND x.id <> d.id AND x.status IN ('SUCCEEDED', 'ROLLED_BACK')
                 AND COALESCE(x.finished_at, x.last_event_at) > COALESCE(d.finished_at, d.last_event_at))`,
      [deploymentId],
    );
    return rows.length > 0;
  }

  async recordCheck(
    m: EntityManager,
    verificationId: string,
    check: {
      at: Date;
      outcome: unknown;
      end: LateWatchEnd | null;
      nextCheckAt: Date | null;
    },
  ): Promise<void> {
    await m.query(
      `UPDATE verification_late_watches
          SET checks = checks + 1, last_checked_at = $2::timestamptz, last_outcome = $3,
              state = COALESCE($4::text, state), next_check_at = $5,
              ended_at = CASE WHEN $4::text IS NULL THEN NULL ELSE $2::timestamptz END,
              claimed_by = NULL, lease_until = NULL
        WHERE verification_id = $1`,
      [verificationId, check.at, JSON.stringify(check.outcome), check.end, check.nextCheckAt],
    );
  }

  /** The finding (one per verification); null when the verification already has one. */
  async insertRegression(m: EntityManager, r: NewLateRegression): Promise<string | null> {
    const rows: { id: string }[] = await m.query(
      `INSERT INTO verification_late_regressions
         (verification_id, detected_at, sli, burn_window, factor, long_burn_rate, short_burn_rate,
          onset_at, reason, evidence)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (verification_id) DO NOTHING
       RETURNING id`,
      [
        r.verificationId,
        r.detectedAt,
        r.regression.sli,
        r.regression.pair,
        r.regression.factor,
        r.regression.long.burnRate ?? 0,
        r.regression.short.burnRate ?? 0,
        r.onsetAt,
        r.regression.reason,
        JSON.stringify(r.evidence),
      ],
    );
    return rows[0] ? String(rows[0].id) : null;
  }

  async recordConsequences(
    m: EntityManager,
    id: string,
    c: {
      incidentId: string | null;
      incidentOpened: boolean;
      rollbackRequested: boolean;
      rollbackBlockedReason: string | null;
    },
  ): Promise<void> {
    await m.query(
      `UPDATE verification_late_regressions
          SET incident_id = $2, incident_opened = $3, rollback_requested = $4,
              rollback_blocked_reason = $5
        WHERE id = $1`,
      [id, c.incidentId, c.incidentOpened, c.rollbackRequested, c.rollbackBlockedReason],
    );
  }

  /**
   * The latest open incident (neither mitigated nor resolved) of the service in the environment
   * (an incident without environment counts for production-tier ones), detected by `at`.
   */
  async openIncident(
    m: EntityManager,
    serviceId: string,
    environmentId: string,
    at: Date,
  ): Promise<string | null> {
    const [row] = await m.query<{ id: string }[]>(
      `SELECT i.id FROM incidents i
         JOIN incident_services s ON s.incident_id = i.id
         JOIN environments e ON e.id = $2
        WHERE s.service_id = $1
          AND (i.environment_id = $2 OR (i.environment_id IS NULL AND e.tier = 'production'))
          AND i.resolved_at IS NULL AND i.mitigated_at IS NULL
          AND COALESCE(i.detected_at, i.impact_started_at, i.created_at) <= $3
        ORDER BY COALESCE(i.detected_at, i.impact_started_at, i.created_at) DESC, i.id DESC
        LIMIT 1`,
      [serviceId, environmentId, at],
    );
    return row ? String(row.id) : null;
  }

  async watchesOf(verificationIds: readonly string[]): Promise<LateWatchRow[]> {
    const rows = await this.dataSource.query<LateWatchRow[]>(
      `SELECT ${WATCH_COLUMNS} FROM verification_late_watches
        WHERE verification_id = ANY ($1::bigint[])`,
      [verificationIds],
    );
    return rows.map(ids);
  }

  async regressionsOf(verificationIds: readonly string[]): Promise<LateRegressionRow[]> {
    const rows = await this.dataSource.query<LateRegressionRow[]>(
      `SELECT ${REGRESSION_COLUMNS} FROM verification_late_regressions
        WHERE verification_id = ANY ($1::bigint[]) ORDER BY detected_at, id`,
      [verificationIds],
    );
    return rows.map((r) => ({ ...ids(r), id: String(r.id) }));
  }
}
