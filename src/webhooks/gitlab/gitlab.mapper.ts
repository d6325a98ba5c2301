import {
  ENVIRONMENT_TIERS,
  type ChangeEvent,
  type CommitRef,
  type DeploymentEvent,
  type DeploymentStatus,
  type EnvironmentTier,
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
  earliest,
  hostSource,
  isObject,
  obj,
  optObj,
  optSha,
  optStr,
  optTime,
  sha256Hex,
  str,
} from '../webhook-mapping.js';

/** The GitLab hooks Shipwatch applies; every other hook is stored raw and acknowledged. */
export const GITLAB_EVENTS = [
  'Pipeline Hook',
  'Job Hook',
  'Deployment Hook',
  'Merge Request Hook',
  'Push Hook',
] as const;

/** Optional overrides from the webhook URL, e.g. `/webhooks/gitlab?service=checkout`. */
export interface GitlabHookOptions {
  readonly service?: string;
  readonly namespace?: string;
}

/**
 * The dedupe key of a GitLab delivery: `Idempotency-Key` (stable across retries and manual
 * resends, GitLab >= 17.4), else `X-Gitlab-Event-UUID` (one per event), else the body's SHA-256.
 */
export function gitlabDedupeKey(headers: Headers, rawBody: Buffer): string {
  const key = headers['idempotency-key'];
  if (key) return `idempotency:${key}`;
  const uuid = headers['x-gitlab-event-uuid'];
  if (uuid) return `event:${uuid}`;
  return `sha256:${sha256Hex(rawBody)}`;
}

/**
 * Maps one GitLab webhook delivery onto domain events. Pure. GitLab writes timestamps in several
 * formats (`2016-08-12 15:23:28 UTC`, `2021-04-28 21:50:00 +0200`, ISO 8601 with offsets); all
 * are read as UTC. Throws MappingError when the payload does not have the documented shape.
 */
export function mapGitlabDelivery(
  headers: Headers,
  payload: unknown,
  receivedAt: Date,
  dedupeKey: string,
  options: GitlabHookOptions = {},
): MappedDelivery {
  const event = headers['x-gitlab-event'];
  if (!event) throw new MappingError('the X-Gitlab-Event header is missing');
  if (!isObject(payload)) throw new MappingError('the body is not a JSON object');
  const project = optObj(payload, 'project');
  const source = hostSource(
    'gitlab',
    headers['x-gitlab-instance'] ?? (project ? optStr(project, 'web_url') : undefined),
  );
  const base = { kind: event, source, dedupeKey };
  const envelope = (occurredAt: Date | undefined): Envelope => ({
    source,
    eventId: dedupeKey,
    occurredAt,
  });

  switch (event) {
    case 'Pipeline Hook': {
      const ev = pipelineEvent(envelope, payload);
      return { ...base, occurredAt: ev.envelope.occurredAt, events: [ev] };
    }
    case 'Job Hook': {
      const ev = jobEvent(envelope, payload);
      return { ...base, occurredAt: ev.envelope.occurredAt, events: [ev] };
    }
    case 'Deployment Hook': {
      const ev = deploymentEvent(envelope, payload, options);
      return { ...base, occurredAt: ev.envelope.occurredAt, events: [ev] };
    }
    case 'Merge Request Hook': {
      const attrs = obj(payload, 'object_attributes');
      const action = optStr(attrs, 'action');
      if (action !== 'merge') {
        return {
          ...base,
          occurredAt: optTime(attrs, 'updated_at', 'object_attributes.updated_at'),
          events: [],
          note: `merge request ${action ?? '(no action)'} is stored; only merged merge requests are changes`,
        };
      }
      const ev = mergedRequestEvent(envelope, payload, attrs);
      return { ...base, occurredAt: ev.envelope.occurredAt, events: [ev] };
    }
    case 'Push Hook': {
      const result = pushEvent(envelope, payload, receivedAt);
      return { ...base, occurredAt: receivedAt, ...result };
    }
    default:
      return {
        ...base,
        events: [],
        note: `GitLab ${JSON.stringify(event)} is stored; Shipwatch applies ${GITLAB_EVENTS.join(', ')}`,
      };
  }
}

/** The project's web URL, for links. */
function projectUrl(payload: JsonObject): string | undefined {
  const project = optObj(payload, 'project');
  if (project) return optStr(project, 'web_url');
  const repository = optObj(payload, 'repository');
  return repository ? optStr(repository, 'homepage') : undefined;
}

/**
 * The repository identity shared by pushes, runs and deployments: `group/project`
 * (path_with_namespace, CI_PROJECT_PATH), like GitHub's `owner/name`.
 */
function projectRepository(payload: JsonObject): string | undefined {
  const project = optObj(payload, 'project');
  const path = project ? optStr(project, 'path_with_namespace') : undefined;
  if (path) return path;
  const url = projectUrl(payload);
  if (!url) return undefined;
  try {
    return new URL(url).pathname.replace(/^\/+|\/+$/g, '') || undefined;
  } catch {
    return undefined;
  }
}

