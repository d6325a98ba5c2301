import {
  ENVIRONMENT_TIERS,
  type ChangeEvent,
  type CommitRef,
  type DeploymentEvent,
  type DeploymentStatus,
  type EnvironmentTier,
  type DomainEvent,
  type Envelope,
  type PipelineRunEvent,
  type RunOutcome,
  type RunStatus,
} from '../../ingestion/domain-events.js';
import {
  entryOf,
  type DeliveryIdentity,
  type Headers,
  type JsonObject,
  type MappedDelivery,
  MappingError,
  type Unmapped,
  arr,
  changedPaths,
  earliest,
  isObject,
  labelNames,
  obj,
  optObj,
  optSha,
  optStr,
  optTime,
  str,
} from '../webhook-mapping.js';
import { gitlabIncident } from './gitlab-incidents.mapper.js';
import { gitlabRelease, gitlabTagPush } from './gitlab-tags.mapper.js';
import {
  type EnvelopeAt,
  type GitlabHookOptions,
  projectPath,
  projectRepository,
  projectUrl,
  requireRepository,
} from './gitlab-payload.js';

/** The GitLab hooks Shipwatch applies; every other hook is stored raw and acknowledged. */
export const GITLAB_EVENTS = [
  'Pipeline Hook',
  'Job Hook',
  'Deployment Hook',
  'Merge Request Hook',
  'Push Hook',
  'Tag Push Hook',
  'Release Hook',
  'Issue Hook',
  'Confidential Issue Hook',
  'System Hook',
] as const;

/**
 * What a System Hook (an instance-wide hook: every delivery has `X-Gitlab-Event: System Hook`)
 * is, from its body: the project hook of the same shape that Shipwatch maps.
 */
const SYSTEM_HOOK_EVENTS: Readonly<Record<string, string | undefined>> = {
  push: 'Push Hook',
  tag_push: 'Tag Push Hook',
  merge_request: 'Merge Request Hook',
};

/**
 * Maps one GitLab webhook delivery onto domain events, under the source and dedupe key the
 * endpoint decided (from the token that authenticated it and the body's hash). Pure. GitLab
 * writes timestamps in several formats (`2016-08-12 15:23:28 UTC`, `2021-04-28 21:50:00 +0200`,
 * ISO 8601 with offsets); all are read as UTC. Throws MappingError when the payload does not
 * have the documented shape.
 */
export function mapGitlabDelivery(
  headers: Headers,
  payload: unknown,
  receivedAt: Date,
  identity: DeliveryIdentity,
  options: GitlabHookOptions = {},
): MappedDelivery {
  const event = headers['x-gitlab-event'];
  if (!event) throw new MappingError('the X-Gitlab-Event header is missing');
  if (!isObject(payload)) throw new MappingError('the body is not a JSON object');
  const { source, dedupeKey } = identity;
  const envelope = (occurredAt: Date | undefined): Envelope => ({
    source,
    eventId: dedupeKey,
    occurredAt,
  });
  if (event !== 'System Hook') {
    return {
      kind: event,
      source,
      dedupeKey,
      ...mapHook(event, envelope, payload, receivedAt, options),
    };
  }
  const name = optStr(payload, 'object_kind') ?? optStr(payload, 'event_name');
  const hook = name === undefined ? undefined : entryOf(SYSTEM_HOOK_EVENTS, name);
  const kind = `System Hook: ${name ?? '(unnamed)'}`;
  if (!hook) {
    return {
      kind,
      source,
      dedupeKey,
      events: [],
      note: `system hook ${JSON.stringify(name ?? null)} is stored; Shipwatch applies the system hooks ${Object.keys(SYSTEM_HOOK_EVENTS).join(', ')}`,
    };
  }
  return { kind, source, dedupeKey, ...mapHook(hook, envelope, payload, receivedAt, options) };
}

type Mapped = Pick<MappedDelivery, 'occurredAt' | 'events' | 'note'>;

