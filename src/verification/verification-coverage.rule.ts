/**
 * Whether a deployment's release is verified and, when it is not, why — so that a pipeline gate
 * never reads "no verification" as "passed", and says the real cause. Pure: the facts and `now`
 * are passed in.
 */
import type { EnvironmentTier } from '../ingestion/domain-events.js';

export const NOT_VERIFIED_REASONS = [
  /** PROMETHEUS_URL is unset: nothing can be judged, even under a saved policy. */
  'PROMETHEUS_NOT_CONFIGURED',
  /** No saved policy, and the default one covers production-tier environments only. */
  'NO_POLICY',
  /** Still QUEUED or IN_PROGRESS: verification starts when it succeeds. */
  'NOT_FINISHED',
  /** FAILED, CANCELLED or ROLLED_BACK without a verification: it never reached users as a release. */
  'DEPLOYMENT_NOT_SUCCEEDED',
  /** It finished longer before it was reported than the policy verifies (a history import). */
  'FINISHED_TOO_LONG_AGO',
  /** A policy applies now but did not when it succeeded (saved, or Prometheus set, later). */
  'NOT_STARTED',
] as const;
export type NotVerifiedReason = (typeof NOT_VERIFIED_REASONS)[number];

export interface CoverageFacts {
  readonly prometheusConfigured: boolean;
  /** A release verification exists for the deployment. */
  readonly verified: boolean;
  readonly deployment: {
    readonly status: string;
    readonly finishedAt: Date | null;
    readonly service: string;
    readonly environment: string;
    readonly tier: EnvironmentTier;
  };
  /** The maximum verification time of the policy that applies now (saved or default), or null. */
  readonly policyMaxVerificationSeconds: number | null;
  /** Whether that policy is a saved one (else the default one, or none). */
  readonly savedPolicy: boolean;
  readonly now: Date;
}

export interface Coverage {
  readonly reason: NotVerifiedReason | null;
  readonly message: string;
}

export function verificationCoverage(f: CoverageFacts): Coverage {
  const d = f.deployment;
  const release = `${d.service} in ${d.environment}`;
  if (!f.prometheusConfigured) {
    return {
      reason: 'PROMETHEUS_NOT_CONFIGURED',
      message: `this Shipwatch has no Prometheus (PROMETHEUS_URL is not set): it cannot judge ${release} or any release`,
    };
  }
  if (f.verified) return { reason: null, message: `${release} is verified` };
  if (d.status === 'QUEUED' || d.status === 'IN_PROGRESS') {
    return {
      reason: 'NOT_FINISHED',
      message: `the deployment is ${d.status}: verification starts when it SUCCEEDED`,
    };
  }
  if (d.status !== 'SUCCEEDED') {
    return {
      reason: 'DEPLOYMENT_NOT_SUCCEEDED',
      message: `the deployment is ${d.status}: the release never reached users`,
    };
  }
  if (f.policyMaxVerificationSeconds === null) {
    return {
      reason: 'NO_POLICY',
      message: f.savedPolicy
        ? `no verification policy applies to ${release}`
        : `no verification policy is saved for ${release}, and the default policy covers production-tier environments only (${d.environment} is ${d.tier})`,
    };
  }
  const finishedAt = d.finishedAt ?? f.now;
  if (f.now.getTime() - finishedAt.getTime() > f.policyMaxVerificationSeconds * 1000) {
    return {
      reason: 'FINISHED_TOO_LONG_AGO',
      message: `the deployment finished at ${finishedAt.toISOString()}, more than the ${f.savedPolicy ? 'policy' : 'default policy'}'s maximum verification time (${f.policyMaxVerificationSeconds}s) ago: history is not verified`,
    };
  }
  return {
    reason: 'NOT_STARTED',
    message: `a ${f.savedPolicy ? 'saved' : 'default'} policy applies to ${release} now, but none did when the deployment succeeded (saved, or PROMETHEUS_URL set, later)`,
  };
}
