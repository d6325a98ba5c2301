/**
 * PagerDuty Events API v2 (`POST /v2/enqueue`): one incident per deployment (dedup_key), opened
 * by `trigger` and closed by `resolve` with the same dedup_key and routing key.
 */
import type { ReleaseRef } from '../remediation-action.js';
import { changesetSummary, type ReleaseExplanation } from '../release-explanation.rule.js';
import type { AlertAction } from './outbound-request.js';

export interface PagerDutyEvent {
  readonly routing_key: string;
  readonly event_action: 'trigger' | 'resolve';
  readonly dedup_key: string;
  readonly payload?: {
    readonly summary: string;
    readonly source: string;
    readonly severity: 'critical' | 'error' | 'warning' | 'info';
    readonly timestamp: string;
    readonly component: string;
    readonly group: string;
    readonly class: string;
    readonly custom_details: Record<string, unknown>;
  };
  readonly links?: readonly { readonly href: string; readonly text: string }[];
  readonly client?: string;
  readonly client_url?: string;
}

/** At most 255 characters (PagerDuty's limit); the deployment id keeps it unique. */
export function pagerdutyDedupKey(release: ReleaseRef): string {
  return `shipwatch/release/${release.deploymentId}`.slice(0, 255);
}

/**
 * The explanation in custom_details (PagerDuty shows it as a table; nested values as JSON):
 * `reason`, `evidence`, `changeset` and `changes` (newest first, at most 20, `more_changes`
 * counts the others), and the pull requests as links.
 */
export function explanationDetails(e: ReleaseExplanation): {
  details: Record<string, unknown>;
  links: { href: string; text: string }[];
} {
  return {
    details: {
      reason: e.reason,
      evidence: e.evidenceUrl,
      changeset: changesetSummary(e),
      changes: e.changeset.changes.map((c) => ({
        pull_request: c.pullRequest,
        title: c.title,
        url: c.url,
        author: c.author,
        sha: c.sha,
        lead_time: c.leadTime,
        lead_time_seconds: c.leadTimeSeconds,
      })),
      more_changes: e.changeset.more,
    },
    links: e.changeset.changes.flatMap((c) =>
      c.url
        ? [
            {
              href: c.url,
              text: `${c.pullRequest ? `#${c.pullRequest} ` : ''}${c.title ?? c.sha}`.slice(0, 256),
            },
          ]
        : [],
    ),
  };
}

export function pagerdutyEvent(action: AlertAction, routingKey: string): PagerDutyEvent {
  const dedupKey = pagerdutyDedupKey(action.release);
  if (action.state === 'RESOLVED') {
    return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
  }
  const r = action.release;
  const service = r.namespace ? `${r.namespace}/${r.service}` : r.service;
  const explained = action.explanation ? explanationDetails(action.explanation) : null;
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary:
        `[${action.verdict}] ${service} ${r.version ?? ''} in ${r.environment}: ${action.summary}`
          .replace(/\s+/g, ' ')
          .slice(0, 1024),
      source: 'shipwatch',
      severity: action.severity,
      timestamp: action.startsAt.toISOString(),
      component: service,
      group: r.environment,
      class: action.verdict,
      custom_details: {
        deployment_id: r.deploymentId,
        version: r.version,
        previous_version: r.previousVersion,
        verdict: action.verdict,
        summary: action.summary,
        ...explained?.details,
      },
    },
    links: [
      { href: action.generatorUrl, text: 'Release verification evidence' },
      ...(explained?.links ?? []),
    ],
    client: 'Shipwatch',
    client_url: action.generatorUrl,
  };
}
