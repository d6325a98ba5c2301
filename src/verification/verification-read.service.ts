import { Injectable } from '@nestjs/common';
import type { RollbackTarget } from '../remediation/remediation-action.js';
import { secretReferenceOf } from '../remediation/rollback-target.rule.js';
import type {
  ReleaseVerificationModel,
  VerificationKindEnum,
  VerificationStateEnum,
} from './models/release-verification.model.js';
import type {
  AlertChannelEnum,
  RollbackTargetKindEnum,
  RollbackTargetSummaryModel,
  VerificationModeEnum,
  VerificationPolicyModel,
} from './models/verification-policy.model.js';
import { toDecision } from './decisions/verification-decision.mapper.js';
import { VerificationDecisionsRepository } from './decisions/verification-decisions.repository.js';
import type { ReleaseVerificationEntity } from './release-verification.entity.js';
import { VerificationRepository } from './verification.repository.js';
import { storedTickModel } from './verification-tick.mapper.js';
import type { VerificationPolicyEntity } from './verification-policy.entity.js';
import {
  analysisWithDefaults,
  checkWithDefaults,
  timingWithDefaults,
} from './verification-policy.js';

/** Never shows a secret or token: only where the rollback goes. */
export function targetSummary(t: RollbackTarget | null): RollbackTargetSummaryModel | null {
  if (!t) return null;
  const base = {
    kind: t.kind as RollbackTargetKindEnum,
    url: null,
    repository: null,
    workflow: null,
    ref: null,
    projectId: null,
    eventType: null,
    secretFromEnv: secretReferenceOf(t)?.env ?? null,
  };
  switch (t.kind) {
    case 'WEBHOOK':
      return { ...base, url: t.url };
    case 'GITHUB_REPOSITORY_DISPATCH':
      return {
        ...base,
        url: t.apiUrl ?? null,
        repository: t.repository,
        eventType: t.eventType ?? null,
      };
    case 'GITHUB_WORKFLOW_DISPATCH':
      return {
        ...base,
        url: t.apiUrl ?? null,
        repository: t.repository,
        workflow: t.workflow,
        ref: t.ref,
      };
    case 'GITLAB_PIPELINE_TRIGGER':
      return { ...base, url: t.apiUrl ?? null, projectId: t.projectId, ref: t.ref };
  }
}

export function policyModel(e: VerificationPolicyEntity): VerificationPolicyModel {
  return {
    id: e.id,
    service: e.service,
    namespace: e.namespace,
    environment: e.environment,
    mode: e.mode as VerificationModeEnum,
    slis: e.slis,
    checks: e.checks.map(checkWithDefaults),
    timing: timingWithDefaults(e.timing),
    analysis: analysisWithDefaults(e.analysis),
    rollbackTarget: targetSummary(e.rollbackTarget),
    alertChannels: e.alertChannels as AlertChannelEnum[],
    lateRegressionRollback: e.lateRegressionRollback,
    targetLabel: e.targetLabel ?? null,
    isDefault: false,
    updatedAt: e.updatedAt,
  };
}

/** The read side: a deployment's verification with its ticks and evidence. */
@Injectable()
export class VerificationReadService {
  constructor(
    private readonly repo: VerificationRepository,
    private readonly decisions: VerificationDecisionsRepository,
  ) {}

  async byDeployment(deploymentId: string): Promise<ReleaseVerificationModel | null> {
    const v = await this.repo.findByDeployment(deploymentId);
    return v ? this.model(v) : null;
  }

  async byId(id: string): Promise<ReleaseVerificationModel | null> {
    const v = /^\d{1,18}$/.test(id) ? await this.repo.find(id) : null;
    return v ? this.model(v) : null;
  }

  private async model(v: ReleaseVerificationEntity): Promise<ReleaseVerificationModel> {
    const [subject, ticks, remediated, decisions] = await Promise.all([
      this.repo.subject(v.id),
      this.repo.ticks(v.id),
      v.remediatesVerificationId
        ? this.repo.find(v.remediatesVerificationId)
        : Promise.resolve(null),
      this.decisions.of(v.id),
    ]);
    const state = v.state as VerificationStateEnum;
    return {
      id: v.id,
      deploymentId: v.deploymentId,
      kind: v.kind as VerificationKindEnum,
      state,
      verdict: v.state === 'RUNNING' ? null : state,
      reason: v.reason,
      service: subject.service,
      namespace: subject.namespace,
      environment: subject.environment,
      version: v.version,
      previousVersion: v.previousVersion,
      target: v.target ?? null,
      policy: {
        id: v.policyId,
        isDefault: v.policyIsDefault,
        mode: v.policy.mode as VerificationModeEnum,
        slis: [...v.policy.slis],
        checks: v.policy.checks.map((c) => c.name),
        timing: timingWithDefaults(v.policy.timing),
      },
      baselineKind: v.baselineKind,
      startedAt: v.startedAt,
      finishedAt: v.finishedAt,
      nextTickAt: v.nextTickAt,
      watching: v.state !== 'RUNNING' && v.nextTickAt !== null,
      deployFinishedAt: v.deployFinishedAt,
      rollbackRequestedAt: v.rollbackRequestedAt,
      rollbackBlockedReason: v.rollbackBlockedReason,
      remediatedAt: v.remediatedAt,
      remediatesDeploymentId: remediated?.deploymentId ?? null,
      ticks: ticks.map(storedTickModel),
      decisions: decisions.map(toDecision),
    };
  }
}
