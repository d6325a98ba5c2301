import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.schema.js';
import type { DeploymentTransition } from '../ingestion/deployment-hooks.js';
import type { DeploymentEvent, IncidentEvent } from '../ingestion/domain-events.js';
import { IngestionService } from '../ingestion/ingestion.service.js';
import { DeploymentPublisher } from '../remediation/deployment-publisher.js';
import { OutboxService } from '../remediation/outbox.service.js';
import type { ReleaseRef } from '../remediation/remediation-action.js';
import { ReleaseExplanations } from '../remediation/release-explanation.repository.js';
import { planRemediation, type PlanInput } from './analysis/remediation-plan.rule.js';
import { planLateRegression } from './late-watch/late-regression.rule.js';
import { LateWatchRepository } from './late-watch/late-watch.repository.js';
import type { FinalState, VerdictDecision } from './analysis/verdict.rule.js';
import type { ReleaseVerificationEntity } from './release-verification.entity.js';
import { VerificationRepository, type VerificationSubject } from './verification.repository.js';
import { rollbackNotPossible } from './verification.errors.js';
import { recordSpan } from './verification.tracing.js';
import { VerificationPolicyService } from './verification-policy.service.js';

export const VERDICT_SOURCE = 'shipwatch';
const SOURCE = VERDICT_SOURCE;

const releaseRef = (v: ReleaseVerificationEntity, s: VerificationSubject): ReleaseRef => ({
  deploymentId: s.deploymentId,
  service: s.service,
  namespace: s.namespace,
  environment: s.environment,
  version: v.version,
  previousVersion: v.previousVersion,
});

/** What a late regression did (VerdictService.lateRegression). */
export interface LateRegressionOutcome {
  readonly transitions: DeploymentTransition[];
  /** The incident the release is a suspected cause of (null in DRY_RUN mode). */
  readonly incidentId: string | null;
  /** The incident was opened for the late regression (no open incident of the service). */
  readonly incidentOpened: boolean;
  readonly rollbackRequested: boolean;
  readonly rollbackBlocked: string | null;
}

/** The incidents late regressions open when none is open: source `shipwatch`, this prefix. */
export const LATE_REGRESSION_INCIDENT_PREFIX = 'release-late-regression-';

/** The incidents FAILED verdicts open: source `shipwatch`, this prefix and the deployment id. */
export const VERDICT_INCIDENT_PREFIX = 'release-verification-';
const incidentId = (deploymentId: string): string => `${VERDICT_INCIDENT_PREFIX}${deploymentId}`;

/**
 * What a final verdict does, inside the verdict's transaction: the remediation plan's actions go
 * to the outbox (and the verdict to the tools deployments are published to), and the delivery
 * domain hears of it through the ingestion write path — the
 * deployment ROLLED_BACK (enforce mode), an incident caused by it opened, the incident of a
 * remediated release resolved. Returns the deployment transitions to emit after the commit.
 */
@Injectable()
export class VerdictService {
  private readonly logger = new Logger(VerdictService.name);

