import { deriveDeploymentId, deriveEventId, detectCi } from './ci-context.rule.js';

const GITHUB = {
  GITHUB_ACTIONS: 'true',
  GITHUB_RUN_ID: '9876543210',
  GITHUB_RUN_ATTEMPT: '2',
  GITHUB_JOB: 'deploy',
  GITHUB_WORKFLOW: 'release',
  GITHUB_REPOSITORY: 'acme/shop',
  GITHUB_SHA: 'a'.repeat(40),
  GITHUB_REF_NAME: 'main',
  GITHUB_SERVER_URL: 'https://github.com',
};
const GITLAB = {
  GITLAB_CI: 'true',
  CI_PIPELINE_ID: '4242',
  CI_JOB_ID: '99',
  CI_JOB_NAME: 'deploy',
  CI_PROJECT_PATH: 'group/shop',
  CI_COMMIT_SHA: 'b'.repeat(40),
  CI_COMMIT_REF_NAME: 'main',
  CI_PIPELINE_URL: 'https://gitlab.com/group/shop/-/pipelines/4242',
};

describe('detectCi', () => {
  it('reads GitHub Actions', () => {
    expect(detectCi(GITHUB)).toEqual({
      system: 'github-actions',
      prefix: 'gh',
      runId: '9876543210',
      attempt: 2,
      job: 'deploy',
      pipelineName: 'release',
      repository: 'acme/shop',
      commitSha: 'a'.repeat(40),
      ref: 'main',
      url: 'https://github.com/acme/shop/actions/runs/9876543210',
    });
  });

  it('reads GitLab CI, naming the pipeline after the project when it has no name', () => {
    expect(detectCi(GITLAB)).toMatchObject({
      system: 'gitlab-ci',
      runId: '4242',
      job: 'deploy',
      pipelineName: 'group/shop',
      url: GITLAB.CI_PIPELINE_URL,
    });
  });

  it('reads Jenkins, and nothing from a plain shell', () => {
    expect(
      detectCi({ JENKINS_URL: 'https://ci/', BUILD_TAG: 'jenkins-shop-17', JOB_NAME: 'shop' }),
    ).toMatchObject({ system: 'jenkins', runId: 'jenkins-shop-17', pipelineName: 'shop' });
    expect(detectCi({ CI: 'true', HOME: '/root' })).toBeNull();
    expect(detectCi({ GITHUB_ACTIONS: 'true' })).toBeNull();
  });
});

describe('deriveEventId', () => {
  const args = { service: 'api', environment: 'production', version: '1.2.3' };

  it('is the same for a retried step (same run, job, command and arguments) whatever the argument order or job id', () => {
    const first = deriveEventId({ ci: detectCi(GITLAB), command: 'deployment finish', args });
    const retry = deriveEventId({
      ci: detectCi({ ...GITLAB, CI_JOB_ID: '100' }),
      command: 'deployment finish',
      args: { version: '1.2.3', environment: 'production', service: 'api', namespace: undefined },
    });
    expect(first).toEqual(retry);
    expect(first.stable).toBe(true);
    expect(first.eventId).toMatch(/^gl-4242-[0-9a-f]{32}$/);
  });

  it('differs by command, arguments, job, run and repository', () => {
    const id = (ci: ReturnType<typeof detectCi>, command: string, a: object) =>
      deriveEventId({ ci, command, args: a as Record<string, string> }).eventId;
    const base = id(detectCi(GITHUB), 'deployment finish', args);
    expect(
      new Set([
        base,
        id(detectCi(GITHUB), 'deployment start', args),
        id(detectCi(GITHUB), 'deployment finish', { ...args, status: 'FAILED' }),
        id(detectCi({ ...GITHUB, GITHUB_JOB: 'verify' }), 'deployment finish', args),
        id(detectCi({ ...GITHUB, GITHUB_RUN_ID: '1' }), 'deployment finish', args),
        id(detectCi({ ...GITHUB, GITHUB_REPOSITORY: 'acme/other' }), 'deployment finish', args),
      ]).size,
    ).toBe(6);
  });

  it('takes --event-id as given, and is random outside CI', () => {
    expect(deriveEventId({ explicit: 'mine-1', ci: detectCi(GITHUB), command: 'x', args })).toEqual(
      { eventId: 'mine-1', stable: true },
    );
    expect(deriveEventId({ ci: null, command: 'x', args, random: () => 'r1' })).toEqual({
      eventId: 'cli-r1',
      stable: false,
    });
  });
});

describe('deriveDeploymentId', () => {
  it('is shared by start and finish of one service and environment in one pipeline run', () => {
    expect(deriveDeploymentId(detectCi(GITHUB), 'api', 'production')).toBe(
      'gh:9876543210:api:production',
    );
    expect(deriveDeploymentId(detectCi(GITLAB), 'api', 'staging', 'shop')).toBe(
      'gl:4242:shop:api:staging',
    );
    expect(deriveDeploymentId(null, 'api', 'production')).toBeNull();
  });
});
