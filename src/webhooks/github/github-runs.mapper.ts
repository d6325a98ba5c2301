import type { PipelineRunEvent, RunOutcome, RunStatus } from '../../ingestion/domain-events.js';
import {
  entryOf,
  type JsonObject,
  MappingError,
  type Unmapped,
  arr,
  isObject,
  obj,
  optInt,
  optObj,
  optSha,
  optStr,
  optTime,
  str,
} from '../webhook-mapping.js';
import {
  type EnvelopeAt,
  appName,
  appSlug,
  boundedId,
  repoName,
  runState,
  runStatus,
} from './github-payload.js';

/**
 * GitHub's CI events as pipeline runs. One run per unit that has an outcome of its own:
 *
 * - `workflow_run` (GitHub Actions): run `workflow_run.id`, one per `run_attempt`;
 *   `workflow_job` marks its run queued or running; `deployment_review` carries a snapshot of the
 *   run that waits for (or got) an approval.
 * - `check_suite` (CI reporting through the Checks API: CircleCI, Buildkite, Jenkins' Checks
 *   plugin, any GitHub App): run `check-suite/<id>`, the app's whole verdict on one commit; each
 *   `check_run` is one of its jobs and, like a workflow job, only marks it queued or running.
 *   Suites of GitHub Actions are skipped: their workflow runs model them.
 * - `status` (the older Statuses API: Jenkins, Buildkite, CircleCI, ...): one run per commit and
 *   context (`status/<sha>/<context>`); `pending` means running, `success`/`failure`/`error`
 *   finish it. A re-run reporting the same context on the same commit is the same run again:
 *   its newer result wins.
 *
 * The run names: the workflow, the app of the check suite, the status context.
 */

export const GITHUB_ACTIONS_APP = 'github-actions';

/** The run's web page, the same string for workflow_run and workflow_job deliveries. */
function runUrl(repository: JsonObject, runId: string): string | undefined {
  const html = optStr(repository, 'html_url');
  return html ? `${html}/actions/runs/${runId}` : undefined;
}