/** One hook's events, or the note why it has none. */
function mapHook(
  event: string,
  envelope: EnvelopeAt,
  payload: JsonObject,
  receivedAt: Date,
  options: GitlabHookOptions,
): Mapped {
  const one = (ev: DomainEvent): Mapped => ({ occurredAt: ev.envelope.occurredAt, events: [ev] });
  const oneOrNote = (ev: DomainEvent | Unmapped): Mapped =>
    'note' in ev ? { events: [], note: ev.note } : one(ev);
  switch (event) {
    case 'Pipeline Hook':
      return one(pipelineEvent(envelope, payload));
    case 'Job Hook':
      return one(jobEvent(envelope, payload));
    case 'Deployment Hook':
      return one(deploymentEvent(envelope, payload, options));
    case 'Merge Request Hook': {
      const attrs = obj(payload, 'object_attributes');
      const action = optStr(attrs, 'action');
      if (action !== 'merge') {
        return {
          occurredAt: optTime(attrs, 'updated_at', 'object_attributes.updated_at'),
          events: [],
          note: `merge request ${action ?? '(no action)'} is stored; only merged merge requests are changes`,
        };
      }
      return one(mergedRequestEvent(envelope, payload, attrs));
    }
    case 'Push Hook':
      return { occurredAt: receivedAt, ...pushEvent(envelope, payload, receivedAt) };
    case 'Tag Push Hook':
      return oneOrNote(gitlabTagPush(envelope, payload, receivedAt));
    case 'Release Hook':
      return oneOrNote(gitlabRelease(envelope, payload));
    case 'Issue Hook':
    case 'Confidential Issue Hook':
      return oneOrNote(gitlabIncident(envelope, payload, options));
    default:
      return {
        events: [],
        note: `GitLab ${JSON.stringify(event)} is stored; Shipwatch applies ${GITLAB_EVENTS.join(', ')}`,
      };
  }
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
  const mapped = entryOf(PIPELINE_STATUS, value);
  if (!mapped) throw new MappingError(`unknown status ${JSON.stringify(value)}`, path);
  return mapped;
}

function pipelineName(name: string | undefined, payload: JsonObject): string {
  return name ?? projectPath(payload) ?? 'pipeline';
}

function pipelineEvent(envelope: EnvelopeAt, payload: JsonObject): PipelineRunEvent {
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
function jobEvent(envelope: EnvelopeAt, payload: JsonObject): PipelineRunEvent {
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

/**
 * `production/api` → environment `production`, service `api` (GitLab shows environments named
 * with a `/` in a folder); undefined for a name without a folder or with an empty segment.
 */
export function environmentFolder(
  name: string,
): { environment: string; service: string } | undefined {
  const at = name.lastIndexOf('/');
  const environment = name.slice(0, at).trim();
  const service = name.slice(at + 1).trim();
  return at > 0 && environment && service ? { environment, service } : undefined;
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
  envelope: EnvelopeAt,
  payload: JsonObject,
  options: GitlabHookOptions,
): DeploymentEvent {
  const raw = str(payload, 'status');
  const status = entryOf(DEPLOYMENT_STATUS, raw);
  if (!status) throw new MappingError(`unknown status ${JSON.stringify(raw)}`, 'status');
  const changedAt = optTime(payload, 'status_changed_at');
  // the payload has no full SHA: it is the last segment of commit_url (…/-/commit/<sha>)
  const fromUrl = /\/commit\/([0-9a-fA-F]{40,64})\/?$/.exec(optStr(payload, 'commit_url') ?? '');
  const sha = optSha(fromUrl?.[1]) ?? optSha(optStr(payload, 'short_sha'));
  const tier = optStr(payload, 'environment_tier');
  const repository = projectRepository(payload);
  const named = str(payload, 'environment');
  const folder = options.serviceFromEnvironment ? environmentFolder(named) : undefined;
  const service = folder?.service ?? options.service ?? projectPath(payload);
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
      name: folder?.environment ?? named,
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
  envelope: EnvelopeAt,
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
      title: optStr(attrs, 'title'),
      body: optStr(attrs, 'description'),
      headBranch: optStr(attrs, 'source_branch'),
      // the hook lists the labels at the top level (and, on older GitLab, in object_attributes)
      labels: labelNames(Array.isArray(payload.labels) ? payload : attrs, 'title'),
      // its start: a merge request hook names only its last commit, never its first
      createdAt: optTime(attrs, 'created_at', 'object_attributes.created_at'),
      // the hook's `user` is who acted (merged), not who opened it: no author
      url: optStr(attrs, 'url'),
    },
  };
}

function pushEvent(
  envelope: EnvelopeAt,
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
    const author = optObj(value, 'author');
    return {
      sha: str(value, 'id', `commits[${i}].id`),
      repository,
      message: optStr(value, 'message'),
      committedAt: optTime(value, 'timestamp', `commits[${i}].timestamp`),
      paths: changedPaths(value, `commits[${i}]`),
      author: author ? optStr(author, 'name') : undefined,
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
