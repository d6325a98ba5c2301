import type {
  DeploymentEvent,
  DeploymentKind,
  DeploymentStatus,
} from '../../ingestion/domain-events.js';
import {
  entryOf,
  type JsonObject,
  type MappedDelivery,
  MappingError,
  isObject,
  obj,
  optObj,
  optSha,
  optStr,
  str,
  time,
} from '../webhook-mapping.js';

export const FLUX_SOURCE = 'flux';

/** What the Provider's address says about the events it forwards (`?service=` and so on). */
export interface FluxHookOptions {
  readonly service?: string;
  readonly namespace?: string;
  readonly environment?: string;
}

/** What an event of a Flux object means for the deployment of one revision. */
interface Meaning {
  readonly status: DeploymentStatus;
  readonly kind?: DeploymentKind;
}

/**
 * Event reasons that move a deployment, per kind of Flux object (the Ready reasons of
 * kustomize-controller and the release reasons of helm-controller v2). Any other event (a
 * dependency not ready, a canceled health check, an uninstall, Helm test success) is stored.
 */
const MEANINGS: Readonly<Record<string, Readonly<Record<string, Meaning>>>> = {
  Kustomization: {
    // The change set applied (e.g. "Deployment/apps/webapp configured"), before health checks.
    Progressing: { status: 'IN_PROGRESS' },
    ReconciliationSucceeded: { status: 'SUCCEEDED' },
    ReconciliationFailed: { status: 'FAILED' },
    BuildFailed: { status: 'FAILED' },
    HealthCheckFailed: { status: 'FAILED' },
    PruneFailed: { status: 'FAILED' },
    // Flux documents this one in its example event (older controllers).
    ValidationFailed: { status: 'FAILED' },
  },
  HelmRelease: {
    InstallSucceeded: { status: 'SUCCEEDED' },
    UpgradeSucceeded: { status: 'SUCCEEDED' },
    InstallFailed: { status: 'FAILED' },
    UpgradeFailed: { status: 'FAILED' },
    TestFailed: { status: 'FAILED' },
    RollbackSucceeded: { status: 'SUCCEEDED', kind: 'ROLLBACK' },
  },
};

/**
 * Maps one event that Flux's notification-controller forwards (generic or generic-hmac provider:
 * the JSON `Event` of fluxcd/pkg apis/event/v1beta1) onto the deployment of one revision of a
 * Kustomization or HelmRelease. A deployment is (environment, object, revision, and for a
 * HelmRelease its values digest): every reconciliation of the same revision reports the same
 * deployment again, so Flux's periodic "Reconciliation finished" events never count twice.
 *
 * - service: `?service=`, else the event metadata `service` (an `event.toolkit.fluxcd.io/service`
 *   annotation on the object), else the object's name;
 * - environment: `?environment=`, else metadata `environment` or `env` (the Alert's
 *   `.spec.eventMetadata`); an event with neither is refused, as it cannot be placed;
 * - commit: the sha1 of `revision` (`main@sha1:<sha>`, or the older `main/<sha>`) or of
 *   `originRevision` (a HelmRelease from an OCI chart built from Git);
 * - version: metadata `version`, else a HelmRelease's `app-version`, else its chart version.
 *
 * Metadata keys come either as current Flux posts them (the controller group stripped, RFC 0008)
 * or with the group prefix of older versions (`kustomize.toolkit.fluxcd.io/revision`). Pure.
 */
