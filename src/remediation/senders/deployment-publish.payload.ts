/**
 * What a published deployment looks like in each tool: pure builders, unit-tested against the
 * documented shapes.
 *
 * - PagerDuty change event, Events API v2 "Send a Change Event"
 *   (developer.pagerduty.com/docs/events-api-v2/send-change-events, PagerDuty/developer-docs
 *   docs/events-API-v2/03-Change-Events.md): `POST https://events.pagerduty.com/v2/change/enqueue`
 *   with `routing_key` (required), `payload.summary` (required, at most 1024 characters),
 *   `payload.source`, `payload.timestamp`, `payload.custom_details`, and `links` (`href`
 *   required, `text` optional). Change events have no dedup_key and open no incident.
 * - Grafana annotation, HTTP API "Create Annotation"
 *   (grafana.com/docs/grafana/latest/developers/http_api/annotations/): `POST /api/annotations`
 *   with `time` and `timeEnd` in epoch milliseconds, `tags` and `text`; without `dashboardUID`
 *   it is an organization annotation, shown on any dashboard whose "Annotations & Alerts"
 *   query filters by its tags. Authenticated with a service account token as `Bearer`.
 * - Slack incoming webhook: `text` (the notification fallback) and `blocks`, as for alerts.
 *
 * A verdict is published the same way: the change event and the message say "verified <verdict>:
 * <reason>", the annotation is a point at the verdict's time tagged `verdict` and
 * `verdict:<state>` instead of `deployment`.
 */
import type { PublishAction } from '../remediation-action.js';
import { escapeSlack } from './slack.payload.js';

export interface PagerDutyChangeEvent {
  readonly routing_key: string;
  readonly payload: {
    readonly summary: string;
    readonly source: string;
    readonly timestamp: string;
    readonly custom_details: Record<string, string | null>;
  };
  readonly links: readonly { readonly href: string; readonly text: string }[];
}

export interface GrafanaAnnotation {
  readonly time: number;
  readonly timeEnd: number;
  readonly tags: readonly string[];
  readonly text: string;
}

const serviceName = (a: PublishAction): string =>
  a.release.namespace ? `${a.release.namespace}/${a.release.service}` : a.release.service;

/** "Deployed shop/checkout 1.4.2 to production (from 1.4.1)". */
export function deploymentHeadline(a: PublishAction): string {
  const r = a.release;
  const from = r.previousVersion ? ` (from ${r.previousVersion})` : '';
  return `Deployed ${serviceName(a)} ${r.version ?? '(unknown version)'} to ${r.environment}${from}`;
}

/** "Release shop/checkout 1.4.2 in production verified FAILED: <reason>". */
export function verdictHeadline(a: PublishAction): string {
  const r = a.release;
  const v = a.verdict!;
  return `Release ${serviceName(a)} ${r.version ?? '(unknown version)'} in ${r.environment} verified ${v.state}: ${v.reason}`;
}

/** The headline of what the action publishes: the deployment, or its verdict. */
const headline = (a: PublishAction): string =>
  a.verdict ? verdictHeadline(a) : deploymentHeadline(a);

/** `<events base>/v2/change/enqueue` beside PAGERDUTY_EVENTS_URL (`<events base>/v2/enqueue`). */
export function pagerdutyChangeUrl(eventsUrl: string): string {
  const url = new URL(eventsUrl);
  if (!/\/v2\/enqueue$/.test(url.pathname)) {
    throw new Error('PAGERDUTY_EVENTS_URL does not end with /v2/enqueue');
  }
  url.pathname = url.pathname.replace(/\/v2\/enqueue$/, '/v2/change/enqueue');
  return url.toString();
}

function links(a: PublishAction): { href: string; text: string }[] {
  return [
    { href: a.deployment.shipwatchUrl, text: 'Deployment in Shipwatch' },
    ...(a.deployment.url ? [{ href: a.deployment.url, text: 'Deployment run' }] : []),
  ];
}

export function pagerdutyChangeEvent(a: PublishAction, routingKey: string): PagerDutyChangeEvent {
  const r = a.release;
  return {
    routing_key: routingKey,
    payload: {
      summary: headline(a).slice(0, 1024),
      source: serviceName(a),
      timestamp: a.verdict?.at ?? a.deployment.finishedAt,
      custom_details: {
        ...(a.verdict ? { verdict: a.verdict.state, verdict_reason: a.verdict.reason } : {}),
        service: r.service,
        namespace: r.namespace,
        environment: r.environment,
        version: r.version,
        previous_version: r.previousVersion,
        commit: a.deployment.commitSha,
        deployment_id: r.deploymentId,
        deployment_url: a.deployment.url ?? a.deployment.shipwatchUrl,
      },
    },
    links: links(a),
  };
}

export function grafanaAnnotation(a: PublishAction): GrafanaAnnotation {
  const r = a.release;
  const end = Date.parse(a.deployment.finishedAt);
  const start = a.deployment.startedAt ? Date.parse(a.deployment.startedAt) : end;
  const commit = a.deployment.commitSha ? `, commit ${a.deployment.commitSha.slice(0, 12)}` : '';
  const tags = [
    `service:${r.service}`,
    ...(r.namespace ? [`namespace:${r.namespace}`] : []),
    `env:${r.environment}`,
    ...(r.version ? [`version:${r.version}`] : []),
  ];
  if (a.verdict) {
    // a point in time: when the verdict was reached
    const at = Date.parse(a.verdict.at);
    return {
      time: at,
      timeEnd: at,
      tags: ['verdict', `verdict:${a.verdict.state}`, ...tags],
      text: `${verdictHeadline(a)}. <a href="${a.deployment.shipwatchUrl}">Shipwatch</a>`,
    };
  }
  return {
    time: Math.min(start, end),
    timeEnd: end,
    tags: ['deployment', ...tags],
    text: `${deploymentHeadline(a)}${commit}. <a href="${a.deployment.shipwatchUrl}">Shipwatch</a>`,
  };
}

const VERDICT_EMOJI: Readonly<Record<string, string>> = {
  HEALTHY: ':white_check_mark:',
  HEALTHY_LOW_CONFIDENCE: ':white_check_mark:',
  DEGRADED: ':warning:',
  ENV_DEGRADED: ':warning:',
  FAILED: ':rotating_light:',
};

export function deploymentSlackMessage(a: PublishAction): {
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
} {
  const text = `${a.verdict ? (VERDICT_EMOJI[a.verdict.state] ?? ':grey_question:') : ':rocket:'} ${escapeSlack(headline(a))}`;
  const context = [
    ...links(a).map((l) => `<${l.href}|${l.text}>`),
    `deployment ${a.release.deploymentId}`,
    ...(a.deployment.commitSha ? [`commit ${a.deployment.commitSha.slice(0, 12)}`] : []),
  ];
  const linkCount = links(a).length;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      {
        type: 'context',
        elements: context.map((c, i) => ({
          type: 'mrkdwn',
          // links keep their <url|label> brackets
          text: i < linkCount ? c : escapeSlack(c),
        })),
      },
    ],
  };
}
