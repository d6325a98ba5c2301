import {
  DEPLOYMENT_KINDS,
  type ChangeEvent,
  type CommitRef,
  type DeploymentEvent,
  type DeploymentKind,
  type DeploymentStatus,
  type DomainEvent,
  type Envelope,
  type PipelineRunEvent,
  type RunOutcome,
  type RunStatus,
} from '../../ingestion/domain-events.js';
import {
  type Headers,
  type JsonObject,
  type MappedDelivery,
  MappingError,
  arr,
  hostSource,
  isObject,
  obj,
  optInt,
  optObj,
  optSha,
  optStr,
  optTime,
  str,
  time,
} from '../webhook-mapping.js';

/** The GitHub events Shipwatch applies; every other event is stored raw and acknowledged. */
export const GITHUB_EVENTS = [
  'deployment',
  'deployment_status',
  'workflow_run',
  'workflow_job',
  'push',
  'pull_request',
] as const;

/**
 * Maps one GitHub webhook delivery (headers lower-cased, parsed JSON body) onto domain events.
 * Pure: the same input always gives the same output. Throws MappingError when the payload does
 * not have the documented shape.
 */
export function mapGithubDelivery(
  headers: Headers,
  payload: unknown,
  _receivedAt: Date,
): MappedDelivery {
  const event = headers['x-github-event'];
  if (!event) throw new MappingError('the X-GitHub-Event header is missing');
  const delivery = headers['x-github-delivery'];
  if (!delivery) throw new MappingError('the X-GitHub-Delivery header is missing');
  if (!isObject(payload)) throw new MappingError('the body is not a JSON object');
  const repository = optObj(payload, 'repository');
  const source = hostSource(
    'github',
    headers['x-github-enterprise-host']
      ? `https://${headers['x-github-enterprise-host']}`
      : repository
        ? optStr(repository, 'html_url')
        : undefined,
  );
  const base = { kind: event, source, dedupeKey: delivery };
  const envelope = (occurredAt: Date | undefined): Envelope => ({
    source,
    eventId: delivery,
    occurredAt,
  });
  const action = optStr(payload, 'action');

  switch (event) {
    case 'ping':
      return { ...base, events: [], note: 'ping: the webhook reaches Shipwatch' };
    case 'deployment': {
      const deployment = obj(payload, 'deployment');
      const occurredAt = time(deployment, 'created_at', 'deployment.created_at');
      const ev = deploymentEvent(envelope(occurredAt), deployment, need(repository), 'QUEUED');
      return { ...base, occurredAt, events: [ev] };
    }
    case 'deployment_status': {
      const status = obj(payload, 'deployment_status');
      const state = str(status, 'state', 'deployment_status.state');
      const occurredAt = time(status, 'created_at', 'deployment_status.created_at');
      const mapped = DEPLOYMENT_STATE[state];
      if (mapped === undefined) {
        throw new MappingError(`unknown state ${JSON.stringify(state)}`, 'deployment_status.state');
      }
      if (mapped === 'SUPERSEDED') {
        return {
          ...base,
          occurredAt,
          events: [],
          note: 'deployment_status inactive: the deployment was superseded by a newer one in its environment; this is not a failure and changes nothing',
        };
      }
      const ev = deploymentEvent(
        envelope(occurredAt),
        obj(payload, 'deployment'),
        need(repository),
        mapped,
        {
          finishedAt: TERMINAL_DEPLOYMENT.has(mapped) ? occurredAt : undefined,
          url:
            optStr(status, 'log_url') ??
            optStr(status, 'target_url') ??
            optStr(status, 'environment_url'),
        },
      );
      return { ...base, occurredAt, events: [ev] };
    }
    case 'workflow_run': {
      const ev = workflowRunEvent(envelope, payload, need(repository));
      return { ...base, occurredAt: ev.envelope.occurredAt, events: [ev] };
    }
    case 'workflow_job': {
      const ev = workflowJobEvent(envelope, payload, need(repository));
      if (!ev.pipelineName) {
        return {
          ...base,
          occurredAt: ev.envelope.occurredAt,
          events: [],
          note: 'workflow_job without workflow_name (older GitHub Enterprise): stored; its run is recorded from workflow_run',
        };
      }
      return {
        ...base,
        occurredAt: ev.envelope.occurredAt,
        events: [{ ...ev, pipelineName: ev.pipelineName }],
      };
    }
    case 'push': {
      const ev = pushEvent(envelope, payload, need(repository));
      if (!ev.events.length)
        return { ...base, occurredAt: ev.occurredAt, events: [], note: ev.note };
      return { ...base, occurredAt: ev.occurredAt, events: ev.events };
    }
    case 'pull_request': {
      const pr = obj(payload, 'pull_request');
      if (action !== 'closed' || pr.merged !== true) {
        return {
          ...base,
          occurredAt: optTime(pr, 'updated_at', 'pull_request.updated_at'),
          events: [],
          note:
            action === 'closed'
              ? 'pull_request closed without merging: not a change'
              : `pull_request ${action ?? '(no action)'} is stored; only merged pull requests are changes`,
        };
      }
      const ev = mergedPullRequestEvent(envelope, pr, need(repository));
      return { ...base, occurredAt: ev.envelope.occurredAt, events: [ev] };
    }
    default:
      return {
        ...base,
        events: [],
        note: `GitHub event ${JSON.stringify(event)} is stored; Shipwatch applies ${GITHUB_EVENTS.join(', ')}`,
      };
  }
}

