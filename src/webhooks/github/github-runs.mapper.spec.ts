import { githubExample, githubExamples } from '../../../test/support/webhooks.js';
import type { DeploymentEvent, PipelineRunEvent } from '../../ingestion/domain-events.js';
import { MAX_ID_LENGTH, validateEvent } from '../../ingestion/event.validator.js';
import { mapGithubDelivery } from './github.mapper.js';

/** check_suite, check_run, status, deployment_review and the workflow run of a deployment. */
const NOW = new Date('2026-11-30T12:00:00Z');
const map = (event: string, payload: unknown) =>
  mapGithubDelivery({ 'x-github-event': event }, payload, { source: 'github', dedupeKey: 'k' });
const only = (event: string, payload: unknown) => {
  const m = map(event, payload);
  expect(m.events).toHaveLength(1);
  expect(validateEvent(m.events[0], NOW)).toEqual([]);
  return m.events[0] as PipelineRunEvent;
};
type Obj = Record<string, unknown>;
const suiteOf = (p: Obj) => p.check_suite as Obj;
const checkOf = (p: Obj) => p.check_run as Obj;
const slug = (owner: Obj) => (owner.app as Obj | undefined)?.slug;

describe('GitHub checks and statuses as pipeline runs', () => {
  it('maps a completed check suite of a CI app to a finished run of that app', () => {
    const completed = githubExample(
      'check_suite',
      (p) => p.action === 'completed' && slug(suiteOf(p)) === undefined,
    );
    expect(only('check_suite', completed)).toEqual({
      type: 'pipelineRun',
      envelope: { source: 'github', eventId: 'k', occurredAt: new Date('2019-05-15T15:21:14Z') },
      runId: 'check-suite/118578147',
      attempt: 1,
      pipelineName: 'octocoders-linter',
      repository: 'Codertocat/Hello-World',
      ref: 'changes',
      commitSha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
      status: 'FINISHED',
      outcome: 'SUCCESS',
      queuedAt: new Date('2019-05-15T15:20:31Z'),
      finishedAt: new Date('2019-05-15T15:21:14Z'),
    });
  });

  it('maps a requested check suite (GitHub Apps get it) to a queued run', () => {
    const requested = githubExample('check_suite', (p) => p.action === 'requested');
    expect(only('check_suite', requested)).toMatchObject({
      runId: 'check-suite/118578174',
      status: 'QUEUED',
      outcome: undefined,
      queuedAt: new Date('2019-05-15T15:20:33Z'),
      finishedAt: undefined,
    });
  });

  it('maps check suite conclusions like workflow runs', () => {
    const payload = githubExample('check_suite', (p) => p.action === 'completed');
    for (const [conclusion, status, outcome] of [
      ['failure', 'FINISHED', 'FAILURE'],
      ['timed_out', 'FINISHED', 'TIMEOUT'],
      ['cancelled', 'FINISHED', 'CANCELLED'],
      ['action_required', 'QUEUED', undefined],
    ]) {
      suiteOf(payload).conclusion = conclusion;
      suiteOf(payload).app = { name: 'Buildkite' };
      expect(only('check_suite', payload)).toMatchObject({ status, outcome });
    }
  });

  it('leaves the check suites and check runs of GitHub Actions to workflow_run and workflow_job', () => {
    const actions = githubExample('check_suite', (p) => slug(suiteOf(p)) === 'github-actions');
    expect(map('check_suite', actions)).toMatchObject({ events: [] });
    expect(map('check_suite', actions).note).toContain('workflow_run');
    const run = githubExample('check_run', (p) => slug(checkOf(p)) === 'github-actions');
    expect(map('check_run', run)).toMatchObject({ events: [] });
    expect(map('check_run', run).note).toContain('workflow_job');
  });

  it('maps a created check run to its suite queued, and a completed one to it running since the start', () => {
    const created = githubExample(
      'check_run',
      (p) => p.action === 'created' && checkOf(p).status === 'queued',
    );
    expect(only('check_run', created)).toEqual({
      type: 'pipelineRun',
      envelope: { source: 'github', eventId: 'k', occurredAt: new Date('2019-05-15T15:21:12Z') },
      runId: 'check-suite/118578147',
      attempt: 1,
      pipelineName: 'octocoders-linter',
      repository: 'Codertocat/Hello-World',
      ref: 'changes',
      commitSha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
      status: 'QUEUED',
      startedAt: undefined,
    });
    const completed = githubExample(
      'check_run',
      (p) => p.action === 'completed' && slug(checkOf(p)) === undefined,
    );
    const ev = only('check_run', completed);
    expect(ev).toMatchObject({
      runId: 'check-suite/118578147',
      status: 'RUNNING',
      startedAt: new Date('2019-05-15T15:21:12Z'),
    });
    // a job never finishes or fails its suite: the suite's own completed event does
    expect(ev.outcome).toBeUndefined();
    expect(ev.finishedAt).toBeUndefined();
  });

  it('stores a requested_action check run: a button was pressed, nothing ran', () => {
    const m = map(
      'check_run',
      githubExample('check_run', (p) => p.action === 'requested_action'),
    );
    expect(m.events).toEqual([]);
    expect(m.note).toContain('requested_action');
  });

  it('maps a commit status to the run of its context on its commit', () => {
    const success = githubExample('status', (p) => (p.branches as unknown[]).length === 1);
    expect(only('status', success)).toEqual({
      type: 'pipelineRun',
      envelope: { source: 'github', eventId: 'k', occurredAt: new Date('2019-05-15T15:20:55Z') },
      runId: 'status/6113728f27ae82c7b1a177c8d03f9e96e0adf246/default',
      attempt: 1,
      pipelineName: 'default',
      repository: 'Codertocat/Hello-World',
      ref: 'master',
      commitSha: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
      status: 'FINISHED',
      outcome: 'SUCCESS',
      startedAt: undefined,
      finishedAt: new Date('2019-05-15T15:20:55Z'),
      url: undefined,
    });
    const pending = {
      ...success,
      state: 'pending',
      context: 'continuous-integration/jenkins/branch',
      target_url: 'https://jenkins.example.com/job/shop/job/main/42/display/redirect',
    };
    expect(only('status', pending)).toMatchObject({
      runId:
        'status/6113728f27ae82c7b1a177c8d03f9e96e0adf246/continuous-integration/jenkins/branch',
      pipelineName: 'continuous-integration/jenkins/branch',
      status: 'RUNNING',
      startedAt: new Date('2019-05-15T15:20:55Z'),
      url: 'https://jenkins.example.com/job/shop/job/main/42/display/redirect',
    });
    expect(only('status', { ...success, state: 'error' })).toMatchObject({ outcome: 'ERROR' });
    for (const state of ['constructor', 'toString']) {
      expect(() => only('status', { ...success, state })).toThrow(`unknown state "${state}"`);
    }
  });

  it('names no branch when the commit is on several', () => {
    const several = githubExample('status', (p) => (p.branches as unknown[]).length > 1);
    expect(only('status', several).ref).toBeUndefined();
  });

  it('keeps a long context unique within the id length', () => {
    const base = githubExample('status');
    const long = (tail: string) =>
      only('status', { ...base, context: `${'ci/very-long-pipeline-name/'.repeat(10)}${tail}` });
    const a = long('a');
    const b = long('b');
    expect(a.runId.length).toBeLessThanOrEqual(MAX_ID_LENGTH);
    expect(a.pipelineName.length).toBeLessThanOrEqual(MAX_ID_LENGTH);
    expect(a.runId).not.toBe(b.runId);
  });

  it('refuses a status without its documented state or commit', () => {
    const base = githubExample('status');
    expect(() => map('status', { ...base, state: 'exploded' })).toThrow('unknown state');
    expect(() => map('status', { ...base, sha: 'not-a-sha' })).toThrow('sha');
    expect(() => map('status', { ...base, context: undefined })).toThrow('context');
  });

  it('maps every check and status example to valid events or a note', () => {
    for (const event of ['check_suite', 'check_run', 'status', 'deployment_review']) {
      for (const payload of githubExamples(event)) {
        const m = map(event, payload);
        expect(m.events.length > 0 || m.note !== undefined).toBe(true);
        for (const ev of m.events) expect(validateEvent(ev, NOW)).toEqual([]);
      }
    }
  });
});

