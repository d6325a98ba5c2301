import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.schema.js';
import { inSpan } from '../observability/tracing.js';
import { OutboxHandlers } from './outbox-handlers.js';
import { revivedAction, type OutboxEntryEntity } from './outbox.entity.js';
import { OutboxRepository } from './outbox.repository.js';
import { OutboundPolicy } from './outbound-policy.js';
import {
  outboxDeliveries,
  outboxOldestPendingAge,
  outboxPending,
  rollbackReasonLabel,
  rollbacks,
} from './remediation.metrics.js';
import {
  DEFAULT_RETRY_POLICY,
  decideRetry,
  expiredBeforeAttempt,
  type RetryPolicy,
} from './retry.rule.js';
import { alertmanagerRequest, firingAlert } from './senders/alertmanager.payload.js';
import {
  ChannelNotConfigured,
  DELIVERY_TIMEOUT_MS,
  sendOutbound,
  type DeliveryContext,
  type DeliveryResult,
  type OutboundRequest,
} from './senders/outbound-request.js';
import { OutboxSenders } from './senders/senders.js';

export interface DispatcherOptions {
  /** How long a claimed entry stays reserved for its claimer (> the HTTP timeout). */
  readonly leaseMs: number;
  readonly batchSize: number;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  /** Jitter source, in [0, 1). */
  readonly random: () => number;
  /** Names this replica in locked_by. */
  readonly replicaId: string;
}

export const DISPATCHER_OPTIONS = Symbol('DISPATCHER_OPTIONS');

export interface DispatchReport {
  readonly claimed: number;
  readonly delivered: number;
  readonly retried: number;
  readonly dead: number;
}

type Outcome = 'delivered' | 'retry' | 'dead';

/** How long a FIRING Alertmanager alert is kept alive by re-posting without a resolve. */
const ALERT_REPOST_WINDOW_MS = 24 * 60 * 60_000;

/**
 * Delivers the outbox. Every second (when the scheduler runs in this replica) it claims due
 * entries with FOR UPDATE SKIP LOCKED and a lease, sends each through its sender and records the
 * outcome: DELIVERED, a retry with exponential backoff and jitter, or DEAD. Delivery is
 * at-least-once (a replica may die after sending and before recording); receivers deduplicate by
 * the Idempotency-Key that every attempt carries, which makes the effect exactly-once.
 */
@Injectable()
export class OutboxDispatcher {
  private readonly logger = new Logger(OutboxDispatcher.name);
  private readonly options: DispatcherOptions;
  private readonly userAgent: string;
  private running = false;

  constructor(
    private readonly repository: OutboxRepository,
    private readonly senders: OutboxSenders,
    private readonly outbound: OutboundPolicy,
    @Inject(APP_CONFIG) config: AppConfig,
    @Optional() @Inject(DISPATCHER_OPTIONS) options?: Partial<DispatcherOptions>,
    /** Kinds delivered by their own module (GITHUB_PROTECTION); none when built by hand. */
    @Optional() private readonly handlers?: OutboxHandlers,
  ) {
    this.options = {
      leaseMs: config.outboxLeaseSeconds * 1000,
      batchSize: 20,
      timeoutMs: DELIVERY_TIMEOUT_MS,
      retry: DEFAULT_RETRY_POLICY,
      random: Math.random,
      replicaId: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
      ...options,
    };
    this.userAgent = `Shipwatch/${config.version}`;
  }

