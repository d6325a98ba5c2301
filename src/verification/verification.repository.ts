import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { BaselineKind, Severity, TickClassification } from './analysis/tick.rule.js';
import { sliSummary } from './analysis/tick-evaluator.js';
import type { SliEvidence } from './analysis/tick.rule.js';
import type {
  SliTickSummary,
  TickSummary,
  VerificationKind,
  VerificationState,
} from './analysis/verdict.rule.js';
import type { EnvironmentTier } from '../ingestion/domain-events.js';
import { ReleaseVerificationEntity } from './release-verification.entity.js';
import type { PolicySpec } from './verification-policy.js';
import { VerificationTickEntity } from './verification-tick.entity.js';

/** The SLIs of a stored tick's evidence (ticks stored before objectives were kept have none). */
function storedSlis(evidence: unknown): SliTickSummary[] {
  const slis = (evidence as { slis?: unknown } | null)?.slis;
  if (!Array.isArray(slis)) return [];
  return (slis as SliEvidence[]).filter((s) => typeof s.objective === 'number').map(sliSummary);
}

/** Why no default SLI family can be judged, as a tick stored it (evidence.presets.noSignals). */
function storedNoSignals(evidence: unknown): string | null {
  const presets = (evidence as { presets?: { noSignals?: unknown } } | null)?.presets;
  return typeof presets?.noSignals === 'string' ? presets.noSignals : null;
}

export interface NewVerification {
  readonly deploymentId: string;
  readonly serviceId: string;
  readonly environmentId: string;
  readonly kind: VerificationKind;
  readonly remediatesVerificationId: string | null;
  readonly version: string | null;
  readonly previousVersion: string | null;
  /** The deployment's target (multi-target releases); null: the whole environment. */
  readonly target?: string | null;
  readonly policyId: string | null;
  readonly policyIsDefault: boolean;
  readonly policy: PolicySpec;
  readonly deployStartedAt: Date;
  readonly deployFinishedAt: Date;
  readonly preDeployAnchor: Date;
  readonly preDeployVersion: string | null;
  readonly nextTickAt: Date;
  readonly traceParent: string | null;
  readonly startedAt: Date;
  /** `token:<id>`, `bootstrap` or `source:<event source>`: the unit of fair scheduling. */
  readonly submittedBy: string;
}

export interface DeploymentRelease {
  readonly status: string;
  readonly finishedAt: Date | null;
  readonly service: string;
  readonly namespace: string;
  readonly environment: string;
  readonly tier: EnvironmentTier;
}

/** How many due verifications a claim may take. */
export interface ClaimLimits {
  /** At most this many in this claim (one replica's pass). */
  readonly batch: number;
  /** At most this many of one submitter leased at once, counting those leased already. */
  readonly perSubmitter: number;
}

/** Serialises claims across replicas, so that per-submitter caps count every replica's leases. */
const CLAIM_LOCK_KEY = 0x73770001;

/** The deployment, service and environment behind a verification (for queries and actions). */
export interface VerificationSubject {
  readonly deploymentId: string;
  readonly source: string;
  readonly externalId: string;
  readonly service: string;
  readonly namespace: string;
  readonly environment: string;
  readonly environmentTier: string;
}

export interface NewTick {
  readonly verificationId: string;
  readonly tickNumber: number;
  readonly tickAt: Date;
  readonly windowStart: Date;
  readonly windowEnd: Date;
  readonly classification: TickClassification;
  readonly severity: Severity | null;
  readonly baselineDegraded: boolean;
  readonly settleSignificant: boolean;
  readonly inWarmUp: boolean;
  readonly reason: string;
  readonly evidence: unknown;
  readonly stateAfter: VerificationState;
  readonly durationSeconds: number;
}

export interface TickUpdate {
  readonly state: VerificationState;
  readonly reason: string;
  readonly nextTickAt: Date | null;
  readonly pendingWindowStart: Date | null;
  readonly tickCount: number;
  readonly baselineKind: BaselineKind | null;
  readonly firstFailingAt: Date | null;
  readonly finishedAt: Date | null;
}

/** Rows of `UPDATE ... RETURNING` (TypeORM's postgres driver answers [rows, count] for updates). */
function returned<T>(result: T[] | [T[], number]): T[] {
  return Array.isArray(result[0]) ? result[0] : (result as T[]);
}

