import { gitlabFixture } from '../../../test/support/webhooks.js';
import type {
  ChangeEvent,
  DeploymentEvent,
  PipelineRunEvent,
} from '../../ingestion/domain-events.js';
import { validateEvent } from '../../ingestion/event.validator.js';
import { bodyDedupeKey, normaliseHeaders } from '../webhook-mapping.js';
import type { GitlabHookOptions } from './gitlab-payload.js';
import { environmentFolder, mapGitlabDelivery } from './gitlab.mapper.js';

const NOW = new Date('2026-11-30T12:00:00Z');

function map(
  file: string,
  edit: (payload: Record<string, unknown>) => void = () => undefined,
  options?: GitlabHookOptions,
) {
  const fixture = gitlabFixture(file);
  const headers = normaliseHeaders(fixture.headers);
  edit(fixture.payload);
  return mapGitlabDelivery(
    headers,
    fixture.payload,
    NOW,
    { source: 'gitlab:gitlab.example.com', dedupeKey: bodyDedupeKey(fixture.body) },
    options,
  );
}

const attrs = (p: Record<string, unknown>) => p.object_attributes as Record<string, unknown>;

describe('bodyDedupeKey', () => {
  it('is the SHA-256 of the exact bytes', () => {
    const body = Buffer.from('{"a":1}');
    expect(bodyDedupeKey(body)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(bodyDedupeKey(body)).toBe(bodyDedupeKey(Buffer.from('{"a":1}')));
    expect(bodyDedupeKey(body)).not.toBe(bodyDedupeKey(Buffer.from('{"a":2}')));
    expect(bodyDedupeKey(body)).not.toBe(bodyDedupeKey(Buffer.from('{"a": 1}')));
  });
});

describe('mapGitlabDelivery', () => {
  it.each(['pipeline.json', 'job.json', 'deployment.json', 'push.json'])(
    'maps %s to events ingestion accepts',
    (file) => {
      const m = map(file);
      expect(m.events).toHaveLength(1);
      expect(validateEvent(m.events[0], NOW)).toEqual([]);
    },
  );

  it('maps a Pipeline Hook to a finished run with UTC times from "… UTC" strings', () => {
    const m = map('pipeline.json');
    expect(m).toMatchObject({
      kind: 'Pipeline Hook',
      source: 'gitlab:gitlab.example.com', // as given by the endpoint
      dedupeKey: 'sha256:ac5fd129867b6d8b5ef6ca425100cd9c533d2782703f4eac10244c2847abbdbb',
    });
    expect(m.events).toEqual([
      {
        type: 'pipelineRun',
        envelope: {
          source: 'gitlab:gitlab.example.com',
          eventId: 'sha256:ac5fd129867b6d8b5ef6ca425100cd9c533d2782703f4eac10244c2847abbdbb',
          occurredAt: new Date('2016-08-12T15:26:29Z'),
        },
        runId: '31',
        attempt: 1,
        pipelineName: 'Pipeline for branch: master',
        repository: 'gitlab-org/gitlab-test',
        ref: 'master',
        commitSha: 'bcbb5ec396a2c0f828686f14fac9b80b780504f2',
        status: 'FINISHED',
        outcome: 'SUCCESS',
        queuedAt: new Date('2016-08-12T15:23:28Z'),
        startedAt: new Date('2016-08-12T15:24:56Z'), // its first job's start
        finishedAt: new Date('2016-08-12T15:26:29Z'),
        url: 'http://example.com/gitlab-org/gitlab-test/-/pipelines/31',
      },
    ]);
  });

  it.each([
    ['running', 'RUNNING', undefined],
    ['pending', 'QUEUED', undefined],
    ['failed', 'FINISHED', 'FAILURE'],
    ['canceled', 'FINISHED', 'CANCELLED'],
  ])('maps pipeline status %s to %s %s', (status, expected, outcome) => {
    const ev = map('pipeline.json', (p) => {
      attrs(p).status = status;
    }).events[0] as PipelineRunEvent;
    expect(ev.status).toBe(expected);
    expect(ev.outcome).toBe(outcome);
    expect(ev.finishedAt !== undefined).toBe(expected === 'FINISHED');
  });

  it('names an unnamed pipeline after its project path', () => {
    const ev = map('pipeline.json', (p) => {
      attrs(p).name = null;
    }).events[0] as PipelineRunEvent;
    expect(ev.pipelineName).toBe('gitlab-test');
  });

  it('maps a Job Hook to its pipeline, at most RUNNING, named like the pipeline', () => {
    const ev = map('job.json').events[0] as PipelineRunEvent;
    expect(ev).toMatchObject({
      runId: '2366',
      pipelineName: 'Build pipeline',
      status: 'QUEUED', // build_status created
      commitSha: '2293ada6b400935a1378653304eaf6221e0fdb8f',
      ref: 'gitlab-script-trigger',
      repository: 'gitlab-org/gitlab-test',
      url: 'http://192.168.64.1:3005/gitlab-org/gitlab-test/-/pipelines/2366',
    });
    expect(ev.envelope.occurredAt).toEqual(new Date('2021-02-23T02:41:37.886Z'));
    const done = map('job.json', (p) => {
      p.build_status = 'success';
      p.build_started_at = '2021-02-23T02:42:00.000Z';
      p.build_finished_at = '2021-02-23T02:43:00.000Z';
    }).events[0] as PipelineRunEvent;
    expect(done.status).toBe('RUNNING');
    expect(done.finishedAt).toBeUndefined();
    expect(done.envelope.occurredAt).toEqual(new Date('2021-02-23T02:43:00Z'));
  });

  it('maps a Deployment Hook with the full SHA from commit_url and the +0200 time in UTC', () => {
    const m = map('deployment.json');
    const ev = m.events[0] as DeploymentEvent;
    expect(ev).toEqual({
      type: 'deployment',
      envelope: {
        source: 'gitlab:gitlab.example.com',
        eventId: 'sha256:439935b4ae966aea6155926736b8f99d00903e3776b283c4e7d3321037cbddee',
        occurredAt: new Date('2021-04-28T19:50:00Z'),
      },
      deploymentId: '15',
      service: {
        name: 'test-deployment-webhooks',
        repository: 'root/test-deployment-webhooks',
      },
      environment: { name: 'staging', tier: 'staging' },
      version: '279484c09fbe69ededfced8c1bb6e6d24616b468',
      commitSha: '279484c09fbe69ededfced8c1bb6e6d24616b468',
      repository: 'root/test-deployment-webhooks',
      status: 'SUCCEEDED',
      startedAt: undefined,
      finishedAt: new Date('2021-04-28T19:50:00Z'),
      url: 'http://10.126.0.2:3000/root/test-deployment-webhooks/-/jobs/796',
    });
  });

  it('falls back to short_sha, maps running/failed, and takes service overrides from the URL', () => {
    const running = map(
      'deployment.json',
      (p) => {
        p.status = 'running';
        p.commit_url = null;
        p.environment_tier = 'other';
      },
      { service: 'checkout', namespace: 'shop' },
    ).events[0] as DeploymentEvent;
    expect(running).toMatchObject({
      status: 'IN_PROGRESS',
      commitSha: '279484c0',
      startedAt: new Date('2021-04-28T19:50:00Z'),
      finishedAt: undefined,
      environment: { name: 'staging', tier: undefined },
    });
    expect(running.service.name).toBe('checkout');
    expect(running.service.namespace).toBe('shop');
    const failed = map('deployment.json', (p) => {
      p.status = 'failed';
    }).events[0] as DeploymentEvent;
    expect(failed.status).toBe('FAILED');
  });

  it('takes the service from the environment folder with ?service_from=environment (a monorepo project)', () => {
    const inFolder = (environment: string, options: GitlabHookOptions) =>
      map(
        'deployment.json',
        (p) => {
          p.environment = environment;
          p.environment_tier = 'production';
        },
        options,
      ).events[0] as DeploymentEvent;
    expect(inFolder('production/api', { serviceFromEnvironment: true })).toMatchObject({
      service: { name: 'api', repository: 'root/test-deployment-webhooks' },
      environment: { name: 'production', tier: 'production' },
    });
    // the last segment is the service; a deeper folder stays the environment
    expect(inFolder('eu/production/web', { serviceFromEnvironment: true })).toMatchObject({
      service: { name: 'web' },
      environment: { name: 'eu/production' },
    });
    // no folder: the default service; without the option a folder is just a name
    expect(inFolder('production', { serviceFromEnvironment: true, service: 'shop' })).toMatchObject(
      { service: { name: 'shop' }, environment: { name: 'production' } },
    );
    expect(inFolder('production/api', {})).toMatchObject({
      service: { name: 'test-deployment-webhooks' },
      environment: { name: 'production/api' },
    });
    expect(environmentFolder('/api')).toBeUndefined();
    expect(environmentFolder('production/')).toBeUndefined();
  });

  it('stores a merge request that is not merged, and maps a merge to a change', () => {
    const opened = map('merge_request.json');
    expect(opened.events).toEqual([]);
    expect(opened.note).toContain('open');

    const merged = map('merge_request.json', (p) => {
      attrs(p).action = 'merge';
      attrs(p).state = 'merged';
      attrs(p).merge_commit_sha = 'aaaaaaa1111111111111111111111111111111bb';
    });
    const ev = merged.events[0] as ChangeEvent;
    expect(ev).toMatchObject({
      type: 'change',
      repository: 'gitlabhq/gitlab-test',
      commits: [],
      pullRequest: {
        id: '1',
        mergedAt: new Date('2017-09-15T16:52:00Z'), // changes.updated_at.current, "… UTC"
        mergeCommitSha: 'aaaaaaa1111111111111111111111111111111bb',
        title: 'MS-Viewport',
        headBranch: 'ms-viewport',
        labels: ['API'],
        createdAt: new Date('2013-12-03T17:23:34Z'), // when it was opened: its start
        url: 'http://example.com/diaspora/merge_requests/1',
      },
    });
    expect(ev.pullRequest?.firstCommitAt).toBeUndefined();
    // the hook's `user` is who merged it, not who opened it (object_attributes has author_id only)
    expect(ev.pullRequest?.author).toBeUndefined();

    const fastForward = map('merge_request.json', (p) => {
      attrs(p).action = 'merge';
    }).events[0] as ChangeEvent;
    expect(fastForward.pullRequest?.mergeCommitSha).toBe(
      'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
    );
  });

  it('maps a Push Hook oldest commit first, with offsets in UTC, and flags the 20-commit cap', () => {
    const m = map('push.json');
    const ev = m.events[0] as ChangeEvent;
    expect(ev.commits.map((c) => [c.sha, c.committedAt?.toISOString()])).toEqual([
      ['b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327', '2011-12-12T12:27:31.000Z'],
      ['da1560886d4f094c3e6c9ef40349f7d38b5d27d7', '2012-01-03T21:36:29.000Z'],
    ]);
    expect(ev.repository).toBe('mike/diaspora');
    // commits[].author.name (a Push Hook's user_username is who pushed, not who wrote them)
    expect(ev.commits.map((c) => c.author)).toEqual(['Jordi Mallach', 'GitLab dev user']);
    // each commit's added, modified and removed files
    expect(ev.commits.map((c) => c.paths)).toEqual([
      ['CHANGELOG', 'app/controller/application.rb'],
      ['CHANGELOG', 'app/controller/application.rb'],
    ]);
    expect(ev.pushedAt).toEqual(NOW);
    expect(ev.before).toBeUndefined(); // 4 commits pushed, 2 listed: before is not their parent
    expect(m.note).toContain('newest 2');

    const complete = map('push.json', (p) => {
      p.total_commits_count = 2;
    });
    expect((complete.events[0] as ChangeEvent).before).toBe(
      '95790bf891e76fee5e1747ab589903a6a1f80f22',
    );
    expect(complete.note).toBeUndefined();
  });

  it('stores a deleted branch and unmodelled hooks with a note', () => {
    const deleted = map('push.json', (p) => {
      p.after = '0000000000000000000000000000000000000000';
      p.commits = [];
    });
    expect(deleted.events).toEqual([]);
    expect(deleted.note).toContain('deleted');
    const headers = normaliseHeaders({ 'X-Gitlab-Event': 'Wiki Page Hook' });
    const stored = mapGitlabDelivery(headers, {}, NOW, { source: 'gitlab', dedupeKey: 'k' });
    expect(stored).toMatchObject({ kind: 'Wiki Page Hook', events: [] });
    expect(stored.note).toContain('Wiki Page Hook');
  });

  it('refuses payloads without the documented shape', () => {
    expect(() => map('pipeline.json', (p) => delete p.object_attributes)).toThrow(
      'object_attributes',
    );
    expect(() =>
      map('deployment.json', (p) => {
        p.status_changed_at = '2021-04-28 21:50:00';
      }),
    ).toThrow('status_changed_at');
    expect(() =>
      map('pipeline.json', (p) => {
        attrs(p).status = 'exploded';
      }),
    ).toThrow('unknown status');
    for (const status of ['constructor', 'toString']) {
      expect(() => map('pipeline.json', (p) => (attrs(p).status = status))).toThrow(
        'unknown status',
      );
      expect(() => map('deployment.json', (p) => (p.status = status))).toThrow('unknown status');
    }
  });
});
