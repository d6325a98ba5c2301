import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { revivedAction, storedAction, type OutboxStatus } from './outbox.entity.js';
import { OutboxRepository, type NewOutboxEntry } from './outbox.repository.js';
import { OutboundPolicy } from './outbound-policy.js';
import type { AlertChannel, OutboxAction, RemediationAction } from './remediation-action.js';
import type { OutboxKind } from './retry.rule.js';
import { outboxDeliveries } from './remediation.metrics.js';
import { firingAlert, type PostableAlert } from './senders/alertmanager.payload.js';
import { OutboxSenders } from './senders/senders.js';

/** What an API may show of an outbox entry: never the payload (it holds the target's secrets). */
export interface OutboxEntrySummary {
  readonly id: string;
  readonly idempotencyKey: string;
  readonly kind: OutboxKind;
  readonly channel: string;
  readonly status: OutboxStatus;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: Date;
  readonly deliveredAt: Date | null;
}

/**
 * The write side of the remediation outbox. Verification calls `enqueue` with the EntityManager
 * of its verdict transaction, so an action exists if and only if its verdict was committed.
 * Delivery happens later, on any replica (OutboxDispatcher).
 */
@Injectable()
export class OutboxService {
  private readonly logger = new Logger(OutboxService.name);

  constructor(
    private readonly repository: OutboxRepository,
    private readonly outbound: OutboundPolicy,
    private readonly senders: OutboxSenders,
  ) {}

  /** Alert channels configured in this deployment of Shipwatch (others are dropped at enqueue). */
  alertChannels(): readonly AlertChannel[] {
    return this.senders.configuredAlertChannels;
  }

  /**
   * Adds an action to the outbox in the caller's transaction. Idempotent: an action whose
   * idempotency key exists already (or a second rollback of the same deployment) is a no-op.
   * An alert or a published deployment for an unconfigured channel is dropped. A rollback whose
   * target is invalid or not allowed is stored as DEAD (visible, counted, never called) rather
   * than thrown, so that the verdict transaction still commits; the answer then says why, for the
   * caller to make it loud.
   */
  async enqueue(
    manager: EntityManager,
    action: OutboxAction,
  ): Promise<{ readonly refused: string | null }> {
    const key = action.idempotencyKey;
    if (typeof key !== 'string' || key.trim() === '' || key.length > 255) {
      throw new Error('a remediation action needs an idempotency key of 1 to 255 characters');
    }
    const entry = await this.entryFor(manager, action);
    const refused = entry?.status === 'DEAD' ? entry.refusal : null;
    if (!entry) return { refused };
    const inserted = await this.repository.insert(manager, entry);
    if (!inserted) return { refused };
    if (refused) {
      outboxDeliveries.inc({ kind: entry.kind, channel: entry.channel, result: 'refused' });
      this.logger.warn(
        `refused ${entry.kind} ${entry.channel} for deployment ${entry.deploymentId} (${key}): ${refused}`,
      );
    } else {
      this.logger.log(
        `queued ${entry.kind} ${entry.channel} for deployment ${entry.deploymentId} (${key})`,
      );
    }
    return { refused };
  }

  /**
   * Adds an entry of a kind delivered by a registered OutboxHandler (its payload is that module's
   * own), in the caller's transaction. Idempotent like `enqueue`; an entry refused
   * already (status DEAD, lastError the coded reason) is stored for the audit trail and counted.
   * Returns whether it was new.
   */
  async enqueueHandled(manager: EntityManager, entry: NewOutboxEntry): Promise<boolean> {
    const inserted = await this.repository.insert(manager, entry);
    if (!inserted) return false;
    const what = `${entry.kind} ${entry.channel} for ${entry.deploymentId} (${entry.idempotencyKey})`;
    if (entry.status === 'DEAD') {
      outboxDeliveries.inc({ kind: entry.kind, channel: entry.channel, result: 'refused' });
      this.logger.warn(`refused ${what}: ${entry.lastError ?? ''}`);
    } else {
      this.logger.log(`queued ${what}`);
    }
    return true;
  }

  private async entryFor(
    manager: EntityManager,
    action: OutboxAction,
  ): Promise<(NewOutboxEntry & { refusal: string | null }) | null> {
    const base = {
      idempotencyKey: action.idempotencyKey,
      deploymentId: action.release.deploymentId,
    };
    if (action.kind === 'ROLLBACK') {
      const problems = this.outbound.rollbackTargetProblems(action.target);
      const refusal = problems.length > 0 ? problems.map((p) => p.message).join('; ') : null;
      return {
        ...base,
        kind: 'ROLLBACK',
        channel: action.target.kind,
        payload: { action: storedAction(action) },
        status: refusal ? 'DEAD' : 'PENDING',
        lastError: refusal ? `refused: ${refusal}` : null,
        refusal,
      };
    }
    if (action.kind === 'PUBLISH') {
      if (!this.senders.publishChannels.includes(action.channel)) {
        this.logger.debug(
          `publishing to ${action.channel} is not configured; ${base.idempotencyKey} dropped`,
        );
        return null;
      }
      return {
        ...base,
        kind: 'PUBLISH',
        channel: action.channel,
        payload: { action: storedAction(action) },
        status: 'PENDING',
        lastError: null,
        refusal: null,
      };
    }
    if (!this.alertChannels().includes(action.channel)) {
      this.logger.debug(
        `alert channel ${action.channel} is not configured; ${base.idempotencyKey} dropped`,
      );
      return null;
    }
    let firing: PostableAlert[] | undefined;
    if (action.channel === 'ALERTMANAGER' && action.state === 'RESOLVED') {
      const fired = await this.repository.firingAlerts(manager, base.deploymentId, 'ALERTMANAGER');
      firing = fired.map((e) => {
        const a = revivedAction(e.payload);
        return firingAlert(a as Extract<RemediationAction, { kind: 'ALERT' }>);
      });
    }
    return {
      ...base,
      kind: 'ALERT',
      channel: action.channel,
      payload: firing ? { action: storedAction(action), firing } : { action: storedAction(action) },
      status: 'PENDING',
      lastError: null,
      refusal: null,
    };
  }

  async listForDeployment(deploymentId: string): Promise<OutboxEntrySummary[]> {
    const entries = await this.repository.listForDeployment(deploymentId);
    return entries.map((e) => ({
      id: e.id,
      idempotencyKey: e.idempotencyKey,
      kind: e.kind,
      channel: e.channel,
      status: e.status,
      attempts: e.attempts,
      lastError: e.lastError,
      createdAt: e.createdAt,
      deliveredAt: e.deliveredAt,
    }));
  }
}
