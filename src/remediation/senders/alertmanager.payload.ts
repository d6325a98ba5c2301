/**
 * Alertmanager API v2: `POST /api/v2/alerts` with a JSON array of postable alerts
 * (prometheus/alertmanager api/v2/openapi.yaml). Labels identify an alert, annotations are
 * replaced by the latest post. A firing alert is posted without endsAt (Alertmanager then applies
 * its resolve_timeout, and Shipwatch re-posts active alerts every minute); it is resolved by
 * posting the same labels with endsAt = now.
 */
import {
  changeLine,
  changesetSummary,
  type ReleaseExplanation,
} from '../release-explanation.rule.js';
import {
  jsonHeaders,
  type AlertAction,
  type DeliveryContext,
  type OutboundRequest,
} from './outbound-request.js';

export interface PostableAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt?: string;
  readonly generatorURL: string;
}

const ALERT_NAMES: Readonly<Record<string, string>> = {
  FAILED: 'ReleaseVerificationFailed',
  ROLLED_BACK: 'ReleaseRollbackExecuted',
  DEGRADED: 'ReleaseRegression',
  ENV_DEGRADED: 'ReleaseEnvironmentDegraded',
  INCONCLUSIVE: 'ReleaseVerificationInconclusive',
  ROLLBACK_NOT_RECOVERED: 'ReleaseRollbackNotRecovered',
  ROLLBACK_BLOCKED: 'ReleaseRollbackBlocked',
};

/** `alertname` of a verdict: the known ones by name, others as Release<PascalCase>. */
export function alertName(verdict: string): string {
  const known = ALERT_NAMES[verdict];
  if (known) return known;
  const pascal = verdict
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '')
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
  return `Release${pascal || 'Verification'}`;
}

export function alertmanagerLabels(action: AlertAction): Record<string, string> {
  const r = action.release;
  const labels: Record<string, string> = {
    alertname: alertName(action.verdict),
    service: r.service,
    environment: r.environment,
    version: r.version ?? '',
    verdict: action.verdict,
    severity: action.severity,
    deployment_id: r.deploymentId,
  };
  if (r.namespace !== '') labels.namespace = r.namespace;
  if (r.previousVersion) labels.previous_version = r.previousVersion;
  if (labels.version === '') delete labels.version;
  return labels;
}

/** Characters of the `changes` annotation (Alertmanager keeps it in memory and in templates). */
export const MAX_CHANGES_ANNOTATION = 4_000;

/**
 * The release's explanation as annotations (never labels: labels identify and group the alert):
 * `reason`, `evidence`, `changeset` (how many changes) and `changes`, one line per change, newest
 * first, cut at a whole line so that it stays under MAX_CHANGES_ANNOTATION characters.
 */
export function explanationAnnotations(e: ReleaseExplanation): Record<string, string> {
  const lines: string[] = [];
  let length = 0;
  let left = e.changeset.total;
  for (const c of e.changeset.changes) {
    const line = changeLine(c);
    const tail = `… and ${left} more`;
    if (length + line.length + 1 + tail.length > MAX_CHANGES_ANNOTATION) break;
    lines.push(line);
    length += line.length + 1;
    left -= 1;
  }
  if (left > 0) lines.push(`… and ${left} more`);
  return {
    reason: e.reason,
    evidence: e.evidenceUrl,
    changeset: changesetSummary(e),
    ...(lines.length > 0 ? { changes: lines.join('\n') } : {}),
  };
}

/** The alert as posted while it fires. */
export function firingAlert(action: AlertAction): PostableAlert {
  const r = action.release;
  const name = r.namespace ? `${r.namespace}/${r.service}` : r.service;
  return {
    labels: alertmanagerLabels(action),
    annotations: {
      summary: action.summary,
      description:
        `Release verification of ${name} ${r.version ?? '(unknown version)'} in ${r.environment} ` +
        `is ${action.verdict}` +
        (r.previousVersion ? ` (previous version ${r.previousVersion})` : '') +
        `. ${action.summary}`,
      ...(action.explanation ? explanationAnnotations(action.explanation) : {}),
    },
    startsAt: action.startsAt.toISOString(),
    generatorURL: action.generatorUrl,
  };
}

/**
 * The alerts to post for an action. RESOLVED repeats the labels of the alerts that fired for the
 * deployment (`firing`, read from the outbox when the resolve was enqueued) with endsAt = now;
 * without them it resolves the alert its own labels describe.
 */
export function alertmanagerAlerts(
  action: AlertAction,
  firing: readonly PostableAlert[] | undefined,
  ctx: Pick<DeliveryContext, 'sentAt'>,
): PostableAlert[] {
  if (action.state === 'FIRING') return [firingAlert(action)];
  const endsAt = ctx.sentAt.toISOString();
  const toResolve = firing && firing.length > 0 ? firing : [firingAlert(action)];
  return toResolve.map((alert) => ({
    ...alert,
    startsAt: alert.startsAt <= endsAt ? alert.startsAt : endsAt,
    endsAt,
  }));
}

export function alertmanagerRequest(
  alertmanagerUrl: string,
  alerts: readonly PostableAlert[],
  ctx: DeliveryContext,
): OutboundRequest {
  return {
    url: `${alertmanagerUrl.replace(/\/+$/, '')}/api/v2/alerts`,
    headers: jsonHeaders(ctx),
    body: JSON.stringify(alerts),
    secrets: [],
  };
}
