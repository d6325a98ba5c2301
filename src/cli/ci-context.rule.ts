/**
 * What the CI system tells a step through its environment, and the stable ids derived from it.
 * Pure: the environment is passed in.
 *
 * A retried CI step must not create a second event, so an event id is a hash of the pipeline
 * run, the job, the command and the arguments the user gave; a retry of the same step produces
 * the same id and Shipwatch answers DUPLICATE. Outside CI there is nothing stable to hash, so the
 * id is random (pass --event-id to make a shell script's retries idempotent).
 */
import { createHash, randomUUID } from 'node:crypto';

export type Environment = Readonly<Record<string, string | undefined>>;

export interface CiContext {
  readonly system: 'github-actions' | 'gitlab-ci' | 'jenkins';
  /** Short prefix of derived ids: gh, gl, jk. */
  readonly prefix: string;
  /** The pipeline run: GitHub run id, GitLab pipeline id, Jenkins build tag. */
  readonly runId: string;
  readonly attempt?: number;
  /** Stable across retries of a job (its name, not its id). */
  readonly job?: string;
  readonly pipelineName?: string;
  readonly repository?: string;
  readonly commitSha?: string;
  readonly ref?: string;
  readonly url?: string;
}

const clean = (v: string | undefined): string | undefined =>
  v === undefined || v.trim() === '' ? undefined : v.trim();

export function detectCi(env: Environment): CiContext | null {
  if (env.GITHUB_ACTIONS === 'true' && clean(env.GITHUB_RUN_ID)) {
    const server = clean(env.GITHUB_SERVER_URL) ?? 'https://github.com';
    const repository = clean(env.GITHUB_REPOSITORY);
    const runId = env.GITHUB_RUN_ID!.trim();
    const attempt = Number(env.GITHUB_RUN_ATTEMPT);
    return {
      system: 'github-actions',
      prefix: 'gh',
      runId,
      attempt: Number.isInteger(attempt) && attempt >= 1 ? attempt : undefined,
      job: clean(env.GITHUB_JOB),
      pipelineName: clean(env.GITHUB_WORKFLOW),
      repository,
      commitSha: clean(env.GITHUB_SHA),
      ref: clean(env.GITHUB_REF_NAME),
      url: repository ? `${server}/${repository}/actions/runs/${runId}` : undefined,
    };
  }
  if (env.GITLAB_CI === 'true' && clean(env.CI_PIPELINE_ID)) {
    return {
      system: 'gitlab-ci',
      prefix: 'gl',
      runId: env.CI_PIPELINE_ID!.trim(),
      job: clean(env.CI_JOB_NAME),
      pipelineName: clean(env.CI_PIPELINE_NAME) ?? clean(env.CI_PROJECT_PATH),
      repository: clean(env.CI_PROJECT_PATH),
      commitSha: clean(env.CI_COMMIT_SHA),
      ref: clean(env.CI_COMMIT_REF_NAME),
      url: clean(env.CI_PIPELINE_URL),
    };
  }
  if (clean(env.JENKINS_URL) && clean(env.BUILD_TAG)) {
    return {
      system: 'jenkins',
      prefix: 'jk',
      runId: env.BUILD_TAG!.trim(),
      pipelineName: clean(env.JOB_NAME),
      commitSha: clean(env.GIT_COMMIT),
      ref: clean(env.GIT_BRANCH),
      url: clean(env.BUILD_URL),
    };
  }
  return null;
}

/** The user's arguments in a canonical order, without values that vary between retries. */
export type CanonicalArgs = Readonly<
  Record<string, string | boolean | readonly string[] | undefined>
>;

/**
 * The event id of one CLI invocation: `--event-id` when given; in CI a hash of (system,
 * repository, run, job, command, arguments); otherwise random.
 */
export function deriveEventId(input: {
  readonly explicit?: string;
  readonly ci: CiContext | null;
  readonly command: string;
  readonly args: CanonicalArgs;
  readonly random?: () => string;
}): { eventId: string; stable: boolean } {
  if (input.explicit) return { eventId: input.explicit, stable: true };
  if (!input.ci) return { eventId: `cli-${(input.random ?? randomUUID)()}`, stable: false };
  const { ci } = input;
  const entries = Object.entries(input.args)
    .filter(([, v]) => v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const material = JSON.stringify([
    ci.system,
    ci.repository ?? '',
    ci.runId,
    ci.job ?? '',
    input.command,
    entries,
  ]);
  const hash = createHash('sha256').update(material).digest('hex').slice(0, 32);
  return { eventId: `${ci.prefix}-${ci.runId}-${hash}`, stable: true };
}

/**
 * The natural id of a deployment reported from CI: the same for `deployment start` and
 * `deployment finish` of one service and environment in one pipeline run, so that neither needs
 * an --id. Null outside CI.
 */
export function deriveDeploymentId(
  ci: CiContext | null,
  service: string,
  environment: string,
  namespace = '',
  /** A wave of a multi-target release: each target is its own deployment. */
  target = '',
): string | null {
  if (!ci) return null;
  const parts = [ci.prefix, ci.runId, namespace, service, environment, target].filter(
    (p) => p !== '',
  );
  return parts.join(':');
}
