import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { DeploymentKind, DeploymentStatus, EnvironmentTier } from './domain-events.js';

/** A deployment's status changed (or the deployment was created: `previousStatus` null). */
export interface DeploymentTransition {
  readonly deploymentId: string;
  readonly source: string;
  readonly externalId: string;
  readonly service: {
    readonly id: string;
    readonly name: string;
    readonly namespace: string;
    readonly team: string | null;
  };
  readonly environment: {
    readonly id: string;
    readonly name: string;
    readonly tier: EnvironmentTier;
  };
  readonly version: string | null;
  readonly previousVersion: string | null;
  /** The region or cluster of a multi-target release (absent or null: the whole environment). */
  readonly target?: string | null;
  readonly commitSha: string | null;
  readonly kind: DeploymentKind;
  readonly status: DeploymentStatus;
  readonly previousStatus: DeploymentStatus | null;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly traceParent: string | null;
  /** Occurrence time of the event that caused the transition. */
  readonly occurredAt: Date;
  /** `envelope.submittedBy` of the last event of this write about the deployment. */
  readonly submittedBy: string | null;
}

export type TransitionListener = (
  manager: EntityManager,
  transitions: readonly DeploymentTransition[],
) => Promise<void>;
export type CommittedTransitionListener = (t: DeploymentTransition) => void;

/**
 * Where other modules hear about deployment status changes.
 *
 * - `onTransitions` listeners run INSIDE the ingestion transaction, once per transaction with
 *   all of its transitions (one delivery, or many coalesced into one write), after the deployment
 *   rows (and their changesets) are written; use `manager` for every query, and one query for
 *   the whole list rather than one per transition. A throw rolls the whole write back (and the
 *   client sees an error), so only do work that must be atomic with the event, e.g. scheduling a
 *   verification.
 * - `afterCommit` listeners run after the commit, synchronously and best-effort (a throw is
 *   logged): counters, notifications.
 *
 * One transition is reported per deployment and delivery (or `ingestEvents` batch): from the
 * status before it to the status after it; a batch that takes a deployment from nothing to
 * SUCCEEDED reports one transition with `previousStatus` null.
 */
@Injectable()
export class DeploymentHooks {
  private readonly logger = new Logger(DeploymentHooks.name);
  private readonly inTransaction: TransitionListener[] = [];
  private readonly committed: CommittedTransitionListener[] = [];

  onTransitions(listener: TransitionListener): void {
    this.inTransaction.push(listener);
  }

  afterCommit(listener: CommittedTransitionListener): void {
    this.committed.push(listener);
  }

  /** Called by ingestion inside its transaction. */
  async emitInTransaction(
    manager: EntityManager,
    transitions: readonly DeploymentTransition[],
  ): Promise<void> {
    if (transitions.length === 0) return;
    for (const listener of this.inTransaction) await listener(manager, transitions);
  }

  /** Called by ingestion after its transaction committed. */
  emitCommitted(transitions: readonly DeploymentTransition[]): void {
    for (const t of transitions) {
      for (const listener of this.committed) {
        try {
          listener(t);
        } catch (error) {
          this.logger.error(
            `afterCommit listener failed for deployment ${t.deploymentId}: ${(error as Error).message}`,
          );
        }
      }
    }
  }
}
