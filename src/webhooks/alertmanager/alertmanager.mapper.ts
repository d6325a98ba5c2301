import type { IncidentEvent, ServiceRef } from '../../ingestion/domain-events.js';
import {
  type JsonObject,
  type MappedDelivery,
  MappingError,
  arr,
  isObject,
  optStr,
  sha256Hex,
  str,
  time,
} from '../webhook-mapping.js';

/** The producer id of incidents taken from Alertmanager (fingerprints are global label hashes). */
export const ALERTMANAGER_SOURCE = 'alertmanager';

/**
 * Which alert labels name the service, its namespace, the environment and the running version.
 * The first label present wins. A receiver URL may replace a list (`?service_label=app`) or fix
 * the environment of every alert it forwards (`?environment=production`).
 */
export interface AlertLabelMapping {
  readonly service: readonly string[];
  readonly namespace: readonly string[];
  readonly environment: readonly string[];
  readonly version: readonly string[];
  readonly severity: readonly string[];
  /** An environment for alerts that carry none of the environment labels. */
  readonly fixedEnvironment?: string;
}

export const DEFAULT_ALERT_LABELS: AlertLabelMapping = {
  service: ['service', 'service_name'],
  namespace: ['service_namespace'],
  environment: ['environment', 'deployment_environment_name', 'deployment_environment', 'env'],
  version: ['version', 'service_version'],
  severity: ['severity', 'priority'],
};

/**
 * The message versions this mapper reads: Alertmanager's webhook protocol `4`, and Grafana
 * Alerting's webhook contact point, which sends the same alert list as its version `1`.
 */
const PROTOCOL_VERSIONS = ['4', '1'];
/** Firing alerts carry Go's zero time as endsAt. */
const ZERO_TIME_YEAR = 1;

/**
 * Maps one Alertmanager webhook notification (`webhook_config`, protocol version 4; Grafana
 * Alerting's webhook contact point sends the same shape) onto incidents, one per alert: the
 * alert's `fingerprint` (a hash of its labels) and its `startsAt` identify one occurrence, so a
 * re-notification, a repeat, the resolved notification and a second Alertmanager of an HA pair
 * all update the same incident, and the same alert firing again later opens a new one.
 * `startsAt` is the impact start; a resolved alert's `endsAt` is its resolution. Alerts that
 * carry none of the service labels are not incidents of a known service: they are left out
 * and named in the note (the delivery is stored either way). Pure.
 */
export function mapAlertmanagerDelivery(
  payload: unknown,
  rawBody: Buffer,
  labels: AlertLabelMapping = DEFAULT_ALERT_LABELS,
): MappedDelivery {
  if (!isObject(payload))
    throw new MappingError('expected a JSON object (an Alertmanager message)');
  const version = str(payload, 'version');
  if (!PROTOCOL_VERSIONS.includes(version)) {
    throw new MappingError(
      `Shipwatch reads Alertmanager's webhook protocol version 4 (and Grafana Alerting's 1), not ${JSON.stringify(version)}`,
      'version',
    );
  }
  const status = str(payload, 'status');
  if (status !== 'firing' && status !== 'resolved') {
    throw new MappingError('expected "firing" or "resolved"', 'status');
  }
  const alerts = arr(payload, 'alerts');
  const events: IncidentEvent[] = [];
  const unmapped: string[] = [];
  let latest: Date | undefined;
  alerts.forEach((alert, i) => {
    const event = alertIncident(alert, `alerts[${i}]`, labels);
    if ('unmapped' in event) unmapped.push(event.unmapped);
    else {
      events.push(event);
      const at = event.envelope.occurredAt!;
      if (!latest || at > latest) latest = at;
    }
  });
  const truncated = typeof payload.truncatedAlerts === 'number' ? payload.truncatedAlerts : 0;
  const notes = [
    ...(unmapped.length > 0
      ? [
          `${unmapped.length} of ${alerts.length} alerts name no service (labels ${labels.service.join(', ')}) and are not incidents: ${unmapped.slice(0, 5).join(', ')}${unmapped.length > 5 ? ', ...' : ''}`,
        ]
      : []),
    ...(alerts.length === 0 ? ['the notification carries no alert'] : []),
    ...(truncated > 0
      ? [`Alertmanager left out ${truncated} alerts of this group (max_alerts)`]
      : []),
  ];
  return {
    kind: `alertmanager.${status}`,
    source: ALERTMANAGER_SOURCE,
    // A notification has no id; the same content is the same facts (a retry, a repeat, the
    // other replica of an HA pair), so its hash identifies it.
    dedupeKey: sha256Hex(rawBody),
    occurredAt: latest,
    events,
    note: notes.length > 0 ? notes.join('; ') : undefined,
  };
}

