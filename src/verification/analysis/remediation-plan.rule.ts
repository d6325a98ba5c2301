/**
 * What a final verdict asks of remediation and of the delivery domain (rollback-anchors.md §5.4,
 * §5.6): the outbox actions, and whether to mark the deployment rolled back, open or resolve an
 * incident. Pure, with every loop guard explicit, so that the service only executes the plan.
 */
import type {
  AlertChannel,
  AlertSeverity,
  ReleaseRef,
  RemediationAction,
  RollbackTarget,
} from '../../remediation/remediation-action.js';
import type { ReleaseExplanation } from '../../remediation/release-explanation.rule.js';
import type { VerificationMode } from '../verification-policy.js';
import type { FinalState, VerificationKind } from './verdict.rule.js';

export interface RollbackGuards {
  /** A rollback was already requested for this deployment (at most one per deployment). */
  readonly alreadyRequested: boolean;
  /** Latest automatic rollback of the same service and environment (another deployment). */
  readonly lastRollbackAt: Date | null;
  /** Versions of this service and environment that failed verification. */
  readonly failedVersions: readonly string[];
  /**
   * Why the outbox refused the rollback (the outbound allowlist or the target check), when it
   * did: the verdict is planned again with it, so that nothing claims a rollback is under way.
   */
  readonly rollbackRefused?: string | null;
}

export interface PlanInput {
  readonly kind: VerificationKind;
  readonly state: FinalState;
  readonly reason: string;
  readonly canaryRegressed: boolean;
  readonly mode: VerificationMode;
  readonly release: ReleaseRef;
  readonly rollbackTarget: RollbackTarget | null;
  readonly alertChannels: readonly AlertChannel[];
  /** Every alert channel configured in Shipwatch: pages a refused rollback when the policy has none. */
  readonly configuredChannels?: readonly AlertChannel[];
  readonly guards: RollbackGuards;
  readonly cooldownSeconds: number;
  readonly now: Date;
  /** The first failing tick (Alertmanager startsAt). */
  readonly startsAt: Date;
  readonly generatorUrl: string;
  /**
   * A ROLLBACK verification: the release it rolled back; a healthy one: the latest unremediated
   * failed release of the service and environment (its alerts are resolved).
   */
  readonly remediated?: { readonly release: ReleaseRef; readonly state: FinalState } | null;
  /**
   * What the alerts and the rollback about this release say of it (its changes, the reason, the
   * evidence link); not put on alerts about another release.
   */
  readonly explanation?: ReleaseExplanation | null;
}

export interface RemediationPlan {
  readonly actions: RemediationAction[];
  /** A ROLLBACK action is in `actions`. */
  readonly rollbackRequested: boolean;
  /** Why an automatic rollback was wanted but not requested. */
  readonly rollbackBlocked: string | null;
  /** Open an incident caused by this release (FAILED in enforce or advise mode). */
  readonly openIncident: boolean;
  /** Resolve the incident of the remediated release (its rollback verified healthy). */
  readonly resolveRemediated: boolean;
}

/** Verdicts that alert, with their severity; others are informational only. */
function alertFor(
  input: PlanInput,
  rollbackRequested: boolean,
  refused: string | null,
): { severity: AlertSeverity; summary: string } | null {
  const { release: r } = input;
  const what = `${r.service}${r.namespace ? ` (${r.namespace})` : ''} ${r.version ?? '?'} in ${r.environment}`;
  switch (input.state) {
    case 'FAILED':
      if (input.kind === 'ROLLBACK') {
        return {
          severity: 'critical',
          summary: `Rollback of ${what} did not recover: ${input.reason}`,
        };
      }
      return {
        severity: 'critical',
        summary: rollbackRequested
          ? `Release ${what} degraded health and is being rolled back to ${r.previousVersion ?? '?'}: ${input.reason}`
          : refused
            ? `Release ${what} degraded health; the automatic rollback was refused (${refused}): roll back by hand: ${input.reason}`
            : `Release ${what} degraded health; rollback recommended: ${input.reason}`,
      };
    case 'ENV_DEGRADED':
      return {
        severity: input.canaryRegressed ? 'critical' : 'warning',
        summary: `${what}: ${input.reason}`,
      };
    case 'DEGRADED':
      return {
        severity: 'warning',
        summary: `Release ${what} degraded health (ticket): ${input.reason}`,
      };
    case 'INCONCLUSIVE':
      return {
        severity: 'warning',
        summary: `Release ${what} could not be verified: ${input.reason}`,
      };
    case 'HEALTHY':
    case 'HEALTHY_LOW_CONFIDENCE':
    case 'UNVERIFIED':
    case 'SUPERSEDED':
      return null;
  }
}

