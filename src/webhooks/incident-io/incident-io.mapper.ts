import type { IncidentEvent } from '../../ingestion/domain-events.js';
import {
  entryOf,
  type JsonObject,
  type MappedDelivery,
  MappingError,
  arr,
  isObject,
  obj,
  optObj,
  optStr,
  optTime,
  str,
  time,
} from '../webhook-mapping.js';

export const INCIDENT_IO_SOURCE = 'incident_io';

/** What the webhook endpoint's URL says about its incidents (`?service=`, `?environment=`). */
export interface IncidentIoHookOptions {
  readonly service?: string;
  readonly environment?: string;
}

/**
 * The public incident events and where each carries the incident (incident.io's OpenAPI:
 * `WebhookIncidentV2` for created and updated, `IncidentWithStatusChangeV2` for a status change).
 */
const INCIDENT_EVENTS: Readonly<Record<string, (data: JsonObject, path: string) => JsonObject>> = {
  'public_incident.incident_created_v2': (data) => data,
  'public_incident.incident_updated_v2': (data) => data,
  'public_incident.incident_status_updated_v2': (data, path) =>
    obj(data, 'incident', `${path}.incident`),
};

/** Status categories (`incident_status.category`) of an incident whose impact is over. */
const RESOLVED = new Set(['learning', 'closed']);
/** Categories of an incident that turned out not to be one (or is counted as another). */
const NOT_AN_INCIDENT = new Set(['declined', 'canceled', 'merged']);

/** Custom field names (case-insensitive) read for the service(s) and the environment. */
const SERVICE_FIELDS = ['service', 'services', 'affected service', 'affected services'];
const ENVIRONMENT_FIELDS = [
  'environment',
  'environments',
  'affected environment',
  'affected environments',
  'env',
];

/**
 * Maps one incident.io webhook (one event per delivery, `event_type` and a property of that name
 * holding its data) onto the incident it is about: `id` is the incident's id, `created_at` its
 * detection, the `Impact started` timestamp its impact start, and once its status category is
 * `learning` or `closed` it is resolved at its `Resolved at` timestamp, else at its `updated_at`.
 * `updated_at` orders the updates, so an older one delivered late changes nothing newer. The
 * services and environment are the values of the custom fields named `Service(s)`/`Affected
 * service(s)` and `Environment`, else the URL's `?service=` / `?environment=`; an incident with
 * neither is stored with a note, as are incidents in triage that were declined, canceled or
 * merged, private incidents (their webhooks carry only an id) and every other event. `deliveryId`
 * is the signed `webhook-id`, the same on every retry of one message. Pure.
 */
export function mapIncidentIoDelivery(
  payload: unknown,
  deliveryId: string,
  options: IncidentIoHookOptions = {},
): MappedDelivery {
  if (!isObject(payload)) throw new MappingError('expected a JSON object with an event_type');
  const type = str(payload, 'event_type');
  const base = { kind: type, source: INCIDENT_IO_SOURCE, dedupeKey: deliveryId };
  const locate = entryOf(INCIDENT_EVENTS, type);
  if (!locate) {
    return {
      ...base,
      events: [],
      note: type.startsWith('private_incident.')
        ? `${type} is stored; webhooks of private incidents carry only the incident's id, so Shipwatch records public incidents only`
        : `${type} is stored; Shipwatch records incidents from the public_incident.incident_* events`,
    };
  }
  const incident = locate(obj(payload, type), type);
  const at = (key: string) => time(incident, key, `${type}.${key}`);
  const updatedAt = at('updated_at');
  const incidentId = str(incident, 'id', `${type}.id`);
  const status =
    type === 'public_incident.incident_status_updated_v2'
      ? obj(obj(payload, type), 'new_status', `${type}.new_status`)
      : obj(incident, 'incident_status', `${type}.incident_status`);
  const category = str(status, 'category', `${type}: incident_status.category`);
  const mapped = { ...base, occurredAt: updatedAt };
  if (NOT_AN_INCIDENT.has(category)) {
    return {
      ...mapped,
      events: [],
      note: `the incident is ${category}, so it is no incident of its own; stored only (one recorded before keeps its times)`,
    };
  }
  const fields = customFields(incident, type);
  const services = fieldValues(fields, SERVICE_FIELDS);
  if (services.length === 0 && options.service) services.push(options.service);
  if (services.length === 0) {
    return {
      ...mapped,
      events: [],
      note: 'the incident names no service (a Service or Affected services custom field, or ?service= on the webhook URL): not an incident of a known service',
    };
  }
  const environment = fieldValues(fields, ENVIRONMENT_FIELDS)[0] ?? options.environment;
  const stamps = timestamps(incident, type);
  const event: IncidentEvent = {
    type: 'incident',
    envelope: { source: INCIDENT_IO_SOURCE, eventId: deliveryId, occurredAt: updatedAt },
    incidentId,
    services: services.map((name) => ({ name })),
    ...(environment ? { environment: { name: environment } } : {}),
    title: optStr(incident, 'name'),
    severity: optStr(optObj(incident, 'severity') ?? {}, 'name'),
    url: optStr(incident, 'permalink'),
    impactStartedAt: stamps.get('impact started'),
    detectedAt: at('created_at'),
    ...(RESOLVED.has(category) ? { resolvedAt: stamps.get('resolved at') ?? updatedAt } : {}),
  };
  return { ...mapped, events: [event] };
}

/** `custom_field_entries`: each field's lower-cased name with its values' display texts. */
function customFields(incident: JsonObject, path: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  arr(incident, 'custom_field_entries', `${path}.custom_field_entries`).forEach((entry, i) => {
    const where = `${path}.custom_field_entries[${i}]`;
    if (!isObject(entry)) throw new MappingError('expected an object', where);
    const name = optStr(optObj(entry, 'custom_field') ?? {}, 'name')
      ?.trim()
      .toLowerCase();
    if (!name) return;
    const values = arr(entry, 'values', `${where}.values`).flatMap((v) => {
      if (!isObject(v)) return [];
      const text =
        optStr(optObj(v, 'value_catalog_entry') ?? {}, 'name') ??
        optStr(optObj(v, 'value_option') ?? {}, 'value') ??
        optStr(v, 'value_text');
      return text?.trim() ? [text.trim()] : [];
    });
    out.set(name, [...(out.get(name) ?? []), ...values]);
  });
  return out;
}

/** The values of the first of the field names the incident has a value for. */
function fieldValues(fields: Map<string, string[]>, names: readonly string[]): string[] {
  for (const name of names) {
    const values = fields.get(name);
    if (values?.length) return [...new Set(values)];
  }
  return [];
}

/** `incident_timestamp_values`: each timestamp's lower-cased name with its value, when set. */
function timestamps(incident: JsonObject, path: string): Map<string, Date> {
  const out = new Map<string, Date>();
  arr(incident, 'incident_timestamp_values', `${path}.incident_timestamp_values`).forEach(
    (entry, i) => {
      if (!isObject(entry)) return;
      const name = optStr(optObj(entry, 'incident_timestamp') ?? {}, 'name')?.toLowerCase();
      const value = optObj(entry, 'value');
      const at =
        value && optTime(value, 'value', `${path}.incident_timestamp_values[${i}].value.value`);
      if (name && at) out.set(name, at);
    },
  );
  return out;
}