/** SQL of release verifications: the claim (FOR UPDATE SKIP LOCKED), locks, guards. */
@Injectable()
export class VerificationRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts unless the deployment already has a verification; returns the id or null. */
  async insert(m: EntityManager, v: NewVerification): Promise<string | null> {
    const rows: { id: string }[] = await m.query(
      `INSERT INTO release_verifications
         (deployment_id, service_id, environment_id, kind, remediates_verification_id, version,
          previous_version, policy_id, policy_is_default, policy, state, deploy_started_at,
          deploy_finished_at, pre_deploy_anchor, pre_deploy_version, next_tick_at, trace_parent,
          started_at, submitted_by, target)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,'RUNNING',$11,$12,$13,$14,$15,$16,$17,$18,$19)
       ON CONFLICT (deployment_id) DO NOTHING
       RETURNING id`,
      [
        v.deploymentId,
        v.serviceId,
        v.environmentId,
        v.kind,
        v.remediatesVerificationId,
        v.version,
        v.previousVersion,
        v.policyId,
        v.policyIsDefault,
        JSON.stringify(v.policy),
        v.deployStartedAt,
        v.deployFinishedAt,
        v.preDeployAnchor,
        v.preDeployVersion,
        v.nextTickAt,
        v.traceParent,
        v.startedAt,
        v.submittedBy,
        v.target ?? null,
      ],
    );
    return rows[0]?.id ?? null;
  }

  /**
   * Ends the running verifications of the service and environment (a newer deploy replaced them),
   * and the watch of an early HEALTHY one (it stays HEALTHY).
   */
  /**
   * Ends the running verifications a new deployment disturbs: of the service and environment,
   * and with a target, only those of that target or of the whole environment (another wave of a
   * multi-target release keeps its own verification).
   */
  async supersedeRunning(
    m: EntityManager,
    serviceId: string,
    environmentId: string,
    now: Date,
    target: string | null = null,
  ): Promise<string[]> {
    const result: { id: string; state: string }[] | [{ id: string; state: string }[], number] =
      await m.query(
        `UPDATE release_verifications
          SET state = CASE WHEN state = 'RUNNING' THEN 'SUPERSEDED' ELSE state END,
              finished_at = CASE WHEN state = 'RUNNING' THEN $3 ELSE finished_at END,
              reason = CASE WHEN state = 'RUNNING'
                THEN 'a newer deployment of the service replaced this one during verification'
                ELSE reason END,
              next_tick_at = NULL, updated_at = $3, claimed_by = NULL, lease_until = NULL
        WHERE service_id = $1 AND environment_id = $2 AND next_tick_at IS NOT NULL
          AND ($4::text IS NULL OR target IS NULL OR target = $4)
        RETURNING id, state`,
        [serviceId, environmentId, now, target],
      );
    return returned(result)
      .filter((r) => r.state === 'SUPERSEDED')
      .map((r) => String(r.id));
  }

  /**
   * Claims due verifications for `worker` until `leaseUntil`, fairly: round-robin across
   * submitters (each one's n-th due verification comes after every submitter's (n−1)-th), and
   * within a submitter across services, oldest due first only inside a turn. A submitter never
   * holds more than `limits.perSubmitter` leases at once, so a flood of deployments from one
   * token takes a bounded share of every pass and another submitter's due tick is claimed in the
   * next pass. Claims are serialised by an advisory lock (a short transaction) so that the caps
   * count every replica's leases; rows locked by a tick's transaction are skipped. A claimed row
   * is not due again before its lease expires, so no tick runs twice; a crashed worker's lease
   * simply runs out.
   */
  async claimDue(
    now: Date,
    worker: string,
    leaseUntil: Date,
    limits: ClaimLimits,
  ): Promise<string[]> {
    return this.dataSource.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock($1)`, [CLAIM_LOCK_KEY]);
      const result: { id: string }[] | [{ id: string }[], number] = await m.query(
        `WITH due AS (
           SELECT id, submitted_by, next_tick_at,
                  row_number() OVER (PARTITION BY submitted_by, service_id
                                     ORDER BY next_tick_at, id) AS service_turn
             FROM release_verifications
            WHERE next_tick_at <= $1
              AND (lease_until IS NULL OR lease_until < $1)),
         leased AS (
           SELECT submitted_by, count(*) AS n FROM release_verifications
            WHERE next_tick_at IS NOT NULL AND lease_until >= $1
            GROUP BY submitted_by),
         turns AS (
           SELECT d.id, d.next_tick_at, COALESCE(l.n, 0) AS leased,
                  row_number() OVER (PARTITION BY d.submitted_by
                                     ORDER BY d.service_turn, d.next_tick_at, d.id) AS turn
             FROM due d LEFT JOIN leased l ON l.submitted_by = d.submitted_by)
         UPDATE release_verifications v
            SET claimed_by = $2, lease_until = $3
          WHERE v.id IN (
                SELECT r.id FROM release_verifications r JOIN turns t ON t.id = r.id
                 WHERE t.leased + t.turn <= $5
                 ORDER BY t.turn, t.next_tick_at, t.id
                 LIMIT $4
                   FOR UPDATE OF r SKIP LOCKED)
          RETURNING v.id`,
        [now, worker, leaseUntil, limits.batch, limits.perSubmitter],
      );
      return returned(result).map((r) => String(r.id));
    });
  }

  /** Seconds the oldest due tick has waited at `now` (0 when none is due). */
  async oldestDueTickLagSeconds(now: Date): Promise<number> {
    const rows: { oldest: Date | null }[] = await this.dataSource.query(
      `SELECT min(next_tick_at) AS oldest FROM release_verifications
        WHERE next_tick_at <= $1`,
      [now],
    );
    const oldest = rows[0]?.oldest;
    return oldest ? Math.max(0, (now.getTime() - new Date(oldest).getTime()) / 1000) : 0;
  }

  find(
    id: string,
    m: EntityManager = this.dataSource.manager,
  ): Promise<ReleaseVerificationEntity | null> {
    return m.getRepository(ReleaseVerificationEntity).findOneBy({ id });
  }

  /** A deployment as its verification sees it (for verificationCoverage), or null. */
  async deploymentRelease(deploymentId: string): Promise<DeploymentRelease | null> {
    if (!/^\d{1,18}$/.test(deploymentId)) return null;
    const rows: DeploymentRelease[] = await this.dataSource.query(
      `SELECT d.status, d.finished_at AS "finishedAt", s.name AS service, s.namespace,
              e.name AS environment, e.tier
         FROM deployments d
         JOIN services s ON s.id = d.service_id
         JOIN environments e ON e.id = d.environment_id
        WHERE d.id = $1`,
      [deploymentId],
    );
    return rows[0] ?? null;
  }

  findByDeployment(deploymentId: string): Promise<ReleaseVerificationEntity | null> {
    if (!/^\d+$/.test(deploymentId)) return Promise.resolve(null);
    return this.dataSource.getRepository(ReleaseVerificationEntity).findOneBy({ deploymentId });
  }

  /** Locks the row for the tick's write; null unless `worker` still holds the claim. */
  async lockClaimed(
    m: EntityManager,
    id: string,
    worker: string,
  ): Promise<ReleaseVerificationEntity | null> {
    const rows: { id: string }[] = await m.query(
      `SELECT id FROM release_verifications
        WHERE id = $1 AND claimed_by = $2 AND next_tick_at IS NOT NULL
          FOR UPDATE`,
      [id, worker],
    );
    return rows.length === 0 ? null : this.find(id, m);
  }

  async releaseClaim(id: string, worker: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE release_verifications SET claimed_by = NULL, lease_until = NULL
        WHERE id = $1 AND claimed_by = $2`,
      [id, worker],
    );
  }

  async subject(
    id: string,
    m: EntityManager = this.dataSource.manager,
  ): Promise<VerificationSubject> {
    const rows: VerificationSubject[] = await m.query(
      `SELECT d.id AS "deploymentId", d.source, d.external_id AS "externalId",
              s.name AS service, s.namespace, e.name AS environment, e.tier AS "environmentTier"
         FROM release_verifications v
         JOIN deployments d ON d.id = v.deployment_id
         JOIN services s ON s.id = v.service_id
         JOIN environments e ON e.id = v.environment_id
        WHERE v.id = $1`,
      [id],
    );
    return { ...rows[0], deploymentId: String(rows[0].deploymentId) };
  }

  async tickSummaries(m: EntityManager, verificationId: string): Promise<TickSummary[]> {
    const rows = await m.getRepository(VerificationTickEntity).find({
      where: { verificationId },
      order: { tickNumber: 'ASC' },
    });
    return rows.map((r) => ({
      at: r.tickAt,
      windowStart: r.windowStart,
      slis: storedSlis(r.evidence),
      classification: r.classification,
      severity: r.severity,
      baselineDegraded: r.baselineDegraded,
      settleSignificant: r.settleSignificant,
      inWarmUp: r.inWarmUp,
      noSignals: storedNoSignals(r.evidence),
    }));
  }

  ticks(verificationId: string): Promise<VerificationTickEntity[]> {
    return this.dataSource.getRepository(VerificationTickEntity).find({
      where: { verificationId },
      order: { tickNumber: 'ASC' },
    });
  }

  async insertTick(m: EntityManager, t: NewTick): Promise<void> {
    await m.query(
      `INSERT INTO verification_ticks
         (verification_id, tick_number, tick_at, window_start, window_end, classification, severity,
          baseline_degraded, settle_significant, in_warm_up, reason, evidence, state_after, duration_seconds)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`,
      [
        t.verificationId,
        t.tickNumber,
        t.tickAt,
        t.windowStart,
        t.windowEnd,
        t.classification,
        t.severity,
        t.baselineDegraded,
        t.settleSignificant,
        t.inWarmUp,
        t.reason,
        JSON.stringify(t.evidence),
        t.stateAfter,
        t.durationSeconds,
      ],
    );
  }

  async updateAfterTick(m: EntityManager, id: string, u: TickUpdate, now: Date): Promise<void> {
    await m.query(
      `UPDATE release_verifications
          SET state = $2, reason = $3, next_tick_at = $4, pending_window_start = $5, tick_count = $6,
              baseline_kind = COALESCE($7, baseline_kind), first_failing_at = $8, finished_at = $9,
              claimed_by = NULL, lease_until = NULL, updated_at = $10
        WHERE id = $1`,
      [
        id,
        u.state,
        u.reason,
        u.nextTickAt,
        u.pendingWindowStart,
        u.tickCount,
        u.baselineKind,
        u.firstFailingAt,
        u.finishedAt,
        now,
      ],
    );
  }

  async recordOutcome(
    m: EntityManager,
    id: string,
    outcome: {
      rollbackRequestedAt: Date | null;
      rollbackBlockedReason: string | null;
      incidentOpened: boolean;
    },
  ): Promise<void> {
    await m.query(
      `UPDATE release_verifications
          SET rollback_requested_at = COALESCE(rollback_requested_at, $2),
              rollback_blocked_reason = $3, incident_opened = incident_opened OR $4
        WHERE id = $1`,
      [id, outcome.rollbackRequestedAt, outcome.rollbackBlockedReason, outcome.incidentOpened],
    );
  }

  /**
   * Links the deployment to the incident (DORA, docs/dora.md), never over a link the incident's
   * events or a person made: CONFIRMED for a person's FAILED; INFERRED for a late regression (a
   * suspected cause, listed for triage).
   */
  async linkCause(
    m: EntityManager,
    incidentId: string,
    source: string,
    externalId: string,
    attribution: 'CONFIRMED' | 'INFERRED',
  ): Promise<void> {
    await m.query(
      `INSERT INTO incident_causes (incident_id, deployment_source, deployment_external_id, attribution)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (incident_id, deployment_source, deployment_external_id) DO NOTHING`,
      [incidentId, source, externalId, attribution],
    );
  }

  async markRemediated(m: EntityManager, id: string, at: Date): Promise<void> {
    await m.query(
      `UPDATE release_verifications SET remediated_at = $2 WHERE id = $1 AND remediated_at IS NULL`,
      [id, at],
    );
  }

  /** Latest automatic rollback of the service and environment, other than `exceptId`. */
  async lastRollbackAt(
    m: EntityManager,
    serviceId: string,
    environmentId: string,
    exceptId: string,
  ): Promise<Date | null> {
    const rows: { at: Date | null }[] = await m.query(
      `SELECT max(rollback_requested_at) AS at FROM release_verifications
        WHERE service_id = $1 AND environment_id = $2 AND id <> $3`,
      [serviceId, environmentId, exceptId],
    );
    return rows[0]?.at ? new Date(rows[0].at) : null;
  }

  async failedVersions(
    m: EntityManager,
    serviceId: string,
    environmentId: string,
  ): Promise<string[]> {
    const rows: { version: string }[] = await m.query(
      `SELECT DISTINCT version FROM release_verifications
        WHERE service_id = $1 AND environment_id = $2 AND state = 'FAILED' AND kind = 'RELEASE'
          AND version IS NOT NULL`,
      [serviceId, environmentId],
    );
    return rows.map((r) => r.version);
  }

  /** The latest FAILED release of the service and environment whose failure is not remediated. */
  async latestUnremediatedFailure(
    m: EntityManager,
    serviceId: string,
    environmentId: string,
    exceptId?: string,
    /** A target's release answers for failures of that target or of the whole environment. */
    target: string | null = null,
  ): Promise<ReleaseVerificationEntity | null> {
    const rows: { id: string }[] = await m.query(
      `SELECT id FROM release_verifications
        WHERE service_id = $1 AND environment_id = $2 AND kind = 'RELEASE' AND state = 'FAILED'
          AND remediated_at IS NULL AND id <> COALESCE($3, -1)
          AND ($4::text IS NULL OR target IS NULL OR target = $4)
        ORDER BY created_at DESC, id DESC
        LIMIT 1`,
      [serviceId, environmentId, exceptId ?? null, target],
    );
    return rows.length === 0 ? null : this.find(rows[0].id, m);
  }
}
