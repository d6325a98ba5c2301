/**
 * Which deployment transitions are published (PUBLISH_DEPLOYMENTS_TO), and as which outbox
 * actions: a deployment of a selected environment that reaches SUCCEEDED, once per deployment and
 * channel (the idempotency key `publish:<deploymentId>:<channel>`). History (a deployment that
 * finished more than PUBLISH_HORIZON_MS ago, e.g. an import) is not published.
 */
import type { DeploymentTransition } from '../ingestion/deployment-hooks.js';
import type { PublishAction, PublishChannel } from './remediation-action.js';

export const PUBLISH_HORIZON_MS = 6 * 60 * 60_000;

export interface PublishSettings {
  readonly channels: readonly PublishChannel[];
  /** Environment names and `tier:<tier>` entries (PUBLISH_DEPLOYMENTS_ENVIRONMENTS). */
  readonly environments: readonly string[];
  /** SHIPWATCH_PUBLIC_URL, for the deployment's link. */
  readonly publicUrl: string;
}

export function environmentSelected(
  environment: { readonly name: string; readonly tier: string | null },
  entries: readonly string[],
): boolean {
  return entries.some((e) =>
    e.startsWith('tier:') ? e.slice(5) === environment.tier : e === environment.name,
  );
}

export function publishes(t: DeploymentTransition, settings: PublishSettings, now: Date): boolean {
  return (
    settings.channels.length > 0 &&
    t.status === 'SUCCEEDED' &&
    t.previousStatus !== 'SUCCEEDED' &&
    t.previousStatus !== 'ROLLED_BACK' &&
    now.getTime() - (t.finishedAt ?? t.occurredAt).getTime() <= PUBLISH_HORIZON_MS &&
    environmentSelected(t.environment, settings.environments)
  );
}

export function shipwatchDeploymentUrl(publicUrl: string, deploymentId: string): string {
  const query = `{ deployment(id: "${deploymentId}") { id externalId version status startedAt finishedAt url } }`;
  return `${publicUrl}/graphql?query=${encodeURIComponent(query)}`;
}

/** What every publication says of its deployment, with its link in Shipwatch. */
function deploymentFacts(
  deploymentId: string,
  f: { commitSha: string | null; startedAt: Date | null; finishedAt: Date; url: string | null },
  publicUrl: string,
): PublishAction['deployment'] {
  return {
    commitSha: f.commitSha,
    startedAt: f.startedAt?.toISOString() ?? null,
    finishedAt: f.finishedAt.toISOString(),
    url: f.url,
    shipwatchUrl: shipwatchDeploymentUrl(publicUrl, deploymentId),
  };
}

/** One action per channel for a transition that `publishes`; `url` is the deployment's own link. */
export function publishActions(
  t: DeploymentTransition,
  url: string | null,
  settings: PublishSettings,
): PublishAction[] {
  return settings.channels.map((channel) => ({
    kind: 'PUBLISH',
    idempotencyKey: `publish:${t.deploymentId}:${channel}`,
    channel,
    release: {
      deploymentId: t.deploymentId,
      service: t.service.name,
      namespace: t.service.namespace,
      environment: t.environment.name,
      version: t.version,
      previousVersion: t.previousVersion,
    },
    deployment: deploymentFacts(
      t.deploymentId,
      {
        commitSha: t.commitSha,
        startedAt: t.startedAt,
        finishedAt: t.finishedAt ?? t.occurredAt,
        url,
      },
      settings.publicUrl,
    ),
  }));
}

/** What a verdict's publication needs of its deployment, as stored. */
export interface VerdictRelease {
  readonly release: PublishAction['release'];
  readonly environmentTier: string;
  readonly commitSha: string | null;
  readonly startedAt: Date | null;
  readonly finishedAt: Date;
  readonly url: string | null;
}

/**
 * One action per channel for a release verdict, when the deployment's environment is selected:
 * once per deployment, channel and verdict (`publish:<deploymentId>:<channel>:<verdict>`), so
 * that an early HEALTHY overturned by its watch publishes both.
 */
export function publishVerdictActions(
  r: VerdictRelease,
  verdict: { readonly state: string; readonly reason: string; readonly at: Date },
  settings: PublishSettings,
): PublishAction[] {
  const environment = { name: r.release.environment, tier: r.environmentTier };
  if (!environmentSelected(environment, settings.environments)) return [];
  return settings.channels.map((channel) => ({
    kind: 'PUBLISH',
    idempotencyKey: `publish:${r.release.deploymentId}:${channel}:${verdict.state}`,
    channel,
    verdict: { state: verdict.state, reason: verdict.reason, at: verdict.at.toISOString() },
    release: r.release,
    deployment: deploymentFacts(r.release.deploymentId, r, settings.publicUrl),
  }));
}
