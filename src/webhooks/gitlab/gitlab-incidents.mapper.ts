import type { IncidentEvent } from '../../ingestion/domain-events.js';
import { type JsonObject, type Unmapped, obj, optStr, optTime, str } from '../webhook-mapping.js';
import {
  type EnvelopeAt,
  type GitlabHookOptions,
  projectPath,
  projectRepository,
} from './gitlab-payload.js';

/**
 * An Issue Hook (or Confidential Issue Hook) about a work item of type `Incident`: the GitLab
 * incident (its global `id`) as a Shipwatch incident of the project's service (the URL's
 * `?service=`, else the project path's last segment) in the URL's `?environment=`. Detected at
 * the incident's `created_at`, resolved at its `closed_at` once it is closed or its escalation
 * status is `resolved` (GitLab closes an incident whose status is set to resolved, and the
 * reverse). A reopened incident keeps its first resolution. `severity` (`critical` … `low`;
 * GitLab's default `unknown` is no severity) is its severity; `triggered`, `acknowledged` and
 * `ignored` change nothing else. Other work item types are stored only.
 */
export function gitlabIncident(
  envelope: EnvelopeAt,
  payload: JsonObject,
  options: GitlabHookOptions,
): IncidentEvent | Unmapped {
  const attrs = obj(payload, 'object_attributes');
  const type = optStr(attrs, 'type');
  if (type?.toLowerCase() !== 'incident') {
    return {
      note: `work item of type ${type ?? '(none)'} is stored; only incidents (type Incident) are incidents`,
    };
  }
  const createdAt = optTime(attrs, 'created_at', 'object_attributes.created_at');
  const updatedAt = optTime(attrs, 'updated_at', 'object_attributes.updated_at');
  const closed =
    optStr(attrs, 'state') === 'closed' || optStr(attrs, 'escalation_status') === 'resolved';
  const severity = optStr(attrs, 'severity');
  const service = options.service ?? projectPath(payload);
  return {
    type: 'incident',
    envelope: envelope(updatedAt ?? createdAt),
    incidentId: str(attrs, 'id', 'object_attributes.id'),
    services: service
      ? [
          {
            name: service,
            ...(options.namespace ? { namespace: options.namespace } : {}),
            repository: projectRepository(payload),
          },
        ]
      : [],
    ...(options.environment ? { environment: { name: options.environment } } : {}),
    title: optStr(attrs, 'title'),
    severity: severity === 'unknown' ? undefined : severity,
    url: optStr(attrs, 'url'),
    detectedAt: createdAt,
    ...(closed
      ? { resolvedAt: optTime(attrs, 'closed_at', 'object_attributes.closed_at') ?? updatedAt }
      : {}),
  };
}
