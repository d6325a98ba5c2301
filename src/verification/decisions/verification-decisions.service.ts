import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Actor } from '../../auth/principal.js';
import { badInput, DomainError } from '../../common/errors/domain-error.js';
import { DeploymentHooks, type DeploymentTransition } from '../../ingestion/deployment-hooks.js';
import { VerdictService } from '../verdict.service.js';
import { replayedRequest } from '../../webhooks/webhooks.errors.js';
import { verificationNotFound } from '../verification.errors.js';
import { VerificationRepository } from '../verification.repository.js';
import {
  allowedDecision,
  type DecisionRequest,
  type RefusedDecision,
} from './verification-decision.rule.js';
import { toDecision } from './verification-decision.mapper.js';
import type { VerificationDecisionModel } from '../models/release-verification.model.js';
import { VerificationDecisionsRepository } from './verification-decisions.repository.js';

/**
 * What the caller writes with the decision, in its transaction (a Slack click: the update of
 * the message clicked on, through the outbox): both are committed, or neither.
 */
export type DecisionFollowUp = (
  m: EntityManager,
  decided: { readonly decisionId: string; readonly deploymentId: string; readonly at: Date },
) => Promise<void>;

/** Who decided: a token's principal (GraphQL, CLI) or a Slack user (interactive buttons). */
export interface DecisionActor extends Actor {
  /** A signed request's key (Slack: its X-Slack-Signature): a replay of it is refused. */
  readonly requestKey?: string;
}

const isId = (id: string): boolean => /^[1-9][0-9]{0,17}$/.test(id);

const refused = (r: RefusedDecision): DomainError =>
  r.code === 'BAD_USER_INPUT'
    ? badInput(r.message, r.field ? { field: r.field } : undefined)
    : new DomainError(r.code, r.message, { httpStatus: 409 });

/**
 * Human decisions on verifications (docs/verification.md, "Human decisions"): each one checked
 * by `allowedDecision` under the verification's row lock, applied and audited in one
 * transaction; a refused one stores nothing.
 */
@Injectable()
export class VerificationDecisionsService {
  private readonly logger = new Logger('VerificationDecisions');

  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: VerificationDecisionsRepository,
    private readonly verifications: VerificationRepository,
    private readonly verdicts: VerdictService,
    private readonly hooks: DeploymentHooks,
  ) {}

  async decide(
    verificationId: string,
    req: DecisionRequest,
    actor: DecisionActor,
    followUp?: DecisionFollowUp,
    now = new Date(),
  ): Promise<VerificationDecisionModel> {
    if (!isId(verificationId)) throw verificationNotFound(verificationId);
    const { row, transitions } = await this.dataSource.transaction(async (m) => {
      const v = await this.repo.lock(m, verificationId);
      if (!v) throw verificationNotFound(verificationId);
      // under the row lock: a replay sent at once waits here and then finds the first one
      if (actor.requestKey && (await this.repo.seen(m, actor.requestKey))) throw replayedRequest();
      const outcome = allowedDecision(
        {
          kind: v.kind,
          state: v.state,
          mode: v.policy.mode,
          ticking: v.nextTickAt !== null,
          rollbackRequested: v.rollbackRequestedAt !== null,
          timing: v.policy.timing,
          signals: [...v.policy.slis.map((s) => s.name), ...v.policy.checks.map((c) => c.name)],
        },
        req,
      );
      if (!outcome.ok) throw refused(outcome);
      const subject = await this.verifications.subject(v.id, m);
      let transitions: DeploymentTransition[] = [];
      if (req.action === 'APPROVE_ROLLBACK') {
        transitions = await this.verdicts.approveRollback(m, v, subject, now);
      } else if (outcome.verdict) {
        const reason = `marked ${outcome.verdict} by ${actor.name}: ${outcome.reason}`;
        await this.repo.setVerdict(m, v.id, outcome.verdict, reason, now);
        transitions = await this.verdicts.apply(
          m,
          { ...v, state: outcome.verdict, reason },
          subject,
          { state: outcome.verdict, reason, canaryRegressed: false, transientRegressionTicks: 0 },
          now,
          true,
        );
      } else if (outcome.timing) {
        await this.repo.setPolicy(m, v.id, { ...v.policy, timing: outcome.timing }, now);
      }
      const row = await this.repo.insert(m, {
        verificationId: v.id,
        action: req.action,
        stateBefore: v.state,
        stateAfter: outcome.stateAfter,
        sli: req.action === 'DISMISS_SLI_RISK' ? req.sli : null,
        seconds: req.action === 'EXTEND_BAKE' ? req.seconds : null,
        reason: outcome.reason,
        actor: actor.id,
        actorName: actor.name,
        at: now,
        requestKey: actor.requestKey ?? null,
      });
      await followUp?.(m, { decisionId: String(row.id), deploymentId: v.deploymentId, at: now });
      return { row, transitions };
    });
    this.hooks.emitCommitted(transitions);
    this.logger.log(
      `verification ${verificationId}: ${req.action} by ${actor.id} (${actor.name}): ${row.reason}`,
    );
    return toDecision(row);
  }

  async of(verificationId: string): Promise<VerificationDecisionModel[]> {
    return (await this.repo.of(verificationId)).map(toDecision);
  }
}