describe('GitHub deployments and reviews of workflow runs', () => {
  it('links a deployment created by a workflow to its workflow_run', () => {
    const byWorkflow = githubExample(
      'deployment',
      (p) => p.workflow_run !== undefined && p.workflow_run !== null,
    );
    const ev = map('deployment', byWorkflow).events[0] as DeploymentEvent;
    expect(ev.pipelineRun).toEqual({ id: '289782451' });
    const status = githubExample('deployment_status', (p) => Boolean(p.workflow_run));
    expect((map('deployment_status', status).events[0] as DeploymentEvent).pipelineRun).toEqual({
      id: '289782451',
    });
    const manual = githubExample('deployment', (p) => p.workflow_run === undefined);
    expect((map('deployment', manual).events[0] as DeploymentEvent).pipelineRun).toBeUndefined();
  });

  it('maps a deployment review to the workflow run waiting for it', () => {
    expect(only('deployment_review', githubExample('deployment_review'))).toMatchObject({
      runId: '5453085689',
      attempt: 1,
      repository: 'terraform-test-github/sample-app',
      ref: 'sample',
      status: 'QUEUED',
      queuedAt: new Date('2023-07-04T09:28:10Z'),
      startedAt: undefined,
      url: 'https://github.com/terraform-test-github/sample-app/actions/runs/5453085689',
    });
  });

  it('stores release and merge_group with the reason they change nothing', () => {
    for (const event of ['release', 'merge_group']) {
      for (const payload of githubExamples(event)) {
        const m = map(event, payload);
        expect(m.events).toEqual([]);
        expect(m.note).toMatch(/^[a-z_]+ is stored: /);
      }
    }
  });
});