export function mapFluxDelivery(
  payload: unknown,
  identity: { readonly source: string; readonly dedupeKey: string },
  options: FluxHookOptions = {},
): MappedDelivery {
  if (!isObject(payload)) throw new MappingError('expected a JSON object (a Flux event)');
  const involved = obj(payload, 'involvedObject');
  const objectKind = str(involved, 'kind', 'involvedObject.kind');
  const objectName = str(involved, 'name', 'involvedObject.name');
  const objectNamespace = optStr(involved, 'namespace') ?? '';
  const reason = str(payload, 'reason');
  const severity = str(payload, 'severity');
  const at = time(payload, 'timestamp');
  const meta = metadataOf(payload);
  const base = {
    kind: `flux.${objectKind}.${reason}`,
    source: identity.source,
    dedupeKey: identity.dedupeKey,
    occurredAt: at,
  };
  const meanings = entryOf(MEANINGS, objectKind);
  const meaning = meanings && entryOf(meanings, reason);
  if (!meaning) {
    return {
      ...base,
      events: [],
      note: meanings
        ? `a ${objectKind} event with reason ${reason} is stored; it does not change a deployment`
        : `${objectKind} events are stored; only Kustomization and HelmRelease events are deployments`,
    };
  }
  if ((meaning.status === 'FAILED') !== (severity === 'error')) {
    return {
      ...base,
      events: [],
      note: `a ${reason} event of severity ${severity} is stored: Flux reports ${reason} as ${meaning.status === 'FAILED' ? 'error' : 'info'}`,
    };
  }
  const revision = meta.get('revision');
  if (!revision) {
    return {
      ...base,
      events: [],
      note: `the ${reason} event carries no revision: it cannot name the deployment`,
    };
  }
  const environment = options.environment ?? meta.get('environment') ?? meta.get('env');
  if (!environment) {
    throw new MappingError(
      'the event names no environment: add ?environment=<name> to the Provider address, or environment: <name> to the Alert’s spec.eventMetadata',
    );
  }
  const token = objectKind === 'HelmRelease' ? meta.get('token') : undefined;
  const release = `${environment}/${objectKind}/${objectNamespace}/${objectName}@${revision}${token ? `#${token}` : ''}`;
  const deploymentId =
    meaning.kind === 'ROLLBACK' ? `${release}/rollback@${at.toISOString()}` : release;
  const commitSha = shaOf(meta.get('originRevision')) ?? shaOf(revision);
  const version =
    meta.get('version') ??
    (objectKind === 'HelmRelease' ? (meta.get('app-version') ?? revision) : undefined);
  const namespace = options.namespace ?? meta.get('namespace');
  const event: DeploymentEvent = {
    type: 'deployment',
    envelope: {
      source: identity.source,
      eventId: `${deploymentId}/${reason}/${at.toISOString()}`,
      occurredAt: at,
    },
    deploymentId,
    service: {
      name: options.service ?? meta.get('service') ?? objectName,
      ...(namespace ? { namespace } : {}),
    },
    environment: { name: environment },
    status: meaning.status,
    ...(meaning.kind ? { kind: meaning.kind } : {}),
    ...(version ? { version } : {}),
    ...(commitSha ? { commitSha } : {}),
    ...(meta.get('repository') ? { repository: meta.get('repository') } : {}),
    ...(meaning.status === 'IN_PROGRESS' ? { startedAt: at } : { finishedAt: at }),
    // Flux reports a revision again at every reconciliation: the first finish stands.
    repeats: true,
  };
  return { ...base, events: [event] };
}

/**
 * The event metadata by short key: `revision` whether Flux sent `revision` (RFC 0008, group
 * stripped) or `<group>.toolkit.fluxcd.io/revision` (older). A short key wins over a prefixed one.
 */
function metadataOf(payload: JsonObject): Map<string, string> {
  const meta = new Map<string, string>();
  const given = optObj(payload, 'metadata') ?? {};
  const entries = Object.entries(given).filter(
    (e): e is [string, string] => typeof e[1] === 'string' && e[1].trim() !== '',
  );
  for (const [key, value] of entries) {
    const slash = key.lastIndexOf('/');
    if (slash >= 0 && /\.toolkit\.fluxcd\.io$/.test(key.slice(0, slash))) {
      const short = key.slice(slash + 1);
      if (!meta.has(short)) meta.set(short, value.trim());
    }
  }
  for (const [key, value] of entries) if (!key.includes('/')) meta.set(key, value.trim());
  return meta;
}

/** The Git commit of a Flux revision: `<ref>@sha1:<sha>`, `sha1:<sha>` or the older `<ref>/<sha>`. */
function shaOf(revision: string | undefined): string | undefined {
  if (!revision) return undefined;
  const modern = /(?:^|@)sha1:([0-9a-fA-F]{40})$/.exec(revision);
  if (modern) return optSha(modern[1]);
  const legacy = /\/([0-9a-fA-F]{40})$/.exec(revision);
  return legacy ? optSha(legacy[1]) : undefined;
}
