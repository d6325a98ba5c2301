import { githubExample, githubExamples } from '../../../test/support/webhooks.js';
import type {
  ChangeEvent,
  DeploymentEvent,
  PipelineRunEvent,
} from '../../ingestion/domain-events.js';
import { validateEvent } from '../../ingestion/event.validator.js';
import { MappingError } from '../webhook-mapping.js';
import { GITHUB_EVENTS, mapGithubDelivery } from './github.mapper.js';

const NOW = new Date('2026-11-30T12:00:00Z');
const headers = (event: string, delivery = 'd-1', extra: Record<string, string> = {}) => ({
  'x-github-event': event,
  'x-github-delivery': delivery,
  ...extra,
});
const map = (event: string, payload: unknown, delivery = 'd-1') =>
  mapGithubDelivery(headers(event, delivery), payload, { source: 'github', dedupeKey: delivery });

describe('mapGithubDelivery', () => {
  it('answers ping with a note and no events', () => {
    for (const payload of githubExamples('ping')) {
      const m = map('ping', payload);
      expect(m).toMatchObject({ kind: 'ping', source: 'github', dedupeKey: 'd-1', events: [] });
      expect(m.note).toContain('ping');
    }
  });

  it('maps a deployment to a QUEUED deployment of the repository, started at its creation', () => {
    const m = map('deployment', githubExample('deployment'), 'guid-1');
    expect(m.occurredAt).toEqual(new Date('2019-05-15T15:20:53Z'));
    expect(m.events).toEqual([
      {
        type: 'deployment',
        envelope: {
          source: 'github',
          eventId: 'guid-1',
          occurredAt: new Date('2019-05-15T15:20:53Z'),
        },
        deploymentId: '145988746',
        service: { name: 'Hello-World', repository: 'Codertocat/Hello-World' },
        environment: { name: 'production' },
        version: 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e',
        commitSha: 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e',
        repository: 'Codertocat/Hello-World',
        status: 'QUEUED',
        kind: undefined,
        startedAt: new Date('2019-05-15T15:20:53Z'),
        finishedAt: undefined,
        url: undefined,
      },
    ]);
  });

  it('takes the production tier from production_environment, else leaves it to the name', () => {
    const pages = githubExample(
      'deployment',
      (p) => (p.deployment as { environment: string }).environment === 'github-pages',
    );
    const inferred = map('deployment', pages).events[0] as DeploymentEvent;
    expect(inferred.environment).toEqual({ name: 'github-pages' });
    const flagged = structuredClone(pages);
    Object.assign(flagged.deployment as object, {
      environment: 'eu-west',
      production_environment: true,
    });
    expect((map('deployment', flagged).events[0] as DeploymentEvent).environment).toEqual({
      name: 'eu-west',
      tier: 'production',
    });
  });

  it('reads service, namespace, version and kind from deployment.payload (object or JSON string)', () => {
    const payload = githubExample('deployment');
    (payload.deployment as Record<string, unknown>).payload = {
      service: 'checkout',
      namespace: 'shop',
      version: '1.4.2',
      kind: 'hotfix',
    };
    const ev = map('deployment', payload).events[0] as DeploymentEvent;
    expect(ev.service).toEqual({
      name: 'checkout',
      namespace: 'shop',
      repository: 'Codertocat/Hello-World',
    });
    expect(ev.version).toBe('1.4.2');
    expect(ev.kind).toBe('HOTFIX');

    (payload.deployment as Record<string, unknown>).payload = JSON.stringify({ service: 'cart' });
    expect((map('deployment', payload).events[0] as DeploymentEvent).service.name).toBe('cart');
  });

  it('maps deployment_status success to a SUCCEEDED deployment with the same identity', () => {
    const deployment = map('deployment', githubExample('deployment')).events[0] as DeploymentEvent;
    const m = map(
      'deployment_status',
      githubExample('deployment_status', (p) => state(p) === 'success'),
    );
    const ev = m.events[0] as DeploymentEvent;
    expect(ev).toMatchObject({
      deploymentId: deployment.deploymentId,
      service: deployment.service,
      environment: deployment.environment,
      version: deployment.version,
      startedAt: deployment.startedAt,
      status: 'SUCCEEDED',
      finishedAt: new Date('2019-05-15T15:20:55Z'),
    });
    expect(ev.envelope.occurredAt).toEqual(new Date('2019-05-15T15:20:55Z'));
  });

  it.each([
    ['pending', 'QUEUED', false],
    ['queued', 'QUEUED', false],
    ['waiting', 'QUEUED', false],
    ['in_progress', 'IN_PROGRESS', false],
    ['success', 'SUCCEEDED', true],
    ['failure', 'FAILED', true],
    ['error', 'FAILED', true],
  ])('maps deployment_status %s to %s', (given, expected, finished) => {
    const payload = githubExample('deployment_status');
    (payload.deployment_status as Record<string, unknown>).state = given;
    const ev = map('deployment_status', payload).events[0] as DeploymentEvent;
    expect(ev.status).toBe(expected);
    expect(ev.finishedAt !== undefined).toBe(finished);
  });

  it('stores deployment_status inactive without events: superseded, not failed', () => {
    const payload = githubExample('deployment_status');
    (payload.deployment_status as Record<string, unknown>).state = 'inactive';
    const m = map('deployment_status', payload);
    expect(m.events).toEqual([]);
    expect(m.note).toContain('superseded');
  });

  it('maps workflow_run completed to a FINISHED run with its attempt and times', () => {
    const m = map(
      'workflow_run',
      githubExample(
        'workflow_run',
        (p) => (p.workflow_run as Record<string, unknown>).conclusion === 'success',
      ),
    );
    expect(m.events).toEqual([
      expect.objectContaining({
        type: 'pipelineRun',
        runId: '289782451',
        attempt: 1,
        pipelineName: 'test', // the run's name is empty: the workflow's name
        repository: 'octo-org/octo-repo',
        ref: 'master',
        commitSha: '3484a3fb816e0859fd6e1cea078d76385ff50625',
        status: 'FINISHED',
        outcome: 'SUCCESS',
        queuedAt: new Date('2020-10-05T16:33:24Z'),
        startedAt: new Date('2020-10-05T16:33:49Z'),
        finishedAt: new Date('2020-10-05T16:33:49Z'),
      }),
    ]);
  });

  it('keeps re-run attempts apart and maps conclusions', () => {
    const payload = githubExample(
      'workflow_run',
      (p) => (p.workflow_run as Record<string, unknown>).conclusion === 'success',
    );
    const run = payload.workflow_run as Record<string, unknown>;
    run.run_attempt = 2;
    run.conclusion = 'cancelled';
    run.run_started_at = '2020-10-05T17:00:00Z';
    run.updated_at = '2020-10-05T17:05:00Z';
    const ev = map('workflow_run', payload).events[0] as PipelineRunEvent;
    expect(ev).toMatchObject({
      attempt: 2,
      outcome: 'CANCELLED',
      queuedAt: new Date('2020-10-05T17:00:00Z'),
      startedAt: new Date('2020-10-05T17:00:00Z'),
      finishedAt: new Date('2020-10-05T17:05:00Z'),
    });
    run.conclusion = 'action_required';
    expect(map('workflow_run', payload).events[0]).toMatchObject({
      status: 'QUEUED',
      outcome: undefined,
      startedAt: undefined,
      finishedAt: undefined,
    });
  });

  it.each(GITHUB_EVENTS)(
    'maps every %s example to events ingestion accepts, or to a note',
    (event) => {
      const examples = githubExamples(event);
      expect(examples.length).toBeGreaterThan(0);
      for (const payload of examples) {
        const m = map(event, payload);
        expect(m.events.length > 0 || m.note !== undefined).toBe(true);
        for (const ev of m.events) expect(validateEvent(ev, NOW)).toEqual([]);
      }
    },
  );

  it('maps workflow_job to its run, at most RUNNING, named after the workflow', () => {
    const completed = githubExample(
      'workflow_job',
      (p) => (p.workflow_job as Record<string, unknown>).conclusion === 'failure',
    );
    const ev = map('workflow_job', completed).events[0] as PipelineRunEvent;
    expect(ev).toMatchObject({
      runId: '2202229078',
      attempt: 1,
      pipelineName: 'CodeQL',
      status: 'RUNNING',
      url: 'https://github.com/Codertocat/Hello-World/actions/runs/2202229078',
    });
    expect(ev.outcome).toBeUndefined();
    expect(ev.finishedAt).toBeUndefined();
  });

  it('stores a workflow_job without workflow_name rather than misname its run', () => {
    const m = map(
      'workflow_job',
      githubExample(
        'workflow_job',
        (p) => (p.workflow_job as Record<string, unknown>).workflow_name === undefined,
      ),
    );
    expect(m.events).toEqual([]);
    expect(m.note).toContain('workflow_name');
  });

  it('maps a push to a change with its commits, timestamps and the server push time', () => {
    const m = map(
      'push',
      githubExample('push', (p) => (p.commits as unknown[]).length > 0),
    );
    const ev = m.events[0] as ChangeEvent;
    expect(ev).toEqual({
      type: 'change',
      envelope: { source: 'github', eventId: 'd-1', occurredAt: new Date(1557933657 * 1000) },
      repository: 'Codertocat/Hello-World',
      commits: [
        {
          sha: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
          repository: 'Codertocat/Hello-World',
          message: 'Initial commit',
          committedAt: new Date('2019-05-15T15:19:25Z'),
          paths: ['README.md'], // added, modified and removed
          author: 'Codertocat', // author.username (the login), else author.name
          branch: 'master', // distinct: first pushed here
        },
      ],
      before: undefined, // a new branch: before is forty zeros
      pushedAt: new Date(1557933657 * 1000),
    });
  });

  it('names a push commit’s author by name when GitHub has no login for its e-mail', () => {
    const push = githubExample('push', (p) => (p.commits as unknown[]).length > 0);
    const author = (push.commits as Record<string, Record<string, unknown>>[])[0].author;
    delete author.username;
    expect((map('push', push).events[0] as ChangeEvent).commits[0].author).toBe(author.name);
  });

  it('names the branch only of the commits a push brings for the first time', () => {
    const push = githubExample('push', (p) => (p.commits as unknown[]).length > 0);
    const commit = (push.commits as Record<string, unknown>[])[0];
    commit.distinct = false; // already pushed to another branch
    expect((map('push', push).events[0] as ChangeEvent).commits[0].branch).toBeUndefined();
    commit.distinct = true;
    push.ref = 'refs/tags/v1.0.0'; // a tag is no branch
    expect((map('push', push).events[0] as ChangeEvent).commits[0].branch).toBeUndefined();
  });

  it('reads a commit’s changed files; a commit listing none of them has unknown paths', () => {
    const paths = (edit: (commit: Record<string, unknown>) => void) => {
      const payload = githubExample('push', (p) => (p.commits as unknown[]).length > 0);
      edit((payload.commits as Record<string, unknown>[])[0]);
      return (map('push', payload).events[0] as ChangeEvent).commits[0].paths;
    };
    expect(
      paths((c) => Object.assign(c, { modified: ['src/a.ts'], removed: ['old/b.ts'] })),
    ).toEqual(['README.md', 'src/a.ts', 'old/b.ts']);
    expect(paths((c) => Object.assign(c, { added: [], modified: [], removed: [] }))).toEqual([]);
    expect(
      paths((c) => {
        delete c.added;
        delete c.modified;
        delete c.removed;
      }),
    ).toBeUndefined();
    // more files than a commit may carry: a list cut short would hide services it touched
    expect(
      paths((c) => (c.added = Array.from({ length: 3001 }, (_, i) => `f${i}`))),
    ).toBeUndefined();
    expect(() => paths((c) => (c.added = ['a', 7]))).toThrow(
      'commits[0].added[1]: expected a file path',
    );
  });

  it('stores a deleted ref with a note, and maps a tag push to the commit it tags', () => {
    const deleted = map(
      'push',
      githubExample('push', (p) => p.deleted === true),
    );
    expect(deleted.events).toEqual([]);
    expect(deleted.note).toContain('deleted');
    const tag = githubExample(
      'push',
      (p) => p.created === true && (p.commits as unknown[]).length === 0,
    );
    expect((map('push', tag).events[0] as ChangeEvent).tags).toEqual([
      { name: 'simple-tag', sha: '6113728f27ae82c7b1a177c8d03f9e96e0adf246' },
    ]);
    tag.head_commit = null; // no commit named: nothing to record
    expect(map('push', tag).note).toContain('no new commits');
  });

  it('does not count a closed, unmerged pull request even though it has a merge_commit_sha', () => {
    const closed = githubExample('pull_request', (p) => p.action === 'closed');
    expect((closed.pull_request as Record<string, unknown>).merge_commit_sha).toBeTruthy();
    const m = map('pull_request', closed);
    expect(m.events).toEqual([]);
    expect(m.note).toContain('without merging');
  });

  it('maps a merged pull request to a change with its merge commit and time', () => {
    const merged = githubExample('pull_request', (p) => p.action === 'closed');
    const pr = merged.pull_request as Record<string, unknown>;
    pr.merged = true;
    pr.merged_at = '2019-05-15T15:40:00Z';
    const ev = map('pull_request', merged).events[0] as ChangeEvent;
    expect(ev.pullRequest).toEqual({
      id: '2',
      mergedAt: new Date('2019-05-15T15:40:00Z'),
      mergeCommitSha: 'c4295bd74fb0f4fda03689c3df3f2803b658fd85',
      title: 'Update the README with new information.',
      body: 'This is a pretty simple change that we need to pull into master.',
      headBranch: 'changes',
      labels: ['bug'],
      createdAt: new Date('2019-05-15T15:20:33Z'),
      headSha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
      commitCount: 1,
      author: 'Codertocat', // user.login: who opened it
      url: 'https://github.com/Codertocat/Hello-World/pull/2', // html_url
    });
    expect(ev.pullRequest?.firstCommitAt).toBeUndefined();
    // from a fork: its head commit was pushed elsewhere, and its pushes never come here
    ((pr.head as Record<string, unknown>).repo as Record<string, unknown>).full_name =
      'someone/Hello-World';
    expect((map('pull_request', merged).events[0] as ChangeEvent).pullRequest?.headSha).toBe(
      undefined,
    );
    expect(ev.commits).toEqual([]); // a commit would pass for the pull request's first commit
  });

  it('stores other pull_request actions and unknown events with a note', () => {
    const opened = map(
      'pull_request',
      githubExample('pull_request', (p) => p.action === 'opened'),
    );
    expect(opened.events).toEqual([]);
    expect(opened.note).toContain('opened');
    const star = map('star', githubExample('star'));
    expect(star).toMatchObject({ kind: 'star', events: [] });
    expect(star.note).toContain('"star"');
  });

  it('uses the source it is given, whatever X-GitHub-Enterprise-Host (unsigned) says', () => {
    const m = mapGithubDelivery(
      headers('deployment', 'd-1', { 'x-github-enterprise-host': 'evil.example.com' }),
      githubExample('deployment'),
      { source: 'github:ghe.example.com', dedupeKey: 'sha256:1' },
    );
    expect(m).toMatchObject({ source: 'github:ghe.example.com', dedupeKey: 'sha256:1' });
    expect(m.events[0].envelope).toMatchObject({
      source: 'github:ghe.example.com',
      eventId: 'sha256:1',
    });
  });

  it('refuses payloads without the documented shape', () => {
    expect(() =>
      mapGithubDelivery({ 'x-github-delivery': 'd' }, {}, { source: 'github', dedupeKey: 'd' }),
    ).toThrow('X-GitHub-Event');
    expect(() => map('deployment', [])).toThrow(MappingError);
    expect(() => map('deployment', { repository: { name: 'x' } })).toThrow('deployment');
    const badTime = githubExample('deployment');
    (badTime.deployment as Record<string, unknown>).created_at = 'yesterday';
    expect(() => map('deployment', badTime)).toThrow('deployment.created_at');
    const badState = githubExample('deployment_status');
    (badState.deployment_status as Record<string, unknown>).state = 'exploded';
    expect(() => map('deployment_status', badState)).toThrow('unknown state');
    (badState.deployment_status as Record<string, unknown>).state = 'constructor';
    expect(() => map('deployment_status', badState)).toThrow('unknown state');
  });

  it('stores an event named like a member of every object with the usual note', () => {
    const m = map('toString', githubExample('ping'));
    expect(m).toMatchObject({ events: [] });
    expect(m.note).toContain('GitHub event "toString" is stored');
  });
});

function state(payload: Record<string, unknown>): unknown {
  return (payload.deployment_status as Record<string, unknown>).state;
}