/**
 * A repository is named `owner/name` (GitHub full_name, GitLab path_with_namespace, CI variables
 * GITHUB_REPOSITORY / CI_PROJECT_PATH), the same for pushes, runs and deployments, so that a
 * deployment finds the commits it carries whichever way each was reported.
 */
export function repoName(repository: JsonObject): string {
  return str(repository, 'full_name', 'repository.full_name');
}

function need(repository: JsonObject | undefined): JsonObject {
  if (!repository) throw new MappingError('expected an object', 'repository');
  return repository;
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
 * Every event of one deployment (the `deployment` itself and each `deployment_status`) carries
 * the same identity and start time, taken from the deployment object, so that they can arrive in
 * any order and still build the same row.
 */
function deploymentEvent(
  envelope: Envelope,
  deployment: JsonObject,
  repository: JsonObject,
  status: DeploymentStatus,
  extra: { finishedAt?: Date; url?: string } = {},
): DeploymentEvent {
  const conventions = deploymentPayload(deployment);
  const sha = optSha(optStr(deployment, 'sha'));
  const service = optStr(conventions, 'service') ?? str(repository, 'name', 'repository.name');
  const namespace = optStr(conventions, 'namespace');
  return {
    type: 'deployment',
    envelope,
    deploymentId: str(deployment, 'id', 'deployment.id'),
    service: {
      name: service,
      ...(namespace ? { namespace } : {}),
      repository: repoName(repository),
    },
    environment: { name: str(deployment, 'environment', 'deployment.environment') },
    version: optStr(conventions, 'version') ?? sha,
    commitSha: sha,
    repository: repoName(repository),
    status,
    kind: deploymentKind(optStr(conventions, 'kind')),
    startedAt: time(deployment, 'created_at', 'deployment.created_at'),
    finishedAt: extra.finishedAt,
    url: extra.url,
  };
}

const RUN_STATUS: Readonly<Record<string, RunStatus | undefined>> = {
  requested: 'QUEUED',
  queued: 'QUEUED',
  pending: 'QUEUED',
  waiting: 'QUEUED',
  in_progress: 'RUNNING',
  completed: 'FINISHED',
};

/** GitHub conclusions; `action_required` means the run waits for approval (not finished). */
const RUN_CONCLUSION: Readonly<Record<string, RunOutcome | 'WAITING' | undefined>> = {
  success: 'SUCCESS',
  neutral: 'SUCCESS',
  failure: 'FAILURE',
  cancelled: 'CANCELLED',
  stale: 'CANCELLED',
  timed_out: 'TIMEOUT',
  skipped: 'SKIPPED',
  startup_failure: 'ERROR',
  action_required: 'WAITING',
};

function runStatus(value: string, path: string): RunStatus {
  const status = RUN_STATUS[value];
  if (!status) throw new MappingError(`unknown status ${JSON.stringify(value)}`, path);
  return status;
}

/** The run's web page, the same string for workflow_run and workflow_job deliveries. */
function runUrl(repository: JsonObject, runId: string): string | undefined {
  const html = optStr(repository, 'html_url');
  return html ? `${html}/actions/runs/${runId}` : undefined;
}

function workflowRunEvent(
  envelope: (occurredAt: Date | undefined) => Envelope,
  payload: JsonObject,
  repository: JsonObject,
): PipelineRunEvent {
  const run = obj(payload, 'workflow_run');
  const runId = str(run, 'id', 'workflow_run.id');
  const attempt = optInt(run, 'run_attempt') ?? 1;
  let status = runStatus(str(run, 'status', 'workflow_run.status'), 'workflow_run.status');
  let outcome: RunOutcome | undefined;
  const conclusion = optStr(run, 'conclusion');
  if (status === 'FINISHED' && conclusion !== undefined) {
    const mapped = RUN_CONCLUSION[conclusion];
    if (!mapped) {
      throw new MappingError(
        `unknown conclusion ${JSON.stringify(conclusion)}`,
        'workflow_run.conclusion',
      );
    }
    if (mapped === 'WAITING') status = 'QUEUED';
    else outcome = mapped;
  }
  const createdAt = optTime(run, 'created_at', 'workflow_run.created_at');
  const attemptStartedAt = optTime(run, 'run_started_at', 'workflow_run.run_started_at');
  const updatedAt = optTime(run, 'updated_at', 'workflow_run.updated_at');
  const workflow = optObj(payload, 'workflow');
  return {
    type: 'pipelineRun',
    envelope: envelope(updatedAt ?? createdAt),
    runId,
    attempt,
    pipelineName:
      optStr(run, 'name') ??
      (workflow ? optStr(workflow, 'name') : undefined) ??
      str(run, 'path', 'workflow_run.path'),
    repository: repoName(repository),
    ref: optStr(run, 'head_branch'),
    commitSha: optSha(optStr(run, 'head_sha')),
    status,
    outcome,
    // a re-run keeps the run's created_at; its own attempt starts at run_started_at
    queuedAt: attempt === 1 ? createdAt : (attemptStartedAt ?? createdAt),
    startedAt: status === 'QUEUED' ? undefined : attemptStartedAt,
    finishedAt: status === 'FINISHED' ? updatedAt : undefined,
    url: optStr(run, 'html_url') ?? runUrl(repository, runId),
  };
}

/**
 * A job tells about its run: the run exists and, once a job started, is running. A job never
 * finishes its run (other jobs may follow), and its times are not the run's; the job's own
 * details stay in the raw event. The run's name is the workflow's (`workflow_name`, as in
 * workflow_run); without it there is no name that would not overwrite the run's real one.
 */
function workflowJobEvent(
  envelope: (occurredAt: Date | undefined) => Envelope,
  payload: JsonObject,
  repository: JsonObject,
): Omit<PipelineRunEvent, 'pipelineName'> & { pipelineName?: string } {
  const job = obj(payload, 'workflow_job');
  const runId = str(job, 'run_id', 'workflow_job.run_id');
  const jobStatus = runStatus(str(job, 'status', 'workflow_job.status'), 'workflow_job.status');
  const occurredAt =
    optTime(job, 'completed_at', 'workflow_job.completed_at') ??
    optTime(job, 'started_at', 'workflow_job.started_at') ??
    optTime(job, 'created_at', 'workflow_job.created_at');
  return {
    type: 'pipelineRun',
    envelope: envelope(occurredAt),
    runId,
    attempt: optInt(job, 'run_attempt') ?? 1,
    pipelineName: optStr(job, 'workflow_name'),
    repository: repoName(repository),
    ref: optStr(job, 'head_branch'),
    commitSha: optSha(optStr(job, 'head_sha')),
    status: jobStatus === 'QUEUED' ? 'QUEUED' : 'RUNNING',
    url: runUrl(repository, runId),
  };
}

/** Unix seconds (push events) or an ISO string (other events). */
function pushedAt(repository: JsonObject): Date | undefined {
  const value = repository.pushed_at;
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value * 1000);
  return optTime(repository, 'pushed_at', 'repository.pushed_at');
}