function alertIncident(
  alert: unknown,
  path: string,
  mapping: AlertLabelMapping,
): IncidentEvent | { unmapped: string } {
  if (!isObject(alert)) throw new MappingError('expected an object', path);
  const labels = stringMap(alert, 'labels', `${path}.labels`);
  const annotations = stringMap(alert, 'annotations', `${path}.annotations`);
  const status = str(alert, 'status', `${path}.status`);
  if (status !== 'firing' && status !== 'resolved') {
    throw new MappingError('expected "firing" or "resolved"', `${path}.status`);
  }
  const startsAt = time(alert, 'startsAt', `${path}.startsAt`);
  const endsAt = time(alert, 'endsAt', `${path}.endsAt`);
  const fingerprint = optStr(alert, 'fingerprint') ?? labelsFingerprint(labels);
  const alertname = labels.alertname ?? 'alert';
  const service = first(labels, mapping.service);
  if (!service) return { unmapped: `${alertname} (${fingerprint})` };
  const namespace = first(labels, mapping.namespace);
  const environment = first(labels, mapping.environment) ?? mapping.fixedEnvironment;
  const version = first(labels, mapping.version);
  const resolved = status === 'resolved' && endsAt.getUTCFullYear() > ZERO_TIME_YEAR;
  const serviceRef: ServiceRef = { name: service, ...(namespace ? { namespace } : {}) };
  return {
    type: 'incident',
    envelope: {
      source: ALERTMANAGER_SOURCE,
      eventId: `${fingerprint}/${startsAt.toISOString()}/${status}`,
      occurredAt: resolved ? endsAt : startsAt,
    },
    incidentId: `${fingerprint}@${startsAt.toISOString()}`,
    services: [serviceRef],
    ...(environment ? { environment: { name: environment } } : {}),
    title: annotations.summary ?? annotations.description ?? alertname,
    severity: first(labels, mapping.severity),
    url: optStr(alert, 'generatorURL'),
    impactStartedAt: startsAt,
    ...(resolved ? { resolvedAt: endsAt } : {}),
    ...(version ? { causedByVersion: version } : {}),
  };
}

function stringMap(parent: JsonObject, key: string, path: string): Record<string, string> {
  const value = parent[key];
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new MappingError('expected an object of strings', path);
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new MappingError('expected a string', `${path}.${name}`);
    out[name] = v;
  }
  return out;
}

const first = (labels: Record<string, string>, names: readonly string[]): string | undefined =>
  names.map((n) => labels[n]?.trim()).find((v) => v !== undefined && v !== '');

/** For senders that leave `fingerprint` out (Alertmanager before 0.19): a hash of the labels. */
function labelsFingerprint(labels: Record<string, string>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => [k, labels[k]]);
  return sha256Hex(JSON.stringify(sorted)).slice(0, 16);
}

/** Label mapping from the receiver URL's query (`service_label`, `environment_label`, ...). */
export function alertLabelMapping(query: {
  readonly serviceLabel?: string;
  readonly environmentLabel?: string;
  readonly versionLabel?: string;
  readonly environment?: string;
}): AlertLabelMapping {
  const list = (value: string | undefined, fallback: readonly string[]) =>
    value
      ? value
          .split(',')
          .map((v) => v.trim())
          .filter((v) => v !== '')
      : fallback;
  return {
    ...DEFAULT_ALERT_LABELS,
    service: list(query.serviceLabel, DEFAULT_ALERT_LABELS.service),
    environment: list(query.environmentLabel, DEFAULT_ALERT_LABELS.environment),
    version: list(query.versionLabel, DEFAULT_ALERT_LABELS.version),
    ...(query.environment ? { fixedEnvironment: query.environment } : {}),
  };
}
