import type { Envelope, RunOutcome, RunStatus } from '../../ingestion/domain-events.js';
import { MAX_ID_LENGTH } from '../../ingestion/event.validator.js';
import {
  entryOf,
  type JsonObject,
  MappingError,
  optObj,
  optStr,
  sha256Hex,
  str,
} from '../webhook-mapping.js';

/** The envelope of one delivery at an occurrence time (source and event id are the delivery's). */
export type EnvelopeAt = (occurredAt: Date | undefined) => Envelope;

/**
 * A repository is named `owner/name` (GitHub full_name, GitLab path_with_namespace, CI variables
 * GITHUB_REPOSITORY / CI_PROJECT_PATH), the same for pushes, runs and deployments, so that a
 * deployment finds the commits it carries whichever way each was reported.
 */
export function repoName(repository: JsonObject): string {
  return str(repository, 'full_name', 'repository.full_name');
}

export function need(repository: JsonObject | undefined): JsonObject {
  if (!repository) throw new MappingError('expected an object', 'repository');
  return repository;
}

/** GitHub run and check statuses (workflow runs, jobs, check suites and check runs). */
const RUN_STATUS: Readonly<Record<string, RunStatus | undefined>> = {
  requested: 'QUEUED',
  queued: 'QUEUED',
  pending: 'QUEUED',
  waiting: 'QUEUED',
  in_progress: 'RUNNING',
  completed: 'FINISHED',
};

/** GitHub conclusions; `action_required` means the run waits for someone (not finished). */
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

export function runStatus(value: string, path: string): RunStatus {
  const status = entryOf(RUN_STATUS, value);
  if (!status) throw new MappingError(`unknown status ${JSON.stringify(value)}`, path);
  return status;
}

/**
 * The status and outcome of a run or check suite from its `status` and `conclusion`: a completed
 * one with `action_required` is waiting (QUEUED), not finished.
 */
export function runState(
  owner: JsonObject,
  path: string,
): { status: RunStatus; outcome?: RunOutcome } {
  const status = runStatus(str(owner, 'status', `${path}.status`), `${path}.status`);
  const conclusion = optStr(owner, 'conclusion');
  if (status !== 'FINISHED' || conclusion === undefined) return { status };
  const mapped = entryOf(RUN_CONCLUSION, conclusion);
  if (!mapped) {
    throw new MappingError(
      `unknown conclusion ${JSON.stringify(conclusion)}`,
      `${path}.conclusion`,
    );
  }
  return mapped === 'WAITING' ? { status: 'QUEUED' } : { status, outcome: mapped };
}

/** The slug of the app that owns a check suite or check run (`github-actions` for Actions). */
export function appSlug(owner: JsonObject): string | undefined {
  const app = optObj(owner, 'app');
  return app ? optStr(app, 'slug') : undefined;
}

export function appName(owner: JsonObject): string | undefined {
  const app = optObj(owner, 'app');
  return app ? (optStr(app, 'name') ?? optStr(app, 'slug')) : undefined;
}

/**
 * A natural id or name built from producer strings (a status context may be long): kept as is
 * when it fits MAX_ID_LENGTH, else its start and a hash of the whole, so it stays unique.
 */
export function boundedId(value: string): string {
  if (value.length <= MAX_ID_LENGTH) return value;
  const head = value.slice(0, MAX_ID_LENGTH - 50);
  // the cut may split a surrogate pair: drop a dangling high surrogate
  const safe = /[\ud800-\udbff]$/.test(head) ? head.slice(0, -1) : head;
  return `${safe}…sha256:${sha256Hex(value).slice(0, 32)}`;
}
