import request from 'supertest';
import type { App } from 'supertest/types.js';
import { createApp } from '../../src/app.factory.js';
import { startTestApp, testConfig, testDatabaseUrl, type TestApp } from '../support/test-app.js';
import {
  GITHUB_TEST_SECRET,
  GITLAB_FIXTURE_TOKEN,
  gitlabFixture,
  githubExample,
  signedGithub,
} from '../support/webhooks.js';

/**
 * Where a change's lead time starts, from webhooks only: a GitHub pull request's first commit
 * from the pushes of its head branch, and a pull or merge request's opening when its first
 * commit is unknown. Driven by GitHub's own examples (@octokit/webhooks-examples: the
 * Hello-World repository, whose branch `changes` holds ec26c3e "Update README.md", committed
 * 2019-05-15T15:20:30Z per the check_suite examples' head_commit, and whose pull request #2
 * from `changes` was opened 15:20:33 and closed 15:21:18 with merge commit c4295bd) and
 * GitLab's documented merge request hook; the results are read through GraphQL.
 */
describe('lead time starts from webhooks', () => {
  let t: TestApp;
  let seq = 0;

  beforeAll(async () => {
    t = await startTestApp({
      GITHUB_WEBHOOK_SECRET: GITHUB_TEST_SECRET,
      GITLAB_WEBHOOK_TOKEN: GITLAB_FIXTURE_TOKEN,
    });
  });
  afterAll(async () => {
    await t.close();
  });

  type Obj = Record<string, unknown>;
  const INITIAL = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
  const BRANCH_COMMIT = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
  const SQUASH = 'c4295bd74fb0f4fda03689c3df3f2803b658fd85';

  function send(event: string, payload: unknown) {
    const d = signedGithub(event, payload, `lt-${++seq}`);
    return request(t.http).post('/webhooks/github').set(d.headers).send(d.body);
  }

  /** The examples, moved to another repository so that each scenario stands alone. */
  function inRepository(payload: Obj, name: string): Obj {
    Object.assign(payload.repository as Obj, { name, full_name: `Codertocat/${name}` });
    return payload;
  }

  /** The example push of master's first commit, as GitHub sends it. */
  const initialPush = (repo: string) =>
    inRepository(
      githubExample('push', (p) => (p.commits as unknown[]).length > 0),
      repo,
    );

  /** A push to `ref` of one commit after `before`, in the shape of the example push. */
  function push(
    repo: string,
    ref: string,
    before: string,
    id: string,
    message: string,
    at: string,
  ) {
    const p = initialPush(repo);
    const [commit] = p.commits as Obj[];
    Object.assign(commit, { id, message, timestamp: at, distinct: true });
    Object.assign(p, { ref, before, after: id, created: false, head_commit: commit });
    return p;
  }
  const branchPush = (repo: string) =>
    push(
      repo,
      'refs/heads/changes',
      INITIAL,
      BRANCH_COMMIT,
      'Update README.md',
      '2019-05-15T15:20:30Z',
    );
  // the pull request squash-merged onto master
  const squashPush = (repo: string) =>
    push(
      repo,
      'refs/heads/master',
      INITIAL,
      SQUASH,
      'Update the README with new information. (#2)',
      '2019-05-15T15:21:18Z',
    );

  /** The example closed pull request #2, merged (the example is closed unmerged). */
  function merged(repo: string): Obj {
    const p = inRepository(
      githubExample('pull_request', (e) => e.action === 'closed'),
      repo,
    );
    const pr = p.pull_request as Obj;
    Object.assign(pr, { merged: true, merged_at: pr.closed_at });
    Object.assign((pr.head as Obj).repo as Obj, { full_name: `Codertocat/${repo}` });
    return p;
  }

  /** A production deployment of `sha` that succeeded at `finishedAt`, as two deliveries. */
  async function deploy(
    repo: string,
    id: number,
    sha: string,
    createdAt: string,
    finishedAt: string,
  ) {
    const dep = inRepository(githubExample('deployment'), repo);
    Object.assign(dep.deployment as Obj, { id, sha, created_at: createdAt });
    const status = inRepository(
      githubExample('deployment_status', (p) => (p.deployment_status as Obj).state === 'success'),
      repo,
    );
    Object.assign(status.deployment as Obj, { id, sha, created_at: createdAt });
    Object.assign(status.deployment_status as Obj, { created_at: finishedAt });
    await send('deployment', dep).expect(200);
    const res = await send('deployment_status', status).expect(200);
    return res.body.entityId as string;
  }

  async function changes(deploymentId: string): Promise<Obj[]> {
    const res = await t.gql(
      `query($id: ID!) { deployment(id: $id) { changesetStatus changes {
         change { sha prFirstCommitAt prCreatedAt pullRequestId } leadTimeSeconds excludedReason } } }`,
      { id: deploymentId },
    );
    expect(res.errors).toBeUndefined();
    return (res.data!.deployment as { changes: Obj[] }).changes;
  }

  async function leadTimeP50(service: string): Promise<unknown> {
    const res = await t.gql(
      `query($filter: DoraMetricsFilter!) {
         doraMetrics(filter: $filter) { window { changeLeadTime { count p50Seconds } } } }`,
      {
        filter: {
          from: '2019-05-13T00:00:00Z',
          to: '2019-05-20T00:00:00Z',
          services: [service],
        },
      },
    );
    expect(res.errors).toBeUndefined();
    return (res.data!.doraMetrics as { window: { changeLeadTime: unknown } }).window.changeLeadTime;
  }

  /** Seed deployment of the first commit, then the squash commit deployed at 15:40. */
  async function twoDeployments(repo: string, base: number) {
    await deploy(repo, base, INITIAL, '2019-05-15T15:20:40Z', '2019-05-15T15:20:55Z');
    return deploy(repo, base + 1, SQUASH, '2019-05-15T15:30:00Z', '2019-05-15T15:40:00Z');
  }

  it('starts a squash-merged pull request at the first commit pushed to its head branch', async () => {
    const repo = 'Hello-World';
    await send('push', initialPush(repo)).expect(200);
    await send('push', branchPush(repo)).expect(200);
    await send('pull_request', merged(repo)).expect(200);
    await send('push', squashPush(repo)).expect(200);
    const second = await twoDeployments(repo, 8001);

    expect(await changes(second)).toEqual([
      {
        change: {
          sha: SQUASH,
          prFirstCommitAt: '2019-05-15T15:20:30.000Z', // ec26c3e, pushed to `changes`
          prCreatedAt: '2019-05-15T15:20:33.000Z',
          pullRequestId: '2',
        },
        leadTimeSeconds: 19 * 60 + 30, // 15:20:30 to 15:40:00
        excludedReason: null,
      },
    ]);
    expect(await leadTimeP50(repo)).toEqual({ count: 1, p50Seconds: 1170 });
  });

  it('completes the start when the branch push arrives last, and once only', async () => {
    const repo = 'Hello-World-late';
    await send('push', initialPush(repo)).expect(200);
    await send('push', squashPush(repo)).expect(200);
    const second = await twoDeployments(repo, 8011);
    const [bare] = await changes(second);
    expect(bare).toMatchObject({ leadTimeSeconds: 18 * 60 + 42 }); // from the squash commit, 15:21:18

    await send('pull_request', merged(repo)).expect(200);
    const [opened] = await changes(second);
    expect(opened).toMatchObject({
      change: { prFirstCommitAt: null, prCreatedAt: '2019-05-15T15:20:33.000Z' },
      leadTimeSeconds: 19 * 60 + 27, // from the pull request's opening
    });

    const late = branchPush(repo);
    await send('push', late).expect(200);
    const again = await send('push', late);
    expect(again.body.result).toBe('DUPLICATE');
    const [first] = await changes(second);
    expect(first).toMatchObject({
      change: { prFirstCommitAt: '2019-05-15T15:20:30.000Z' },
      leadTimeSeconds: 1170,
    });
    expect(await leadTimeP50(repo)).toEqual({ count: 1, p50Seconds: 1170 });
  });

  it('leaves the first commit of a pull request from a fork unknown: its pushes never come here', async () => {
    const repo = 'Hello-World-fork';
    await send('push', initialPush(repo)).expect(200);
    await send('push', branchPush(repo)).expect(200); // a branch of the same name here
    const fromFork = merged(repo);
    const head = (fromFork.pull_request as Obj).head as Obj;
    Object.assign(head.repo as Obj, { full_name: 'someone/Hello-World' });
    await send('pull_request', fromFork).expect(200);
    await send('push', squashPush(repo)).expect(200);
    const second = await twoDeployments(repo, 8021);
    expect(await changes(second)).toEqual([
      expect.objectContaining({
        change: expect.objectContaining({ prFirstCommitAt: null }),
        leadTimeSeconds: 1167,
      }),
    ]);
  });

  it('does not walk past the branch: a commit first pushed to master is not the pull request’s', async () => {
    const repo = 'Hello-World-base';
    // master's first commit, also listed (not distinct) by the branch's first push
    await send('push', initialPush(repo)).expect(200);
    const created = push(
      repo,
      'refs/heads/changes',
      '0000000000000000000000000000000000000000',
      INITIAL,
      'Initial commit',
      '2019-05-15T15:19:25Z',
    );
    (created.commits as Obj[])[0].distinct = false;
    await send('push', created).expect(200);
    await send('push', branchPush(repo)).expect(200);
    const pr = merged(repo);
    (pr.pull_request as Obj).commits = 5; // more than the branch holds
    await send('pull_request', pr).expect(200);
    const [row] = await t.db.dataSource.query(
      `SELECT pr_first_commit_at FROM changes WHERE repository = $1 AND sha = $2`,
      [`Codertocat/${repo}`, SQUASH],
    );
    expect(row.pr_first_commit_at).toEqual(new Date('2019-05-15T15:20:30Z'));
  });

  it('finds the first commit when the branch push and the pull request reach two replicas at once', async () => {
    // On PostgreSQL a second replica (its own pool and write batching) takes the pull requests,
    // so that each pair lands in two concurrent transactions; PGlite is one process, one app.
    const overrides = { GITHUB_WEBHOOK_SECRET: GITHUB_TEST_SECRET };
    const replica = testDatabaseUrl() ? await createApp(testConfig(overrides), false) : undefined;
    const other = replica ? (replica.app.getHttpServer() as App) : t.http;
    try {
      const repos = Array.from({ length: 24 }, (_, i) => `Hello-World-race-${i}`);
      await Promise.all(
        repos.flatMap((repo) => {
          const pr = signedGithub('pull_request', merged(repo), `race-${repo}`);
          return [
            send('push', branchPush(repo)).expect(200),
            request(other).post('/webhooks/github').set(pr.headers).send(pr.body).expect(200),
          ];
        }),
      );
      const rows = await t.db.dataSource.query(
        `SELECT repository, pr_first_commit_at FROM changes
          WHERE repository LIKE 'Codertocat/Hello-World-race-%' AND sha = $1 ORDER BY repository`,
        [SQUASH],
      );
      expect(rows).toHaveLength(repos.length);
      for (const row of rows)
        expect(row.pr_first_commit_at).toEqual(new Date('2019-05-15T15:20:30Z'));
    } finally {
      await replica?.app.close();
    }
  });

  it('starts a merged GitLab merge request at its opening', async () => {
    const mr = gitlabFixture('merge_request.json');
    const attrs = mr.payload.object_attributes as Obj;
    Object.assign(attrs, {
      action: 'merge',
      state: 'merged',
      merge_commit_sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
    });
    const body = JSON.stringify(mr.payload);
    const res = await request(t.http).post('/webhooks/gitlab').set(mr.headers).send(body);
    expect(res.status).toBe(200);
    const [row] = await t.db.dataSource.query(
      `SELECT pr_created_at, pr_merged_at FROM changes WHERE repository = 'gitlabhq/gitlab-test'
         AND sha = 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7'`,
    );
    expect(row).toEqual({
      pr_created_at: new Date('2013-12-03T17:23:34Z'),
      pr_merged_at: new Date('2017-09-15T16:52:00Z'),
    });
  });
});
