/** `shipwatch incident open|resolve`: incidents, for change failure rate and recovery time. */
import type { OptionSpecs } from '../args.js';
import { ExitCode, UsageError } from '../cli.errors.js';
import { defineCommand, type Invocation } from '../command.js';
import {
  compact,
  describeOutcome,
  ENVELOPE_OPTIONS,
  envelope,
  eventContext,
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
  url: { type: 'string', placeholder: '<url>', description: 'Link to the incident' },
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
    url: v.url,
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