/** A workflow run from the `workflow_run` object of a workflow_run or deployment_review event. */
export function workflowRunEvent(
  envelope: EnvelopeAt,
  payload: JsonObject,
  repository: JsonObject,
): PipelineRunEvent {
  const run = obj(payload, 'workflow_run');
  const runId = str(run, 'id', 'workflow_run.id');
  const attempt = optInt(run, 'run_attempt') ?? 1;
  const { status, outcome } = runState(run, 'workflow_run');
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
export function workflowJobEvent(
  envelope: EnvelopeAt,
  payload: JsonObject,
  repository: JsonObject,
): PipelineRunEvent | Unmapped {
  const job = obj(payload, 'workflow_job');
  const runId = str(job, 'run_id', 'workflow_job.run_id');
  const jobStatus = runStatus(str(job, 'status', 'workflow_job.status'), 'workflow_job.status');
  const pipelineName = optStr(job, 'workflow_name');
  if (!pipelineName) {
    return {
      note: 'workflow_job without workflow_name (older GitHub Enterprise): stored; its run is recorded from workflow_run',
    };
  }
  const occurredAt =
    optTime(job, 'completed_at', 'workflow_job.completed_at') ??
    optTime(job, 'started_at', 'workflow_job.started_at') ??
    optTime(job, 'created_at', 'workflow_job.created_at');
  return {
    type: 'pipelineRun',
    envelope: envelope(occurredAt),
    runId,
    attempt: optInt(job, 'run_attempt') ?? 1,
    pipelineName,
    repository: repoName(repository),
    ref: optStr(job, 'head_branch'),
    commitSha: optSha(optStr(job, 'head_sha')),
    status: jobStatus === 'QUEUED' ? 'QUEUED' : 'RUNNING',
    url: runUrl(repository, runId),
  };
}

/**
 * What every event of one check suite's run shares: its id, and its name, the app that owns
 * the suite (`owners`: the suite, then the check run, whichever names it; every suite has one).
 */
function suiteRun(
  suite: JsonObject,
  owners: readonly JsonObject[],
  repository: JsonObject,
  path: string,
) {
  const name = owners.map(appName).find((n) => n !== undefined);
  if (!name) throw new MappingError('expected an object with a name', `${path}.app`);
  return {
    type: 'pipelineRun' as const,
    runId: `check-suite/${str(suite, 'id', `${path}.id`)}`,
    attempt: 1,
    pipelineName: boundedId(name),
    repository: repoName(repository),
    ref: optStr(suite, 'head_branch'),
  };
}

/**
 * A check suite: the verdict of one app (one CI system) on one commit. Repository and
 * organization webhooks get only `completed`; a GitHub App also `requested` and `rerequested`
 * for its own suites. A rerequested suite keeps its id: the re-run is the same run again, and
 * its newer conclusion replaces the older one. Queued at the suite's creation, finished at its
 * last update; it has no start time of its own (its first check run's start is used).
 */
export function checkSuiteEvent(
  envelope: EnvelopeAt,
  payload: JsonObject,
  repository: JsonObject,
): PipelineRunEvent | Unmapped {
  const suite = obj(payload, 'check_suite');
  if (appSlug(suite) === GITHUB_ACTIONS_APP) {
    return {
      note: 'check_suite of GitHub Actions: stored; the workflow_run events of its workflow record the run',
    };
  }
  const { status, outcome } = runState(suite, 'check_suite');
  const createdAt = optTime(suite, 'created_at', 'check_suite.created_at');
  const updatedAt = optTime(suite, 'updated_at', 'check_suite.updated_at');
  return {
    ...suiteRun(suite, [suite], repository, 'check_suite'),
    envelope: envelope(updatedAt ?? createdAt),
    commitSha: optSha(optStr(suite, 'head_sha')),
    status,
    outcome,
    queuedAt: createdAt,
    finishedAt: status === 'FINISHED' ? updatedAt : undefined,
  };
}

/**
 * A check run is one job of its check suite: it marks the suite's run queued or, once it has
 * started, running since its start (the suite's start is its first check run's). A check run
 * never finishes its suite: the suite's own `completed` does. Its name, conclusion and output
 * stay in the raw event. `requested_action` (someone pressed one of the app's buttons) is stored.
 */
export function checkRunEvent(
  envelope: EnvelopeAt,
  payload: JsonObject,
  repository: JsonObject,
): PipelineRunEvent | Unmapped {
  const run = obj(payload, 'check_run');
  const suite = obj(run, 'check_suite', 'check_run.check_suite');
  if (appSlug(run) === GITHUB_ACTIONS_APP || appSlug(suite) === GITHUB_ACTIONS_APP) {
    return {
      note: 'check_run of GitHub Actions: stored; the workflow_job and workflow_run events record it',
    };
  }
  if (optStr(payload, 'action') === 'requested_action') {
    return { note: 'check_run requested_action: a button of the app was pressed; nothing ran yet' };
  }
  const jobStatus = runStatus(str(run, 'status', 'check_run.status'), 'check_run.status');
  const status: RunStatus = jobStatus === 'QUEUED' ? 'QUEUED' : 'RUNNING';
  const startedAt = optTime(run, 'started_at', 'check_run.started_at');
  const completedAt = optTime(run, 'completed_at', 'check_run.completed_at');
  return {
    ...suiteRun(suite, [suite, run], repository, 'check_run.check_suite'),
    envelope: envelope(completedAt ?? startedAt),
    commitSha: optSha(optStr(run, 'head_sha')),
    status,
    startedAt: status === 'RUNNING' ? startedAt : undefined,
  };
}

/** Commit status states (docs.github.com/rest/commits/statuses). */
const STATUS_STATE: Readonly<
  Record<string, { status: RunStatus; outcome?: RunOutcome } | undefined>
> = {
  pending: { status: 'RUNNING' },
  success: { status: 'FINISHED', outcome: 'SUCCESS' },
  failure: { status: 'FINISHED', outcome: 'FAILURE' },
  error: { status: 'FINISHED', outcome: 'ERROR' },
};

/**
 * A commit status: the run of one CI context on one commit. `pending` is running since the
 * status was set; a final state finishes the run at that time. The branch is known only when
 * the commit is on exactly one branch.
 */
export function commitStatusEvent(
  envelope: EnvelopeAt,
  payload: JsonObject,
  repository: JsonObject,
): PipelineRunEvent {
  const state = str(payload, 'state');
  const mapped = entryOf(STATUS_STATE, state);
  if (!mapped) throw new MappingError(`unknown state ${JSON.stringify(state)}`, 'state');
  const sha = optSha(str(payload, 'sha'));
  if (!sha) throw new MappingError('expected a commit SHA', 'sha');
  const context = str(payload, 'context');
  const at = optTime(payload, 'updated_at') ?? optTime(payload, 'created_at');
  const branches = arr(payload, 'branches');
  const only = branches.length === 1 && isObject(branches[0]) ? branches[0] : undefined;
  return {
    type: 'pipelineRun',
    envelope: envelope(at),
    runId: boundedId(`status/${sha}/${context}`),
    attempt: 1,
    pipelineName: boundedId(context),
    repository: repoName(repository),
    ref: only ? optStr(only, 'name') : undefined,
    commitSha: sha,
    status: mapped.status,
    outcome: mapped.outcome,
    startedAt: mapped.status === 'RUNNING' ? at : undefined,
    finishedAt: mapped.status === 'FINISHED' ? at : undefined,
    url: optStr(payload, 'target_url'),
  };
}