export function rollbackBlockedReason(input: PlanInput): string | null {
  const { guards, release } = input;
  if (input.mode !== 'ENFORCE') return `mode ${input.mode}`;
  if (!input.rollbackTarget) return 'no rollback target configured';
  if (guards.rollbackRefused) return `rollback refused: ${guards.rollbackRefused}`;
  if (guards.alreadyRequested) return 'a rollback was already requested for this deployment';
  if (!release.previousVersion) return 'the previous version is unknown';
  if (guards.failedVersions.includes(release.previousVersion)) {
    return `the previous version ${release.previousVersion} failed verification itself`;
  }
  if (
    guards.lastRollbackAt &&
    input.now.getTime() - guards.lastRollbackAt.getTime() < input.cooldownSeconds * 1000
  ) {
    return `another automatic rollback of this service ran at ${guards.lastRollbackAt.toISOString()} (cooldown ${input.cooldownSeconds}s)`;
  }
  return null;
}

const explained = (input: PlanInput): { explanation?: ReleaseExplanation } =>
  input.explanation ? { explanation: input.explanation } : {};

export function planRemediation(input: PlanInput): RemediationPlan {
  const none: RemediationPlan = {
    actions: [],
    rollbackRequested: false,
    rollbackBlocked: null,
    openIncident: false,
    resolveRemediated: false,
  };
  if (input.mode === 'DRY_RUN') {
    return {
      ...none,
      rollbackBlocked: input.state === 'FAILED' && input.kind === 'RELEASE' ? 'mode DRY_RUN' : null,
    };
  }
  const { release } = input;
  const actions: RemediationAction[] = [];
  const wantsRollback = input.state === 'FAILED' && input.kind === 'RELEASE';
  const blocked = wantsRollback ? rollbackBlockedReason(input) : null;
  const rollbackRequested = wantsRollback && blocked === null;
  if (rollbackRequested) {
    actions.push({
      kind: 'ROLLBACK',
      idempotencyKey: `rollback:${release.deploymentId}`,
      release,
      toVersion: release.previousVersion!,
      reason: input.reason,
      target: input.rollbackTarget!,
      ...explained(input),
    });
  }
  const refused = wantsRollback ? (input.guards.rollbackRefused ?? null) : null;
  const alert = alertFor(input, rollbackRequested, refused);
  if (alert) {
    const verdict = input.kind === 'ROLLBACK' ? 'ROLLBACK_NOT_RECOVERED' : input.state;
    const subject =
      input.kind === 'ROLLBACK' && input.remediated ? input.remediated.release : release;
    for (const channel of input.alertChannels) {
      actions.push({
        kind: 'ALERT',
        idempotencyKey: `alert:${subject.deploymentId}:${verdict}:FIRING:${channel}`,
        channel,
        state: 'FIRING',
        release: subject,
        verdict,
        severity: alert.severity,
        summary: alert.summary,
        generatorUrl: input.generatorUrl,
        startsAt: input.startsAt,
        ...(subject === release ? explained(input) : {}),
      });
    }
  }
  if (refused) {
    // A rollback Shipwatch wanted and may not send pages the operator, not only a log line.
    const channels =
      input.alertChannels.length > 0 ? input.alertChannels : (input.configuredChannels ?? []);
    for (const channel of channels) {
      actions.push({
        kind: 'ALERT',
        idempotencyKey: `alert:${release.deploymentId}:ROLLBACK_BLOCKED:FIRING:${channel}`,
        channel,
        state: 'FIRING',
        release,
        verdict: 'ROLLBACK_BLOCKED',
        severity: 'critical',
        ...explained(input),
        summary: `Shipwatch could not request the rollback of ${release.service} ${release.version ?? '?'} in ${release.environment}: ${refused}. Roll back by hand, then fix the policy's rollback target or SHIPWATCH_OUTBOUND_ALLOWED_HOSTS.`,
        generatorUrl: input.generatorUrl,
        startsAt: input.startsAt,
      });
    }
  }
  const healthy = input.state === 'HEALTHY' || input.state === 'HEALTHY_LOW_CONFIDENCE';
  // A healthy rollback (or hotfix, redeploy) after a failed release resolves that failure.
  const resolveRemediated = healthy && input.remediated?.state === 'FAILED';
  if (resolveRemediated && input.remediated) {
    for (const channel of input.alertChannels) {
      actions.push({
        kind: 'ALERT',
        idempotencyKey: `alert:${input.remediated.release.deploymentId}:FAILED:RESOLVED:${channel}`,
        channel,
        state: 'RESOLVED',
        release: input.remediated.release,
        verdict: 'FAILED',
        severity: 'critical', // as when firing: Alertmanager matches the resolve by its labels
        summary: `Rollback of ${input.remediated.release.service} in ${input.remediated.release.environment} verified healthy: ${input.reason}`,
        generatorUrl: input.generatorUrl,
        startsAt: input.startsAt,
      });
    }
  }
  return {
    actions,
    rollbackRequested,
    rollbackBlocked: blocked,
    openIncident: wantsRollback,
    resolveRemediated,
  };
}