  @Interval(1_000)
  async dispatchEverySecond(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.dispatchDue(new Date());
    } catch (error) {
      this.logger.error(`outbox dispatch failed: ${(error as Error).message}`);
    } finally {
      this.running = false;
    }
  }

  @Interval(60_000)
  async repostAlertsEveryMinute(): Promise<void> {
    try {
      await this.repostActiveAlerts(new Date());
    } catch (error) {
      this.logger.error(`re-posting active alerts failed: ${(error as Error).message}`);
    }
  }

  /** Claims and delivers the entries due at `now`; tests call it directly with their clock. */
  async dispatchDue(now: Date): Promise<DispatchReport> {
    const leaseUntil = new Date(now.getTime() + this.options.leaseMs);
    const entries = await this.repository.claimDue(
      now,
      leaseUntil,
      this.options.replicaId,
      this.options.batchSize,
    );
    const outcomes = await Promise.all(entries.map((entry) => this.deliver(entry, now)));
    await this.refreshGauges(now);
    return {
      claimed: entries.length,
      delivered: outcomes.filter((o) => o === 'delivered').length,
      retried: outcomes.filter((o) => o === 'retry').length,
      dead: outcomes.filter((o) => o === 'dead').length,
    };
  }

  private async deliver(entry: OutboxEntryEntity, now: Date): Promise<Outcome> {
    const labels = { kind: entry.kind, channel: entry.channel };
    const ctx: DeliveryContext = {
      idempotencyKey: entry.idempotencyKey,
      requestedAt: entry.createdAt,
      sentAt: new Date(),
      userAgent: this.userAgent,
    };
    const result = await this.attempt(entry, ctx, now);
    if (result.ok) {
      const recorded = await this.repository.markDelivered(entry, now);
      outboxDeliveries.inc({ ...labels, result: 'delivered' });
      if (entry.kind === 'ROLLBACK') {
        const action = revivedAction(entry.payload);
        rollbacks.inc({
          reason: rollbackReasonLabel(action.kind === 'ROLLBACK' ? action.reason : ''),
        });
      }
      this.logger.log(
        `delivered ${entry.kind} ${entry.channel} ${entry.idempotencyKey} (attempt ${entry.attempts}, HTTP ${result.status})`,
      );
      if (!recorded) this.warnLeaseLost(entry);
      return 'delivered';
    }

    const decision = decideRetry(
      {
        kind: entry.kind,
        attempts: entry.attempts,
        createdAt: entry.createdAt,
        retryable: result.retryable,
      },
      now,
      this.options.random(),
      this.options.retry,
    );
    if (decision.action === 'retry') {
      const recorded = await this.repository.markRetry(entry, decision.at, result.error);
      outboxDeliveries.inc({ ...labels, result: 'retry' });
      this.logger.warn(
        `${entry.kind} ${entry.channel} ${entry.idempotencyKey} attempt ${entry.attempts} failed (${result.error}); next at ${decision.at.toISOString()}`,
      );
      if (!recorded) this.warnLeaseLost(entry);
      return 'retry';
    }
    const error = `${result.error} (${decision.reason})`;
    const recorded = await this.repository.markDead(entry, error);
    outboxDeliveries.inc({ ...labels, result: 'dead' });
    this.logger.error(
      `${entry.kind} ${entry.channel} ${entry.idempotencyKey} for deployment ${entry.deploymentId} is DEAD after ${entry.attempts} attempt(s): ${error}`,
    );
    if (!recorded) this.warnLeaseLost(entry);
    return 'dead';
  }

  /** One attempt; never throws for a problem of the entry itself (that is a permanent failure). */
  private async attempt(
    entry: OutboxEntryEntity,
    ctx: DeliveryContext,
    now: Date,
  ): Promise<DeliveryResult> {
    const expired = expiredBeforeAttempt(entry, now, this.options.retry);
    if (expired) return { ok: false, retryable: false, error: expired };
    const handler = this.handlers?.get(entry.kind);
    if (handler) {
      return inSpan(
        'remediation.deliver',
        { 'shipwatch.outbox.kind': entry.kind, 'shipwatch.outbox.channel': entry.channel },
        () => handler(entry, ctx),
      );
    }
    let request: OutboundRequest;
    try {
      request = this.senders.requestFor(entry, ctx);
    } catch (error) {
      const message =
        error instanceof ChannelNotConfigured
          ? error.message
          : `cannot build the request: ${(error as Error).message}`;
      return { ok: false, retryable: false, error: message };
    }
    const host = this.outbound.checkUrl(request.url);
    if (!host.ok)
      return { ok: false, retryable: false, error: `refused: target URL ${host.reason}` };
    return inSpan(
      'remediation.deliver',
      { 'shipwatch.outbox.kind': entry.kind, 'shipwatch.outbox.channel': entry.channel },
      () => sendOutbound(request, this.options.timeoutMs, host.mayBePrivate),
    );
  }

  private warnLeaseLost(entry: OutboxEntryEntity): void {
    this.logger.warn(
      `lease on ${entry.idempotencyKey} expired before its outcome was recorded; another replica may send it again (the receiver deduplicates by Idempotency-Key)`,
    );
  }

  private async refreshGauges(now: Date): Promise<void> {
    const stats = await this.repository.pendingStats();
    outboxPending.set(stats.pending);
    outboxOldestPendingAge.set(
      stats.oldestCreatedAt
        ? Math.max(0, (now.getTime() - stats.oldestCreatedAt.getTime()) / 1000)
        : 0,
    );
  }

  /**
   * Alertmanager forgets an alert that is not re-sent within its resolve_timeout, so the FIRING
   * alerts that were delivered and not resolved are posted again (best effort, not through the
   * outbox: a lost re-post is repaired by the next one).
   */
  async repostActiveAlerts(now: Date): Promise<number> {
    const entries = await this.repository.activeAlertmanagerAlerts(
      new Date(now.getTime() - ALERT_REPOST_WINDOW_MS),
    );
    const url = this.senders.alertmanagerUrl;
    if (entries.length === 0 || !url) return 0;
    const alerts = entries.map((e) => {
      const action = revivedAction(e.payload);
      return firingAlert(action as Extract<typeof action, { kind: 'ALERT' }>);
    });
    const request = alertmanagerRequest(url, alerts, {
      idempotencyKey: `repost:${now.toISOString()}`,
      requestedAt: now,
      sentAt: new Date(),
      userAgent: this.userAgent,
    });
    const host = this.outbound.checkUrl(request.url);
    if (!host.ok) return 0;
    const result = await sendOutbound(request, this.options.timeoutMs, host.mayBePrivate);
    if (!result.ok)
      this.logger.warn(`re-posting ${alerts.length} active alert(s) failed: ${result.error}`);
    return result.ok ? alerts.length : 0;
  }
}