function requireRepository(payload: JsonObject): string {
  const repository = projectRepository(payload);
  if (!repository) throw new MappingError('expected an object with path_with_namespace', 'project');
  return repository;
}

/** The last segment of `group/sub/project`: how CI jobs usually name the service they build. */
function projectPath(payload: JsonObject): string | undefined {
  const project = optObj(payload, 'project');
  const full = project
    ? (optStr(project, 'path_with_namespace') ?? optStr(project, 'name'))
    : optStr(payload, 'project_name');
  return full?.split('/').pop()?.trim() || undefined;
}

/** Pipeline statuses (docs.gitlab.com/api/pipelines). */
const PIPELINE_STATUS: Readonly<
  Record<string, { status: RunStatus; outcome?: RunOutcome } | undefined>
> = {
  created: { status: 'QUEUED' },
  waiting_for_resource: { status: 'QUEUED' },
  waiting_for_callback: { status: 'QUEUED' },
  preparing: { status: 'QUEUED' },
  pending: { status: 'QUEUED' },
  scheduled: { status: 'QUEUED' },
  manual: { status: 'QUEUED' },
  running: { status: 'RUNNING' },
  canceling: { status: 'RUNNING' },
  success: { status: 'FINISHED', outcome: 'SUCCESS' },
  failed: { status: 'FINISHED', outcome: 'FAILURE' },
  canceled: { status: 'FINISHED', outcome: 'CANCELLED' },
  skipped: { status: 'FINISHED', outcome: 'SKIPPED' },
};

function pipelineStatus(value: string, path: string): { status: RunStatus; outcome?: RunOutcome } {
  const mapped = PIPELINE_STATUS[value];
  if (!mapped) throw new MappingError(`unknown status ${JSON.stringify(value)}`, path);
  return mapped;
}

function pipelineName(name: string | undefined, payload: JsonObject): string {
  return name ?? projectPath(payload) ?? 'pipeline';
}

function pipelineEvent(
  envelope: (occurredAt: Date | undefined) => Envelope,
  payload: JsonObject,
): PipelineRunEvent {
  const attrs = obj(payload, 'object_attributes');
  const { status, outcome } = pipelineStatus(
    str(attrs, 'status', 'object_attributes.status'),
    'object_attributes.status',
  );
  const createdAt = optTime(attrs, 'created_at', 'object_attributes.created_at');
  const finishedAt = optTime(attrs, 'finished_at', 'object_attributes.finished_at');
  // the pipeline itself has no start time: its first job's start is when it began running
  const jobStarts = arr(payload, 'builds').map((b, i) =>
    isObject(b) ? optTime(b, 'started_at', `builds[${i}].started_at`) : undefined,
  );
  const startedAt = status === 'QUEUED' ? undefined : earliest(jobStarts);
  return {
    type: 'pipelineRun',
    envelope: envelope(finishedAt ?? startedAt ?? createdAt),
    runId: str(attrs, 'id', 'object_attributes.id'),
    attempt: 1,
    pipelineName: pipelineName(optStr(attrs, 'name'), payload),
    repository: projectRepository(payload),
    ref: optStr(attrs, 'ref'),
    commitSha: optSha(optStr(attrs, 'sha')),
    status,
    outcome,
    queuedAt: createdAt,
    startedAt,
    finishedAt: status === 'FINISHED' ? finishedAt : undefined,
    url: optStr(attrs, 'url'),
  };
}

/**
 * A job tells about its pipeline: the pipeline exists and, once a job runs, is running. A job
 * never finishes its pipeline; the job's own details stay in the raw event.
 */
function jobEvent(
  envelope: (occurredAt: Date | undefined) => Envelope,
  payload: JsonObject,
): PipelineRunEvent {
  const jobStatus = pipelineStatus(str(payload, 'build_status'), 'build_status');
  const pipelineId = str(payload, 'pipeline_id');
  // in Job hooks `commit` describes the pipeline: commit.id is the pipeline id, name its name
  const pipeline = optObj(payload, 'commit');
  const occurredAt =
    optTime(payload, 'build_finished_at') ??
    optTime(payload, 'build_started_at') ??
    optTime(payload, 'build_created_at');
  const web = projectUrl(payload);
  return {
    type: 'pipelineRun',
    envelope: envelope(occurredAt),
    runId: pipelineId,
    attempt: 1,
    pipelineName: pipelineName(pipeline ? optStr(pipeline, 'name') : undefined, payload),
    repository: projectRepository(payload),
    ref: optStr(payload, 'ref'),
    commitSha: optSha(optStr(payload, 'sha')),
    status: jobStatus.status === 'QUEUED' ? 'QUEUED' : 'RUNNING',
    url: web ? `${web}/-/pipelines/${pipelineId}` : undefined,
  };
}

/** Deployment statuses: fired when a deployment starts, succeeds, fails or is canceled. */
const DEPLOYMENT_STATUS: Readonly<Record<string, DeploymentStatus | undefined>> = {
  created: 'QUEUED',
  blocked: 'QUEUED',
  running: 'IN_PROGRESS',
  success: 'SUCCEEDED',
  failed: 'FAILED',
  canceled: 'CANCELLED',
  skipped: 'CANCELLED',
};

