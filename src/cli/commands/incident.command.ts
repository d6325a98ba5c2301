/**
 * `shipwatch incident open|resolve`: incidents, for change failure rate and recovery time;
 * `shipwatch incident triage|confirm|reject`: which deployment caused them (docs/dora.md,
 * "Incident triage").
 */
import type { OptionSpecs } from '../args.js';
import { ExitCode, UsageError } from '../cli.errors.js';
import { defineCommand, type Invocation } from '../command.js';
import {
  CONFIRM_INCIDENT_CAUSE,
  INCIDENT_TRIAGE,
  REJECT_INCIDENT_CAUSE,
  type IncidentCauseReviewView,
  type TriageItemView,
} from '../operations.js';
import { renderTable } from '../output.js';
import {
  compact,
  describeOutcome,
  ENVELOPE_OPTIONS,
  envelope,
  eventContext,
  link,
  optionalTime,
  sendEvent,
} from './event-options.js';

const TIERS = ['production', 'staging', 'testing', 'development'] as const;

const COMMON = {
  id: { type: 'string', placeholder: '<id>', description: 'Incident id in its source (required)' },
  service: {
    type: 'string',
    short: 's',
    multiple: true,
    placeholder: '<name>',
    description: 'Affected service (service.name)',
  },
  namespace: { type: 'string', placeholder: '<ns>', description: 'Namespace of the services' },
  environment: { type: 'string', short: 'e', placeholder: '<name>', description: 'Environment' },
  tier: { type: 'string', placeholder: '<tier>', choices: TIERS, description: 'Environment tier' },
  title: { type: 'string', placeholder: '<text>', description: 'Title' },
  severity: { type: 'string', placeholder: '<sev>', description: 'Severity, e.g. SEV1' },
  link: {
    type: 'string',
    placeholder: '<url>',
    description: 'Link to the incident (its page in your incident tool)',
  },
  'caused-by': {
    type: 'string',
    multiple: true,
    placeholder: '<deployment-id>',
    description: 'Deployment that caused it (its id in --caused-by-source)',
  },
  'caused-by-source': {
    type: 'string',
    placeholder: '<source>',
    description: 'Source of the --caused-by deployments (default: this event’s source)',
  },
  'mitigated-at': {
    type: 'string',
    placeholder: '<time>',
    description: 'When the impact was mitigated',
  },
  ...ENVELOPE_OPTIONS,
} as const satisfies OptionSpecs;

const OPEN_OPTIONS = {
  ...COMMON,
  'impact-started-at': {
    type: 'string',
    placeholder: '<time>',
    description: 'When users were first affected',
  },
  'detected-at': {
    type: 'string',
    placeholder: '<time>',
    description: 'When it was detected (default now)',
  },
} as const satisfies OptionSpecs;

const RESOLVE_OPTIONS = {
  ...COMMON,
  'resolved-at': {
    type: 'string',
    placeholder: '<time>',
    description: 'When it was resolved (default now)',
  },
} as const satisfies OptionSpecs;

async function report(
  inv: Invocation<typeof COMMON>,
  phase: 'open' | 'resolve',
  times: Record<string, string | undefined>,
): Promise<ExitCode> {
  const v = inv.values;
  if (!v.id) throw new UsageError('--id is required', inv.command);
  const ec = eventContext(inv);
  const env = envelope(inv, ec);
  const input = compact({
    ...env,
    incidentId: v.id,
    services:
      v.service.length > 0
        ? v.service.map((name) => compact({ name, namespace: v.namespace }))
        : undefined,
    environment: v.environment,
    environmentTier: v.tier?.toUpperCase(),
    title: v.title,
    severity: v.severity,
    url: link(inv, v.link),
    mitigatedAt: optionalTime(inv, 'mitigated-at', v['mitigated-at']),
    causedBy:
      v['caused-by'].length > 0
        ? v['caused-by'].map((id) => compact({ id, source: v['caused-by-source'] }))
        : undefined,
    ...times,
  });
  const outcome = await sendEvent(inv, 'incident', input);
  inv.result(
    `incident ${v.id} ${phase === 'open' ? 'opened' : 'resolved'}: ${describeOutcome(outcome)}`,
    {
      result: outcome.result,
      id: outcome.entityId ?? null,
      incidentId: v.id,
      source: ec.source,
      eventId: env.eventId,
      note: outcome.note ?? null,
    },
  );
  return ExitCode.OK;
}

export const incidentOpen = defineCommand({
  path: ['incident', 'open'],
  summary: 'Report an incident (opened or updated)',
  options: OPEN_OPTIONS,
  examples: [
    'shipwatch incident open --id INC-42 -s checkout -e production --severity SEV2 --caused-by gh:9876:checkout:production',
  ],
  run: (inv) =>
    report(inv as unknown as Invocation<typeof COMMON>, 'open', {
      impactStartedAt: optionalTime(inv, 'impact-started-at', inv.values['impact-started-at']),
      detectedAt: optionalTime(inv, 'detected-at', inv.values['detected-at'] ?? 'now'),
    }),
});

export const incidentResolve = defineCommand({
  path: ['incident', 'resolve'],
  summary: 'Report that an incident was resolved',
  options: RESOLVE_OPTIONS,
  examples: ['shipwatch incident resolve --id INC-42'],
  run: (inv) =>
    report(inv as unknown as Invocation<typeof COMMON>, 'resolve', {
      resolvedAt: optionalTime(inv, 'resolved-at', inv.values['resolved-at'] ?? 'now'),
    }),
});

