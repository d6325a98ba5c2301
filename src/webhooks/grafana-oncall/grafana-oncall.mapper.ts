import type { IncidentEvent } from '../../ingestion/domain-events.js';
import {
  type JsonObject,
  type MappedDelivery,
  MappingError,
  isObject,
  obj,
  optObj,
  optStr,
  optTime,
  sha256Hex,
  str,
  time,
} from '../webhook-mapping.js';

export const GRAFANA_ONCALL_SOURCE = 'grafana_oncall';

/** What the outgoing webhook's URL says about its alert groups (`?service=`, `?environment=`). */
export interface GrafanaOncallHookOptions {
  readonly service?: string;
  readonly environment?: string;
}

/**
 * Event types (`event.type`) that leave the alert group an incident, open or resolved as its
 * `state` says. `unresolve` is stored only: the incident keeps its first resolution, as for
 * PagerDuty's incident.reopened.
 */
const APPLIED = new Set([
  'alert group created',
  'escalation',
  'acknowledge',
  'unacknowledge',
  'silence',
  'unsilence',
  'resolve',
  'status change',
]);

/** Label names read, in order, from the alert group's labels and then the first alert's. */
const SERVICE_LABELS = ['service', 'service_name'];
const ENVIRONMENT_LABELS = [
  'environment',
  'deployment_environment_name',
  'deployment_environment',
  'env',
];
const SEVERITY_LABELS = ['severity', 'priority'];

/**
 * Maps one delivery of a Grafana OnCall (Grafana IRM) outgoing webhook with **Forward All** on
 * (the documented webhook data) onto the incident of its alert group: `alert_group.id` is the
 * incident's id, `created_at` its detection, `resolved_at` its resolution when the group is
 * resolved. The service and environment come from labels (the alert group's, then the first
 * alert's), else from the URL's `?service=` / `?environment=`. An alert group with no service is
 * stored with a note. Pure.
 */
export function mapGrafanaOncallDelivery(
  payload: unknown,
  rawBody: Buffer,
  options: GrafanaOncallHookOptions = {},
): MappedDelivery {
  if (!isObject(payload)) {
    throw new MappingError(
      'expected a JSON object: the outgoing webhook data (turn on "Forward All")',
    );
  }
  const event = obj(payload, 'event');
  const type = str(event, 'type', 'event.type');
  const occurredAt = time(event, 'time', 'event.time');
  const group = obj(payload, 'alert_group');
  const groupId = str(group, 'id', 'alert_group.id');
  const base = {
    kind: `grafana_oncall.${type}`,
    source: GRAFANA_ONCALL_SOURCE,
    // OnCall sends no delivery id; the same content is the same facts.
    dedupeKey: sha256Hex(rawBody),
    occurredAt,
  };
  if (!APPLIED.has(type)) {
    return {
      ...base,
      events: [],
      note:
        type === 'unresolve'
          ? 'unresolve is stored; the incident keeps its first resolution (a reopened alert group is counted as one incident)'
          : `the ${type} event is stored; it does not change the incident`,
    };
  }
  const labels = [labelsOf(group), labelsOf(optObj(payload, 'alert_payload'))];
  const service = label(labels, SERVICE_LABELS) ?? options.service;
  if (!service) {
    return {
      ...base,
      events: [],
      note: 'the alert group names no service (a service label on the alert group or its alert, or ?service= on the webhook URL): not an incident of a known service',
    };
  }
  const environment = label(labels, ENVIRONMENT_LABELS) ?? options.environment;
  const resolved = type === 'resolve' || optStr(group, 'state') === 'resolved';
  const resolvedAt = resolved
    ? (optTime(group, 'resolved_at', 'alert_group.resolved_at') ?? occurredAt)
    : undefined;
  const incident: IncidentEvent = {
    type: 'incident',
    envelope: {
      source: GRAFANA_ONCALL_SOURCE,
      eventId: `${groupId}/${type}/${occurredAt.toISOString()}`,
      occurredAt,
    },
    incidentId: groupId,
    services: [{ name: service }],
    ...(environment ? { environment: { name: environment } } : {}),
    title: optStr(group, 'title'),
    severity: label(labels, SEVERITY_LABELS),
    url: optStr(optObj(group, 'permalinks') ?? {}, 'web'),
    detectedAt: optTime(group, 'created_at', 'alert_group.created_at'),
    ...(resolvedAt ? { resolvedAt } : {}),
  };
  return { ...base, events: [incident] };
}

/** String-valued labels of an object's `labels`; other values are ignored. */
function labelsOf(owner: JsonObject | undefined): Readonly<Record<string, string>> {
  const labels = owner && optObj(owner, 'labels');
  if (!labels) return {};
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) {
    if (typeof value === 'string' && value.trim() !== '') out[name.toLowerCase()] = value.trim();
  }
  return out;
}

/** The first of the names found in the first label set that has it. */
function label(
  sets: readonly Readonly<Record<string, string>>[],
  names: readonly string[],
): string | undefined {
  for (const set of sets) {
    for (const name of names) if (set[name]) return set[name];
  }
  return undefined;
}
