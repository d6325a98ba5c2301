import {
  DEPLOYMENT_KINDS,
  type DeploymentEvent,
  type DeploymentKind,
  type DeploymentStatus,
  type Envelope,
} from '../../ingestion/domain-events.js';
import {
  entryOf,
  type JsonObject,
  MappingError,
  isObject,
  obj,
  optObj,
  optSha,
  optStr,
  str,
  time,
} from '../webhook-mapping.js';
import { type EnvelopeAt, need, repoName } from './github-payload.js';

/**
 * `deployment` and `deployment_status` as one deployment per `deployment.id`. Each event carries
 * the whole deployment object, so every one of them builds the same identity and start time, in
 * any order. A deployment created by a GitHub Actions job names its `workflow_run`: the
 * deployment is linked to that pipeline run.
 */
export function githubDeployment(
  envelope: EnvelopeAt,
  payload: JsonObject,
  status: 'created' | 'status',
): { occurredAt: Date; events: DeploymentEvent[]; note?: string } {
  const repository = need(optObj(payload, 'repository'));
  const deployment = obj(payload, 'deployment');
  if (status === 'created') {
    const occurredAt = time(deployment, 'created_at', 'deployment.created_at');
    const ev = deploymentEvent(envelope(occurredAt), payload, deployment, repository, 'QUEUED');
    return { occurredAt, events: [ev] };
  }
  const reported = obj(payload, 'deployment_status');
  const state = str(reported, 'state', 'deployment_status.state');
  const occurredAt = time(reported, 'created_at', 'deployment_status.created_at');
  const mapped = entryOf(DEPLOYMENT_STATE, state);
  if (mapped === undefined) {
    throw new MappingError(`unknown state ${JSON.stringify(state)}`, 'deployment_status.state');
  }
  if (mapped === 'SUPERSEDED') {
    return {
      occurredAt,
      events: [],
      note: 'deployment_status inactive: the deployment was superseded by a newer one in its environment; this is not a failure and changes nothing',
    };
  }
  const ev = deploymentEvent(envelope(occurredAt), payload, deployment, repository, mapped, {
    finishedAt: TERMINAL_DEPLOYMENT.has(mapped) ? occurredAt : undefined,
    url:
      optStr(reported, 'log_url') ??
      optStr(reported, 'target_url') ??
      optStr(reported, 'environment_url'),
  });
  return { occurredAt, events: [ev] };
}

/** `inactive` is set on older successful deployments when a newer one succeeds: superseded. */
const DEPLOYMENT_STATE: Readonly<Record<string, DeploymentStatus | 'SUPERSEDED' | undefined>> = {
  pending: 'QUEUED',
  queued: 'QUEUED',
  waiting: 'QUEUED',
  in_progress: 'IN_PROGRESS',
  success: 'SUCCEEDED',
  failure: 'FAILED',
  error: 'FAILED',
  inactive: 'SUPERSEDED',
};
const TERMINAL_DEPLOYMENT = new Set<DeploymentStatus>(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/**
 * deployment.payload is free-form JSON (an object, or a string holding one) set by whoever
 * created the deployment; Shipwatch reads `service`, `namespace`, `version` and `kind` from it.
 */
function deploymentPayload(deployment: JsonObject): JsonObject {
  const value = deployment.payload;
  if (isObject(value)) return value;
  if (typeof value === 'string' && value.trim().startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (isObject(parsed)) return parsed;
    } catch {
      // a plain string payload carries no conventions
    }
  }
  return {};
}

function deploymentKind(value: string | undefined): DeploymentKind | undefined {
  const upper = value?.toUpperCase();
  return DEPLOYMENT_KINDS.find((k) => k === upper);
}

/**
 * Which service and version a GitHub deployment is: deployment.payload's `service`, `namespace`
 * and `version` conventions, else the repository's name and the deployment's commit SHA. The
 * deployment events and the deployment protection rule (the gate) read it the same way.
 */
export function deploymentIdentity(
  deployment: JsonObject,
  repository: JsonObject,
): {
  service: string;
  namespace?: string;
  version?: string;
  sha?: string;
  conventions: JsonObject;
} {
  const conventions = deploymentPayload(deployment);
  const sha = optSha(optStr(deployment, 'sha'));
  return {
    service: optStr(conventions, 'service') ?? str(repository, 'name', 'repository.name'),
    namespace: optStr(conventions, 'namespace'),
    version: optStr(conventions, 'version') ?? sha,
    sha,
    conventions,
  };
}

/**
 * Every event of one deployment (the `deployment` itself and each `deployment_status`) carries
 * the same identity, start time and workflow run, taken from the deployment object and the
 * payload's `workflow_run`, so that they can arrive in any order and still build the same row.
 */
function deploymentEvent(
  envelope: Envelope,
  payload: JsonObject,
  deployment: JsonObject,
  repository: JsonObject,
  status: DeploymentStatus,
  extra: { finishedAt?: Date; url?: string } = {},
): DeploymentEvent {
  const { service, namespace, version, sha, conventions } = deploymentIdentity(
    deployment,
    repository,
  );
  return {
    type: 'deployment',
    envelope,
    deploymentId: str(deployment, 'id', 'deployment.id'),
    service: {
      name: service,
      ...(namespace ? { namespace } : {}),
      repository: repoName(repository),
    },
    environment: {
      name: str(deployment, 'environment', 'deployment.environment'),
      // GitHub: "the environment is one that end-users directly interact with"
      ...(deployment.production_environment === true ? { tier: 'production' as const } : {}),
    },
    version,
    commitSha: sha,
    repository: repoName(repository),
    status,
    kind: deploymentKind(optStr(conventions, 'kind')),
    startedAt: time(deployment, 'created_at', 'deployment.created_at'),
    finishedAt: extra.finishedAt,
    url: extra.url,
    pipelineRun: workflowRun(payload),
  };
}

/**
 * The workflow run whose job created the deployment (an `environment:` job of GitHub Actions),
 * given in both deployment and deployment_status events; its latest attempt is the run shown.
 */
function workflowRun(payload: JsonObject): { id: string } | undefined {
  const run = optObj(payload, 'workflow_run');
  const id = run ? optStr(run, 'id') : undefined;
  return id ? { id } : undefined;
}