const TRIAGE_STATUSES = ['SUSPECTED', 'UNRESOLVED', 'CONFIRMED', 'REJECTED'] as const;

export const incidentTriage = defineCommand({
  path: ['incident', 'triage'],
  summary: 'List the incident causes that wait for a person',
  description:
    'SUSPECTED: an incident in the attribution window of a deployment, or an INFERRED cause; UNRESOLVED: a cause naming a deployment Shipwatch has not seen. Decide with `incident confirm` or `incident reject`.',
  options: {
    since: {
      type: 'string',
      placeholder: '<time>',
      description: 'Incidents detected at or after (default: 30 days ago)',
    },
    until: { type: 'string', placeholder: '<time>', description: 'Incidents detected before' },
    status: {
      type: 'string',
      multiple: true,
      placeholder: '<status>',
      choices: TRIAGE_STATUSES,
      description: 'Only these (default: SUSPECTED and UNRESOLVED)',
    },
    first: { type: 'string', placeholder: '<n>', description: 'At most n links (default 100)' },
  },
  examples: [
    'shipwatch incident triage --since "7d ago"',
    'shipwatch incident triage --status CONFIRMED',
  ],
  async run(inv) {
    const v = inv.values;
    const first = v.first === undefined ? undefined : Number(v.first);
    if (first !== undefined && !Number.isInteger(first))
      throw new UsageError('--first must be a whole number', inv.command);
    const data = await inv.client().request<{ incidentTriage: TriageItemView[] }>(
      INCIDENT_TRIAGE,
      compact({
        since: optionalTime(inv, 'since', v.since),
        until: optionalTime(inv, 'until', v.until),
        status: v.status.length > 0 ? v.status : undefined,
        first,
      }),
    );
    const items = data.incidentTriage;
    const service = (s: { name: string; namespace: string }) =>
      s.namespace ? `${s.namespace}/${s.name}` : s.name;
    inv.result(
      items.length === 0
        ? 'nothing to triage\n'
        : renderTable(items, [
            { header: 'INCIDENT', value: (i) => i.incident.id, align: 'right' },
            { header: 'EXTERNAL ID', value: (i) => i.incident.externalId },
            {
              header: 'DETECTED',
              value: (i) => i.incident.detectedAt ?? i.incident.impactStartedAt,
            },
            { header: 'DEPLOYMENT', value: (i) => i.deployment?.id, align: 'right' },
            {
              header: 'DEPLOYMENT (SOURCE/ID)',
              value: (i) => `${i.deploymentSource}/${i.deploymentExternalId}`,
            },
            {
              header: 'SERVICE',
              value: (i) => (i.deployment ? service(i.deployment.service) : null),
            },
            { header: 'FINISHED', value: (i) => i.deployment?.finishedAt },
            { header: 'STATUS', value: (i) => i.status },
            { header: 'REASON', value: (i) => i.reason },
          ]),
      items,
    );
    return ExitCode.OK;
  },
});

const REVIEW_OPTIONS = {
  deployment: {
    type: 'string',
    placeholder: '<id>',
    description: 'The deployment (its Shipwatch id, see `incident triage`) (required)',
  },
  reason: { type: 'string', placeholder: '<text>', description: 'Why, for the audit (required)' },
} as const satisfies OptionSpecs;

function reviewCommand(decision: 'confirm' | 'reject') {
  return defineCommand({
    path: ['incident', decision],
    summary:
      decision === 'confirm'
        ? 'Confirm that a deployment caused an incident (it counts as failed)'
        : 'Reject a deployment as the cause of an incident',
    description:
      'Needs a token with the TRIAGE or ADMIN scope. Each decision is kept with who made it, when and why.',
    positionals: [{ name: 'incident', description: 'The incident (its Shipwatch id)' }],
    options: REVIEW_OPTIONS,
    examples: [
      `shipwatch incident ${decision} 42 --deployment 1234 --reason "${decision === 'confirm' ? 'the 14:02 release broke checkout' : 'the outage was the payment provider'}"`,
    ],
    async run(inv) {
      const v = inv.values;
      if (!v.deployment) throw new UsageError('--deployment is required', inv.command);
      if (!v.reason) throw new UsageError('--reason is required', inv.command);
      const data = await inv.client().request<Record<string, IncidentCauseReviewView>>(
        decision === 'confirm' ? CONFIRM_INCIDENT_CAUSE : REJECT_INCIDENT_CAUSE,
        {
          input: { incidentId: inv.positionals[0], deploymentId: v.deployment, reason: v.reason },
        },
        { idempotent: false },
      );
      const r = data[decision === 'confirm' ? 'confirmIncidentCause' : 'rejectIncidentCause'];
      inv.result(
        `incident ${r.incidentId}: deployment ${r.deploymentSource}/${r.deploymentExternalId} ${r.decision.toLowerCase()} as its cause (attribution ${r.attribution}) by ${r.actorName} at ${r.reviewedAt}`,
        r,
      );
      return ExitCode.OK;
    },
  });
}

export const incidentConfirm = reviewCommand('confirm');
export const incidentReject = reviewCommand('reject');
