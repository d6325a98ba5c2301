import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { VerificationState } from '../analysis/verdict.rule.js';
import type { ReleaseVerificationEntity } from '../release-verification.entity.js';
import { VerificationRepository } from '../verification.repository.js';
import type { PolicySpec } from '../verification-policy.js';
import type { DecisionAction } from './verification-decision.rule.js';

export interface NewDecision {
  readonly verificationId: string;
  readonly action: DecisionAction;
  readonly stateBefore: VerificationState;
  readonly stateAfter: VerificationState;
  readonly sli: string | null;
  readonly seconds: number | null;
  readonly reason: string;
  readonly actor: string;
  readonly actorName: string;
  readonly at: Date;
  /** A signed request's own key (Slack: its signature): the same request decides once. */
  readonly requestKey: string | null;
}

export interface DecisionRow {
  id: string;
  verification_id: string;
  action: DecisionAction;
  state_before: VerificationState;
  state_after: VerificationState;
  sli: string | null;
  seconds: number | null;
  reason: string;
  actor: string;
  actor_name: string;
  decided_at: Date;
}

/** The SQL of human decisions: the verification's row lock, its state change, the audit. */
@Injectable()
export class VerificationDecisionsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly verifications: VerificationRepository,
  ) {}

  /**
   * Locks the verification until the decision commits: a tick that holds the claim waits for it
   * in `lockClaimed` and then finds the decision (no tick scheduled any more: it drops its
   * result; a longer bake: it judges with it); a tick already writing makes the decision wait,
   * which then sees the tick's state.
   */
  async lock(m: EntityManager, id: string): Promise<ReleaseVerificationEntity | null> {
    const rows: { id: string }[] = await m.query(
      `SELECT id FROM release_verifications WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return rows.length === 0 ? null : this.verifications.find(id, m);
  }

  /** A person's verdict: the state, no further tick, the claim of any tick in flight dropped. */
  async setVerdict(
    m: EntityManager,
    id: string,
    state: VerificationState,
    reason: string,
    now: Date,
  ): Promise<void> {
    await m.query(
      `UPDATE release_verifications
          SET state = $2, reason = $3, next_tick_at = NULL, finished_at = $4,
              claimed_by = NULL, lease_until = NULL, updated_at = $4
        WHERE id = $1`,
      [id, state, reason, now],
    );
  }

  /** A longer bake: the policy snapshot the ticks judge with. */
  async setPolicy(m: EntityManager, id: string, policy: PolicySpec, now: Date): Promise<void> {
    await m.query(`UPDATE release_verifications SET policy = $2, updated_at = $3 WHERE id = $1`, [
      id,
      JSON.stringify(policy),
      now,
    ]);
  }

  async insert(m: EntityManager, d: NewDecision): Promise<DecisionRow> {
    const rows: DecisionRow[] = await m.query(
      `INSERT INTO verification_decisions (verification_id, action, state_before, state_after, sli,
         seconds, reason, actor, actor_name, decided_at, request_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       RETURNING *`,
      [
        d.verificationId,
        d.action,
        d.stateBefore,
        d.stateAfter,
        d.sli,
        d.seconds,
        d.reason,
        d.actor,
        d.actorName,
        d.at,
        d.requestKey,
      ],
    );
    return rows[0];
  }

  /** Whether a decision was already taken on this signed request. */
  async seen(m: EntityManager, requestKey: string): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `SELECT 1 FROM verification_decisions WHERE request_key = $1`,
      [requestKey],
    );
    return rows.length > 0;
  }

  of(verificationId: string): Promise<DecisionRow[]> {
    return this.dataSource.query(
      `SELECT * FROM verification_decisions WHERE verification_id = $1 ORDER BY decided_at, id`,
      [verificationId],
    );
  }
}