  constructor(
    private readonly repo: VerificationRepository,
    private readonly policies: VerificationPolicyService,
    private readonly outbox: OutboxService,
    private readonly publisher: DeploymentPublisher,
    private readonly ingestion: IngestionService,
    private readonly explanations: ReleaseExplanations,
    private readonly lateWatch: LateWatchRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async apply(
    m: EntityManager,
    v: ReleaseVerificationEntity,
    subject: VerificationSubject,
    decision: VerdictDecision,
    now: Date,
    byPerson = false,
  ): Promise<DeploymentTransition[]> {
    const state = decision.state as FinalState;
    const healthy = state === 'HEALTHY' || state === 'HEALTHY_LOW_CONFIDENCE';
    // A rollback answers for the release it rolled back; any healthy release resolves the
    // latest unremediated failure of its service (a rollback, a hotfix, a redeploy).
    const remediatedRow = v.remediatesVerificationId
      ? await this.repo.find(v.remediatesVerificationId, m)
      : healthy
        ? await this.repo.latestUnremediatedFailure(
            m,
            v.serviceId,
            v.environmentId,
            v.id,
            v.target ?? null,
          )
        : null;
    const remediated =
      remediatedRow && remediatedRow.remediatedAt === null
        ? { row: remediatedRow, subject: await this.repo.subject(remediatedRow.id, m) }
        : null;
    const spec = v.policy;
    const release = releaseRef(v, subject);
    const generatorUrl = this.evidenceUrl(subject.deploymentId);
    const planned: PlanInput = {
      kind: v.kind,
      state,
      reason: decision.reason,
      canaryRegressed: decision.canaryRegressed,
      ...(await this.planContext(m, v, release, now)),
      startsAt: v.firstFailingAt ?? v.deployFinishedAt,
      generatorUrl,
      // what a page about this release says of it, read in the verdict's transaction and kept in
      // the outbox with the action (every retry sends the same)
      explanation:
        v.kind === 'RELEASE' && !healthy
          ? await this.explanations.explain(m, subject.deploymentId, {
              reason: decision.reason,
              evidenceUrl: generatorUrl,
            })
          : null,
      remediated: remediated
        ? {
            release: releaseRef(remediated.row, remediated.subject),
            state: remediated.row.state as FinalState,
          }
        : null,
    };
    let plan = planRemediation(planned);
    // The rollback first: when the outbox refuses it (allowlist, target check), the verdict is
    // planned again knowing it, so that the alerts say so and the operator is paged.
    const rollback = plan.actions.find((a) => a.kind === 'ROLLBACK');
    const { refused } = rollback ? await this.outbox.enqueue(m, rollback) : { refused: null };
    if (refused) {
      plan = planRemediation({
        ...planned,
        guards: { ...planned.guards, rollbackRefused: refused },
      });
    }
    // an advised rollback waits for a person: the alerts about this release say on what
    const awaits =
      spec.mode === 'ADVISE' &&
      state === 'FAILED' &&
      v.kind === 'RELEASE' &&
      !v.rollbackRequestedAt;
    for (const action of plan.actions) {
      if (action.kind === 'ALERT' && awaits && action.release === release) {
        await this.outbox.enqueue(m, { ...action, awaitsDecision: { verificationId: v.id } });
      } else if (action.kind !== 'ROLLBACK') await this.outbox.enqueue(m, action);
    }
    // to the tools the deployment was published to (PUBLISH_DEPLOYMENTS_TO), if any
    if (v.kind === 'RELEASE') {
      await this.publisher.publishVerdict(m, release, { state, reason: decision.reason, at: now });
    }

    const transitions: DeploymentTransition[] = [];
    if (plan.rollbackRequested) transitions.push(...(await this.rolledBack(m, v, subject, now)));
    if (plan.openIncident) {
      // A person's FAILED: the incident's link to the release is CONFIRMED, not EXPLICIT.
      const opened = await this.ingestion.applyEvent(
        m,
        this.incident(v, subject, decision.reason, now, 'open', byPerson),
      );
      if (byPerson && opened.entityId) {
        await this.repo.linkCause(
          m,
          opened.entityId,
          subject.source,
          subject.externalId,
          'CONFIRMED',
        );
      }
    }
    if (plan.resolveRemediated && remediated) {
      if (remediated.row.incidentOpened) {
        await this.ingestion.applyEvent(
          m,
          this.incident(remediated.row, remediated.subject, decision.reason, now, 'resolve'),
        );
      }
      await this.repo.markRemediated(m, remediated.row.id, now);
    }
    await this.repo.recordOutcome(m, v.id, {
      rollbackRequestedAt: plan.rollbackRequested ? now : null,
      rollbackBlockedReason: plan.rollbackBlocked,
      incidentOpened: plan.openIncident,
    });
    if (refused) {
      this.logger.error(
        `deployment ${subject.deploymentId}: the rollback was refused and the operator paged: ${refused}`,
      );
    } else if (plan.rollbackBlocked && state === 'FAILED') {
      this.logger.warn(
        `deployment ${subject.deploymentId}: no automatic rollback: ${plan.rollbackBlocked}`,
      );
    }
    return transitions;
  }

  /**
   * A person approved the rollback that an ADVISE policy only advised: the ROLLBACK action the
   * verdict would have sent in ENFORCE mode (same idempotency key, same guards), through the
   * outbox in the caller's transaction, and the deployment marked ROLLED_BACK. Throws a coded
   * error, before anything is stored, when the rollback cannot be sent (no target, the previous
   * version unknown or failed itself, the target refused by the outbound allowlist).
   */
  async approveRollback(
    m: EntityManager,
    v: ReleaseVerificationEntity,
    subject: VerificationSubject,
    now: Date,
  ): Promise<DeploymentTransition[]> {
    const plan = planRemediation({
      kind: v.kind,
      state: 'FAILED',
      reason: v.reason ?? 'rollback approved',
      canaryRegressed: false,
      mode: 'ENFORCE',
      release: releaseRef(v, subject),
      rollbackTarget: await this.policies.rollbackTarget(m, v.policyId),
      alertChannels: [],
      guards: {
        alreadyRequested: v.rollbackRequestedAt !== null,
        // a person decides when: no cooldown between rollbacks of the service
        lastRollbackAt: null,
        failedVersions: await this.repo.failedVersions(m, v.serviceId, v.environmentId),
      },
      cooldownSeconds: 0,
      now,
      startsAt: v.firstFailingAt ?? v.deployFinishedAt,
      generatorUrl: this.evidenceUrl(subject.deploymentId),
    });
    const rollback = plan.actions.find((a) => a.kind === 'ROLLBACK');
    if (!rollback) throw rollbackNotPossible(plan.rollbackBlocked ?? 'no rollback planned');
    const { refused } = await this.outbox.enqueue(m, rollback);
    // Thrown: the transaction rolls back, the refused entry with it; nothing is half-applied.
    if (refused) throw rollbackNotPossible(`rollback refused: ${refused}`);
    const transitions = await this.rolledBack(m, v, subject, now);
    await this.repo.recordOutcome(m, v.id, {
      rollbackRequestedAt: now,
      rollbackBlockedReason: null,
      incidentOpened: false,
    });
    return transitions;
  }

  /**
   * A late regression of a HEALTHY release (docs/verification.md "Late regressions"), in the
   * late check's transaction: alerted once per channel, the release attributed as a suspected
   * cause (an INFERRED link) of the open incident of its service and environment, else of an
   * incident opened for it, and rolled back only when the policy asks (ENFORCE, the usual guards).
   */
  async lateRegression(
    m: EntityManager,
    v: ReleaseVerificationEntity,
    subject: VerificationSubject,
    finding: { reason: string; onsetAt: Date },
    now: Date,
  ): Promise<LateRegressionOutcome> {
    const spec = v.policy;
    const release = releaseRef(v, subject);
    const generatorUrl = this.evidenceUrl(subject.deploymentId);
    const planned = {
      reason: finding.reason,
      ...(await this.planContext(m, v, release, now)),
      startsAt: finding.onsetAt,
      generatorUrl,
      explanation:
        spec.mode === 'DRY_RUN'
          ? null
          : await this.explanations.explain(m, subject.deploymentId, {
              reason: finding.reason,
              evidenceUrl: generatorUrl,
            }),
      rollbackWanted: spec.lateRegressionRollback === true,
    };
    let plan = planLateRegression(planned);
    const rollback = plan.actions.find((a) => a.kind === 'ROLLBACK');
    const { refused } = rollback ? await this.outbox.enqueue(m, rollback) : { refused: null };
    if (refused) {
      plan = planLateRegression({
        ...planned,
        guards: { ...planned.guards, rollbackRefused: refused },
      });
    }
    for (const action of plan.actions) {
      if (action.kind !== 'ROLLBACK') await this.outbox.enqueue(m, action);
    }
    let incidentId: string | null = null;
    let incidentOpened = false;
    if (plan.attribute) {
      incidentId = await this.lateWatch.openIncident(m, v.serviceId, v.environmentId, now);
      if (!incidentId) {
        const opened = await this.ingestion.applyEvent(m, {
          type: 'incident',
          envelope: {
            source: SOURCE,
            eventId: `verification:${v.id}:late-regression`,
            occurredAt: now,
          },
          incidentId: `${LATE_REGRESSION_INCIDENT_PREFIX}${subject.deploymentId}`,
          services: [{ name: subject.service, namespace: subject.namespace }],
          environment: { name: subject.environment },
          title: `Late regression of ${subject.service} ${v.version ?? '?'} in ${subject.environment} after its HEALTHY verdict`,
          severity: 'critical',
          url: generatorUrl,
          impactStartedAt: finding.onsetAt,
          detectedAt: now,
        });
        incidentId = opened.entityId ?? null;
        incidentOpened = incidentId !== null;
      }
      if (incidentId) {
        await this.repo.linkCause(m, incidentId, subject.source, subject.externalId, 'INFERRED');
      }
    }
    const transitions = plan.rollbackRequested ? await this.rolledBack(m, v, subject, now) : [];
    if (plan.rollbackRequested) {
      await this.repo.recordOutcome(m, v.id, {
        rollbackRequestedAt: now,
        rollbackBlockedReason: null,
        incidentOpened: false,
      });
    }
    return {
      transitions,
      incidentId,
      incidentOpened,
      rollbackRequested: plan.rollbackRequested,
      rollbackBlocked: plan.rollbackBlocked,
    };
  }

  /** What a plan about this release needs from the policy and the service's history. */
  private async planContext(
    m: EntityManager,
    v: ReleaseVerificationEntity,
    release: ReleaseRef,
    now: Date,
  ) {
    return {
      mode: v.policy.mode,
      release,
      rollbackTarget: await this.policies.rollbackTarget(m, v.policyId),
      alertChannels: v.policy.alertChannels,
      configuredChannels: this.outbox.alertChannels(),
      guards: {
        alreadyRequested: v.rollbackRequestedAt !== null,
        lastRollbackAt: await this.repo.lastRollbackAt(m, v.serviceId, v.environmentId, v.id),
        failedVersions: await this.repo.failedVersions(m, v.serviceId, v.environmentId),
      },
      cooldownSeconds: v.policy.timing.cooldownSeconds,
      now,
    };
  }

  evidenceUrl(deploymentId: string): string {
    const query = `{ releaseVerification(deploymentId: "${deploymentId}") { state reason ticks { number classification reason } } }`;
    return `${this.config.publicUrl}/graphql?query=${encodeURIComponent(query)}`;
  }

  /** The deployment marked ROLLED_BACK through the ingestion write path, and the span. */
  private async rolledBack(
    m: EntityManager,
    v: ReleaseVerificationEntity,
    s: VerificationSubject,
    now: Date,
  ): Promise<DeploymentTransition[]> {
    const event: DeploymentEvent = {
      type: 'deployment',
      envelope: { source: SOURCE, eventId: `verification:${v.id}:rolled-back`, occurredAt: now },
      deploymentSource: s.source,
      deploymentId: s.externalId,
      service: { name: s.service, namespace: s.namespace },
      environment: { name: s.environment },
      status: 'ROLLED_BACK',
    };
    const marked = await this.ingestion.applyEvent(m, event);
    recordSpan({
      name: 'release.rollback',
      traceParent: v.traceParent,
      start: now,
      end: now,
      attributes: {
        'deployment.id': s.deploymentId,
        'service.name': s.service,
        'service.version': v.version ?? '',
        'shipwatch.rollback.to_version': v.previousVersion ?? '',
        'deployment.environment.name': s.environment,
      },
      failed: false,
    });
    return marked.transitions;
  }

  private incident(
    v: ReleaseVerificationEntity,
    s: VerificationSubject,
    reason: string,
    now: Date,
    what: 'open' | 'resolve',
    byPerson = false,
  ): IncidentEvent {
    const base = {
      type: 'incident' as const,
      envelope: {
        source: SOURCE,
        eventId: `verification:${v.id}:incident-${what}`,
        occurredAt: now,
      },
      incidentId: incidentId(s.deploymentId),
      services: [{ name: s.service, namespace: s.namespace }],
      environment: { name: s.environment },
    };
    if (what === 'resolve') return { ...base, mitigatedAt: now, resolvedAt: now };
    return {
      ...base,
      title: `Release ${v.version ?? '?'} of ${s.service} failed verification in ${s.environment}`,
      severity: 'critical',
      url: this.evidenceUrl(s.deploymentId),
      impactStartedAt: v.firstFailingAt ?? v.deployFinishedAt,
      detectedAt: now,
      // a person's verdict names its cause as CONFIRMED afterwards (apply)
      ...(byPerson ? {} : { causedBy: [{ source: s.source, id: s.externalId }] }),
    };
  }
}