function deploymentEvent(
  envelope: (occurredAt: Date | undefined) => Envelope,
  payload: JsonObject,
  options: GitlabHookOptions,
): DeploymentEvent {
  const raw = str(payload, 'status');
  const status = DEPLOYMENT_STATUS[raw];
  if (!status) throw new MappingError(`unknown status ${JSON.stringify(raw)}`, 'status');
  const changedAt = optTime(payload, 'status_changed_at');
  // the payload has no full SHA: it is the last segment of commit_url (…/-/commit/<sha>)
  const fromUrl = /\/commit\/([0-9a-fA-F]{40,64})\/?$/.exec(optStr(payload, 'commit_url') ?? '');
  const sha = optSha(fromUrl?.[1]) ?? optSha(optStr(payload, 'short_sha'));
  const tier = optStr(payload, 'environment_tier');
  const repository = projectRepository(payload);
  const service = options.service ?? projectPath(payload);
  if (!service) throw new MappingError('expected an object with path_with_namespace', 'project');
  return {
    type: 'deployment',
    envelope: envelope(changedAt),
    deploymentId: str(payload, 'deployment_id'),
    service: {
      name: service,
      ...(options.namespace ? { namespace: options.namespace } : {}),
      repository,
    },
    environment: {
      name: str(payload, 'environment'),
      tier: ENVIRONMENT_TIERS.find((t): t is EnvironmentTier => t === tier),
    },
    version: sha,
    commitSha: sha,
    repository,
    status,
    startedAt: status === 'IN_PROGRESS' ? changedAt : undefined,
    finishedAt:
      status === 'SUCCEEDED' || status === 'FAILED' || status === 'CANCELLED'
        ? changedAt
        : undefined,
    url: optStr(payload, 'deployable_url') ?? optStr(payload, 'environment_external_url'),
  };
}

/**
 * A merged merge request. The commit that lands on the target branch is the merge commit, the
 * squash commit, or (fast-forward merges) the source branch's last commit. No commits are given:
 * the payload has only the last one, which would pass for the merge request's first commit.
 */
function mergedRequestEvent(
  envelope: (occurredAt: Date | undefined) => Envelope,
  payload: JsonObject,
  attrs: JsonObject,
): ChangeEvent {
  const repository = requireRepository(payload);
  const changes = optObj(payload, 'changes');
  const updated = changes ? optObj(changes, 'updated_at') : undefined;
  const mergedAt =
    optTime(attrs, 'merged_at', 'object_attributes.merged_at') ??
    (updated ? optTime(updated, 'current', 'changes.updated_at.current') : undefined) ??
    optTime(attrs, 'updated_at', 'object_attributes.updated_at');
  const lastCommit = optObj(attrs, 'last_commit');
  const landed =
    optSha(optStr(attrs, 'merge_commit_sha')) ??
    optSha(optStr(attrs, 'squash_commit_sha')) ??
    optSha(lastCommit ? optStr(lastCommit, 'id') : undefined);
  return {
    type: 'change',
    envelope: envelope(mergedAt),
    repository,
    commits: [],
    pullRequest: {
      id: str(attrs, 'iid', 'object_attributes.iid'),
      mergedAt,
      mergeCommitSha: landed,
    },
  };
}

function pushEvent(
  envelope: (occurredAt: Date | undefined) => Envelope,
  payload: JsonObject,
  receivedAt: Date,
): { events: ChangeEvent[]; note?: string } {
  const repository = requireRepository(payload);
  const ref = optStr(payload, 'ref') ?? '(unknown ref)';
  if (!optSha(optStr(payload, 'after'))) {
    return { events: [], note: `push deleted ${ref}: nothing to record` };
  }
  const commits: CommitRef[] = arr(payload, 'commits').map((value, i) => {
    if (!isObject(value)) throw new MappingError('expected an object', `commits[${i}]`);
    return {
      sha: str(value, 'id', `commits[${i}].id`),
      repository,
      message: optStr(value, 'message'),
      committedAt: optTime(value, 'timestamp', `commits[${i}].timestamp`),
    };
  });
  if (commits.length === 0) {
    return { events: [], note: `push to ${ref} carries no new commits` };
  }
  const total = typeof payload.total_commits_count === 'number' ? payload.total_commits_count : 0;
  const ev: ChangeEvent = {
    type: 'change',
    envelope: envelope(receivedAt),
    repository,
    commits,
    // GitLab lists at most the newest 20 commits: `before` is only their parent when all are here
    before: total <= commits.length ? optSha(optStr(payload, 'before')) : undefined,
    // a Push Hook carries no push time; it is sent as the push happens
    pushedAt: receivedAt,
  };
  return {
    events: [ev],
    note:
      total > commits.length
        ? `the push has ${total} commits; GitLab sends only the newest ${commits.length}`
        : undefined,
  };
}
