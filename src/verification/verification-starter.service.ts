import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DeploymentHooks, type DeploymentTransition } from '../ingestion/deployment-hooks.js';
import { effectiveIntervalSeconds } from './analysis/window.rule.js';
import { LateWatchRepository } from './late-watch/late-watch.repository.js';
import { MAX_VERIFICATION_SECONDS, type StoredPolicy } from './verification-policy.js';
import { verificationVerdicts } from './verification.metrics.js';
import { VerificationRepository } from './verification.repository.js';
import { VerificationPolicyService } from './verification-policy.service.js';

/**
 * Starts a verification when a deployment succeeds, inside the ingestion transaction
 * (DeploymentHooks.onTransitions): the deployment and its verification commit together.
 */
@Injectable()
export class VerificationStarter implements OnModuleInit {
  private readonly logger = new Logger(VerificationStarter.name);

  constructor(
    private readonly repo: VerificationRepository,
    private readonly policies: VerificationPolicyService,
    private readonly hooks: DeploymentHooks,
    private readonly lateWatch: LateWatchRepository,
  ) {}

  onModuleInit(): void {
    this.hooks.onTransitions((manager, transitions) =>
      this.onDeploymentTransitions(manager, transitions),
    );
  }

  /**
   * A deployment reached SUCCEEDED: verify it when a policy applies. A newer deployment of the
   * same service and environment supersedes a running verification; a rollback deployment is
   * verified against the period before the release it rolls back. Historical imports (finished
   * longer ago than the maximum verification time) are not verified.
   */
  async onDeploymentTransitions(
    m: EntityManager,
    transitions: readonly DeploymentTransition[],
    now = new Date(),
  ): Promise<void> {
    // History (finished longer ago than any policy verifies) needs no policy lookup.
    const horizon = now.getTime() - MAX_VERIFICATION_SECONDS * 1000;
    const succeeded = transitions.filter(
      (t) =>
        t.status === 'SUCCEEDED' &&
        t.previousStatus !== 'SUCCEEDED' &&
        t.previousStatus !== 'ROLLED_BACK' &&
        (t.finishedAt ?? t.occurredAt).getTime() >= horizon,
    );
    const policies = await this.policies.resolveAll(
      m,
      succeeded.map((t) => ({
        service: t.service.name,
        namespace: t.service.namespace,
        environment: t.environment.name,
        tier: t.environment.tier,
      })),
    );
    for (const [i, t] of succeeded.entries()) {
      // a newer deployment of the service and environment ends the late watch of earlier ones
      await this.lateWatch.supersede(
        m,
        t.service.id,
        t.environment.id,
        {
          deploymentId: t.deploymentId,
          finishedAt: t.finishedAt ?? t.occurredAt,
          target: t.target ?? null,
        },
        now,
      );
      const policy = policies[i];
      if (policy) await this.start(m, t, policy, now);
    }
  }

  private async start(
    m: EntityManager,
    t: DeploymentTransition,
    policy: StoredPolicy,
    now: Date,
  ): Promise<void> {
    const finishedAt = t.finishedAt ?? t.occurredAt;
    const { timing } = policy.spec;
    if (now.getTime() - finishedAt.getTime() > timing.maxVerificationSeconds * 1000) return;
    const startedAt =
      t.startedAt && t.startedAt.getTime() <= finishedAt.getTime() ? t.startedAt : finishedAt;
    const target = t.target ?? null;
    const superseded = await this.repo.supersedeRunning(
      m,
      t.service.id,
      t.environment.id,
      now,
      target,
    );
    for (const _ of superseded) verificationVerdicts.inc({ verdict: 'SUPERSEDED' });
    const rollback = t.kind === 'ROLLBACK';
    const remediated = rollback
      ? await this.repo.latestUnremediatedFailure(
          m,
          t.service.id,
          t.environment.id,
          undefined,
          target,
        )
      : null;
    const id = await this.repo.insert(m, {
      deploymentId: t.deploymentId,
      serviceId: t.service.id,
      environmentId: t.environment.id,
      kind: rollback ? 'ROLLBACK' : 'RELEASE',
      remediatesVerificationId: remediated?.id ?? null,
      version: t.version,
      previousVersion: t.previousVersion,
      target,
      policyId: policy.id,
      policyIsDefault: policy.isDefault,
      policy: policy.spec,
      deployStartedAt: startedAt,
      deployFinishedAt: finishedAt,
      preDeployAnchor: remediated?.deployStartedAt ?? startedAt,
      // Before a rollback's failed release, its previous version served (unknown: any version).
      preDeployVersion: rollback ? (remediated?.previousVersion ?? null) : t.previousVersion,
      nextTickAt: new Date(finishedAt.getTime() + effectiveIntervalSeconds(timing, null) * 1000),
      traceParent: t.traceParent,
      startedAt: now,
      submittedBy: t.submittedBy ?? `source:${t.source}`,
    });
    if (id) {
      this.logger.log(
        `verifying deployment ${t.deploymentId} (${t.service.name} ${t.version ?? '?'} in ${t.environment.name}${target ? ` / ${target}` : ''}, ${policy.isDefault ? 'default policy' : `policy ${policy.id}`}, ${policy.spec.mode})`,
      );
    }
  }
}
