import type { IncidentEvent } from '../../ingestion/domain-events.js';
import {
  type MappedDelivery,
  MappingError,
  isObject,
  obj,
  optObj,
  optStr,
  optTime,
  str,
  time,
} from '../webhook-mapping.js';

export const PAGERDUTY_SOURCE = 'pagerduty';

/** What the subscription's URL says about its incidents (`?service=`, `?environment=`). */
export interface PagerdutyHookOptions {
  /** The Shipwatch service of every incident; default: the PagerDuty service's name. */
  readonly service?: string;
  readonly environment?: string;
}

/**
 * Maps one PagerDuty V3 webhook (one event per delivery) onto the incident it is about: the
 * PagerDuty incident id is the incident's id, so triggered, acknowledged, resolved and the other
 * incident events update one incident in any order. `created_at` (when PagerDuty opened it) is
 * the detection time, the `incident.resolved` event's `occurred_at` the resolution. Events about
 * notes, responders and services, and `pagey.ping`, are stored only. Pure.
 */
export function mapPagerdutyDelivery(
  payload: unknown,
  options: PagerdutyHookOptions = {},
): MappedDelivery {
  if (!isObject(payload)) throw new MappingError('expected a JSON object with an event');
  const event = obj(payload, 'event');
  const id = str(event, 'id', 'event.id');
  const type = str(event, 'event_type', 'event.event_type');
  const occurredAt = time(event, 'occurred_at', 'event.occurred_at');
  const base = { kind: type, source: PAGERDUTY_SOURCE, dedupeKey: id, occurredAt };
  const data = optObj(event, 'data');
  if (!type.startsWith('incident.') || !data || data.type !== 'incident') {
    return {
      ...base,
      events: [],
      note: `${type} is stored; Shipwatch records incidents from the incident.* events whose data is an incident`,
    };
  }
  if (type === 'incident.reopened') {
    return {
      ...base,
      events: [],
      note: 'incident.reopened is stored; the incident keeps its first resolution (a reopened incident is counted as one incident)',
    };
  }
  const service = options.service ?? optStr(optObj(data, 'service') ?? {}, 'summary');
  const createdAt = optTime(data, 'created_at', 'event.data.created_at');
  const priority = optObj(data, 'priority');
  const incident: IncidentEvent = {
    type: 'incident',
    envelope: { source: PAGERDUTY_SOURCE, eventId: id, occurredAt },
    incidentId: str(data, 'id', 'event.data.id'),
    services: service ? [{ name: service }] : [],
    ...(options.environment ? { environment: { name: options.environment } } : {}),
    title: optStr(data, 'title'),
    severity: (priority && optStr(priority, 'summary')) ?? optStr(data, 'urgency'),
    url: optStr(data, 'html_url'),
    detectedAt: createdAt ?? (type === 'incident.triggered' ? occurredAt : undefined),
    ...(type === 'incident.resolved' ? { resolvedAt: occurredAt } : {}),
  };
  return { ...base, events: [incident] };
}
