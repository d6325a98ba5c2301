import type { IncidentEvent } from '../../ingestion/domain-events.js';
import {
  type JsonObject,
  type MappedDelivery,
  MappingError,
  arr,
  isObject,
  obj,
  optStr,
  sha256Hex,
  str,
} from '../webhook-mapping.js';

export const OPSGENIE_SOURCE = 'opsgenie';

/** What the integration's URL says about its alerts (`?service=`, `?environment=`). */
export interface OpsgenieHookOptions {
  readonly service?: string;
  readonly environment?: string;
}

/** Alert actions that change an incident; others (AddNote, AssignOwnership, ...) are stored. */
const APPLIED = new Set(['Create', 'Acknowledge', 'UnAcknowledge', 'Close', 'Escalate']);

/**
 * Maps one delivery of Opsgenie's Webhook integration (the alert action data) onto the incident
 * of the alert: its `alertId` is the incident's id, `createdAt` (milliseconds) the detection, a
 * `Close` action's `updatedAt` (nanoseconds) the resolution. The service is the `service:<name>`
 * tag, else the URL's `?service=`; the environment the `environment:` or `env:` tag, else the
 * URL's. An alert with neither names no service: stored, with a note. Pure.
 */
export function mapOpsgenieDelivery(
  payload: unknown,
  rawBody: Buffer,
  options: OpsgenieHookOptions = {},
): MappedDelivery {
  if (!isObject(payload))
    throw new MappingError('expected a JSON object (Opsgenie alert action data)');
  const action = str(payload, 'action');
  const alert = obj(payload, 'alert');
  const alertId = str(alert, 'alertId', 'alert.alertId');
  const createdAt = epoch(alert, 'createdAt', 1, 'alert.createdAt');
  const updatedAt = epoch(alert, 'updatedAt', 1e6, 'alert.updatedAt');
  const tags = arr(alert, 'tags', 'alert.tags').filter((t): t is string => typeof t === 'string');
  const base = {
    kind: `opsgenie.${action}`,
    source: OPSGENIE_SOURCE,
    // Opsgenie sends no delivery id; the same content is the same facts.
    dedupeKey: sha256Hex(rawBody),
    occurredAt: updatedAt ?? createdAt,
  };
  if (!APPLIED.has(action)) {
    return {
      ...base,
      events: [],
      note: `the ${action} action is stored; it does not change the incident`,
    };
  }
  const service = tag(tags, ['service']) ?? options.service;
  if (!service) {
    return {
      ...base,
      events: [],
      note: 'the alert names no service (a service:<name> tag, or ?service= on the integration URL): not an incident of a known service',
    };
  }
  const environment = tag(tags, ['environment', 'env']) ?? options.environment;
  const at = updatedAt ?? createdAt;
  const incident: IncidentEvent = {
    type: 'incident',
    envelope: {
      source: OPSGENIE_SOURCE,
      eventId: `${alertId}/${action}/${at?.toISOString() ?? ''}`,
      occurredAt: at,
    },
    incidentId: alertId,
    services: [{ name: service }],
    ...(environment ? { environment: { name: environment } } : {}),
    title: optStr(alert, 'message')?.trim(),
    severity: optStr(alert, 'priority'),
    detectedAt: createdAt,
    ...(action === 'Close' && at ? { resolvedAt: at } : {}),
  };
  return { ...base, events: [incident] };
}

/** `name:value` tags; the first one of the names wins. */
function tag(tags: readonly string[], names: readonly string[]): string | undefined {
  for (const name of names) {
    const found = tags.find((t) => t.toLowerCase().startsWith(`${name}:`));
    const value = found?.slice(name.length + 1).trim();
    if (value) return value;
  }
  return undefined;
}

/** An epoch number in `unitsPerMs` (1: milliseconds, 1e6: nanoseconds). */
function epoch(
  parent: JsonObject,
  key: string,
  unitsPerMs: number,
  path: string,
): Date | undefined {
  const value = parent[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new MappingError('expected an epoch number', path);
  }
  const date = new Date(Math.floor(value / unitsPerMs));
  if (Number.isNaN(date.getTime())) throw new MappingError('expected an epoch number', path);
  return date;
}