function pushEvent(
  envelope: (occurredAt: Date | undefined) => Envelope,
  payload: JsonObject,
  repository: JsonObject,
): { occurredAt?: Date; events: DomainEvent[]; note?: string } {
  const repoUrl = repoName(repository);
  const at = pushedAt(repository);
  const ref = optStr(payload, 'ref') ?? '(unknown ref)';
  if (payload.deleted === true) {
    return { occurredAt: at, events: [], note: `push deleted ${ref}: nothing to record` };
  }
  const commits: CommitRef[] = arr(payload, 'commits').map((value, i) => {
    if (!isObject(value)) throw new MappingError('expected an object', `commits[${i}]`);
    return {
      sha: str(value, 'id', `commits[${i}].id`),
      repository: repoUrl,
      message: optStr(value, 'message'),
      committedAt: optTime(value, 'timestamp', `commits[${i}].timestamp`),
    };
  });
  if (commits.length === 0) {
    return { occurredAt: at, events: [], note: `push to ${ref} carries no new commits` };
  }
  const ev: ChangeEvent = {
    type: 'change',
    envelope: envelope(at),
    repository: repoUrl,
    commits,
    before: optSha(optStr(payload, 'before')),
    pushedAt: at,
  };
  return { occurredAt: at, events: [ev] };
}

/**
 * Only `merged: true` is a merge: a closed, unmerged pull request still has a merge_commit_sha.
 * The payload names no commits of the pull request (only their count), so none are given: a
 * commit here would pass for its first commit; the first commit time is left unknown.
 */
function mergedPullRequestEvent(
  envelope: (occurredAt: Date | undefined) => Envelope,
  pr: JsonObject,
  repository: JsonObject,
): ChangeEvent {
  const mergedAt = time(pr, 'merged_at', 'pull_request.merged_at');
  return {
    type: 'change',
    envelope: envelope(mergedAt),
    repository: repoName(repository),
    commits: [],
    pullRequest: {
      id: str(pr, 'number', 'pull_request.number'),
      mergedAt,
      mergeCommitSha: optSha(optStr(pr, 'merge_commit_sha')),
    },
  };
}
