/**
 * What verification asks remediation to do. Verification writes actions into the outbox in the
 * same transaction as its verdict (OutboxService.enqueue(manager, action)); any replica delivers
 * them later with retries. `idempotencyKey` is unique: enqueueing the same key twice is a no-op,
 * and it is sent to the receiver (Idempotency-Key header / dedup_key) so retries are harmless.
 */

import type { ReleaseExplanation } from './release-explanation.rule.js';

export interface ReleaseRef {
  readonly deploymentId: string;
  readonly service: string;
  readonly namespace: string;
  readonly environment: string;
  readonly version: string | null;
  readonly previousVersion: string | null;
}

/**
 * A secret given by reference: the name of an environment variable of the Shipwatch server, read
 * when the rollback is requested (a stored target keeps the reference, never the value).
 */
export interface SecretReference {
  readonly env: string;
}

/**
 * Where a rollback is requested. The secret (WEBHOOK) or token (the others) is stored inline, or
 * referenced by `secretFrom`/`tokenFrom` and filled in from the environment when a verdict reads
 * the target (`resolveTargetSecret`).
 */
export type RollbackTarget =
  | {
      readonly kind: 'WEBHOOK';
      readonly url: string;
      readonly secret: string;
      readonly secretFrom?: SecretReference;
    }
  | {
      readonly kind: 'GITHUB_REPOSITORY_DISPATCH';
      readonly repository: string; // owner/name
      readonly token: string;
      readonly tokenFrom?: SecretReference;
      readonly eventType?: string; // default shipwatch-rollback
      readonly apiUrl?: string; // default https://api.github.com
    }
  | {
      readonly kind: 'GITHUB_WORKFLOW_DISPATCH';
      readonly repository: string;
      readonly workflow: string; // file name or id
      readonly ref: string;
      readonly token: string;
      readonly tokenFrom?: SecretReference;
      readonly apiUrl?: string;
    }
  | {
      readonly kind: 'GITLAB_PIPELINE_TRIGGER';
      readonly projectId: string;
      readonly ref: string;
      readonly token: string;
      readonly tokenFrom?: SecretReference;
      readonly apiUrl?: string; // default https://gitlab.com/api/v4
    };

export type AlertChannel = 'ALERTMANAGER' | 'SLACK' | 'PAGERDUTY';

export type AlertSeverity = 'critical' | 'warning' | 'info';

export type RemediationAction =
  | {
      readonly kind: 'ROLLBACK';
      readonly idempotencyKey: string; // e.g. rollback:<deploymentId>
      readonly release: ReleaseRef;
      /** The version to go back to (never one that failed verification). */
      readonly toVersion: string;
      readonly reason: string;
      readonly target: RollbackTarget;
      /** The release's changes, the verdict's reason and the evidence link, as at the verdict. */
      readonly explanation?: ReleaseExplanation;
    }
  | {
      readonly kind: 'ALERT';
      readonly idempotencyKey: string; // e.g. alert:<deploymentId>:<state>:<channel>
      readonly channel: AlertChannel;
      readonly state: 'FIRING' | 'RESOLVED';
      readonly release: ReleaseRef;
      /** FAILED, DEGRADED, INCONCLUSIVE, HEALTHY ... the verdict that triggered the alert. */
      readonly verdict: string;
      readonly severity: AlertSeverity;
      readonly summary: string;
      /** Link to the evidence (Shipwatch GraphQL/Grafana). */
      readonly generatorUrl: string;
      /** When the problem started (Alertmanager startsAt). */
      readonly startsAt: Date;
      /** Of a firing alert about this release: its changes, the reason, the evidence link. */
      readonly explanation?: ReleaseExplanation;
      /**
       * A FAILED release whose policy only advises a rollback: the verification a person decides
       * on (Slack shows Approve rollback / Mark healthy buttons carrying its id).
       */
      readonly awaitsDecision?: { readonly verificationId: string };
    };

/** Where a deployment is published (PUBLISH_DEPLOYMENTS_TO). */
export const PUBLISH_CHANNELS = ['PAGERDUTY', 'GRAFANA', 'SLACK'] as const;
export type PublishChannel = (typeof PUBLISH_CHANNELS)[number];

/**
 * A production deployment published to a tool (a PagerDuty change event, a Grafana annotation,
 * a Slack message), and later its release verdict. Written by DeploymentPublisher in the
 * ingestion transaction of the deployment, or in the verdict's transaction.
 */
export interface PublishAction {
  readonly kind: 'PUBLISH';
  readonly idempotencyKey: string; // publish:<deploymentId>:<channel>[:<verdict>]
  /** The release verdict published, when this publishes one (not the deployment). */
  readonly verdict?: {
    readonly state: string;
    readonly reason: string;
    readonly at: string; // ISO
  };
  readonly channel: PublishChannel;
  readonly release: ReleaseRef;
  readonly deployment: {
    readonly commitSha: string | null;
    readonly startedAt: string | null; // ISO
    readonly finishedAt: string; // ISO
    /** The deployment's own link (its CI/CD run), when the events gave one. */
    readonly url: string | null;
    /** The deployment in Shipwatch (GraphQL). */
    readonly shipwatchUrl: string;
  };
}

/** Every action the outbox delivers. */
export type OutboxAction = RemediationAction | PublishAction;
