import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { GITHUB_TEST_SECRET, githubExample, signedGithub } from '../support/webhooks.js';

/**
 * CI outside GitHub Actions through POST /webhooks/github — check suites, check runs and commit
 * statuses — and the links between deployments, reviews and workflow runs. Payloads are
 * GitHub's own examples (@octokit/webhooks-examples), signed with the test secret; results are
 * read back through GraphQL.
 */
describe('POST /webhooks/github: checks, statuses and workflow runs', () => {
  let t: TestApp;
  let seq = 0;

  beforeAll(async () => {
    t = await startTestApp({ GITHUB_WEBHOOK_SECRET: GITHUB_TEST_SECRET });
  });
  afterAll(async () => {
    await t.close();
  });

  type Obj = Record<string, unknown>;
  function send(event: string, payload: unknown) {
    const d = signedGithub(event, payload, `ci-${++seq}`);
    return request(t.http).post('/webhooks/github').set(d.headers).send(d.body);
  }

  const RUN_FIELDS = `runId attempt pipelineName repository ref commitSha status outcome
    queuedAt startedAt finishedAt url`;

  async function runs(filter: Obj): Promise<Obj[]> {
    const res = await t.gql(
      `query($source: String, $repository: String, $pipelineName: String, $commitSha: String) {
         pipelineRuns(source: $source, repository: $repository, pipelineName: $pipelineName,
                      commitSha: $commitSha, first: 100) {
           edges { node { ${RUN_FIELDS} } } } }`,
      { source: 'github', ...filter },
    );
    expect(res.errors).toBeUndefined();
    const edges = (res.data!.pipelineRuns as { edges: { node: Obj }[] }).edges;
    return edges.map((e) => e.node).sort((a, b) => String(a.runId).localeCompare(String(b.runId)));
  }

  /** The octokit check-suite examples (a non-Actions app), moved to another suite id. */
  function suite(id: number) {
    const completed = githubExample(
      'check_suite',
      (p) => p.action === 'completed' && (p.check_suite as Obj).head_branch === 'changes',
    );
    const created = githubExample(
      'check_run',
      (p) => p.action === 'created' && (p.check_run as Obj).status === 'queued',
    );
    const done = githubExample(
      'check_run',
      (p) =>
        p.action === 'completed' &&
        ((p.check_run as Obj).app as Obj).slug === undefined &&
        (p.check_run as Obj).conclusion === 'success',
    );
    for (const p of [created, done]) ((p.check_run as Obj).check_suite as Obj).id = id;
    (completed.check_suite as Obj).id = id;
    // the three are reported by a CI app, not by GitHub Actions
    (completed.check_suite as Obj).app = { id: 7, slug: 'buildkite', name: 'Buildkite' };
    for (const p of [created, done]) {
      (p.check_run as Obj).app = { id: 7, slug: 'buildkite', name: 'Buildkite' };
      ((p.check_run as Obj).check_suite as Obj).app = {
        id: 7,
        slug: 'buildkite',
        name: 'Buildkite',
      };
    }
    return { completed, created, done };
  }

  it('records a check suite with its check runs as one run, whatever the delivery order', async () => {
    const inOrder = suite(5001);
    for (const [event, p] of [
      ['check_run', inOrder.created],
      ['check_run', inOrder.done],
      ['check_suite', inOrder.completed],
    ] as const) {
      const res = await send(event, p);
      expect({ event, status: res.status, result: res.body.result }).toEqual({
        event,
        status: 200,
        result: 'ACCEPTED',
      });
    }
    const reversed = suite(5002);
    await send('check_suite', reversed.completed).expect(200);
    await send('check_run', reversed.done).expect(200);
    await send('check_run', reversed.created).expect(200);

    const found = await runs({ pipelineName: 'Buildkite' });
    const expected = {
      attempt: 1,
      pipelineName: 'Buildkite',
      repository: 'Codertocat/Hello-World',
      ref: 'changes',
      commitSha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
      status: 'FINISHED',
      outcome: 'SUCCESS',
      queuedAt: '2019-05-15T15:20:31.000Z',
      startedAt: '2019-05-15T15:21:12.000Z', // its check run's start
      finishedAt: '2019-05-15T15:21:14.000Z',
      url: null,
    };
    expect(found).toEqual([
      { runId: 'check-suite/5001', ...expected },
      { runId: 'check-suite/5002', ...expected },
    ]);
  });

  it('answers a redelivery DUPLICATE and a rerun of the suite replaces its conclusion', async () => {
    const s = suite(5003);
    await send('check_suite', s.completed).expect(200);
    const again = await send('check_suite', s.completed);
    expect(again.status).toBe(200);
    expect(again.body.result).toBe('DUPLICATE');

    const rerun = structuredClone(s.completed);
    Object.assign(rerun.check_suite as Obj, {
      conclusion: 'failure',
      updated_at: '2019-05-15T16:00:00Z',
    });
    await send('check_suite', rerun).expect(200);
    // an older completed report, delivered late, changes nothing
    const stale = structuredClone(s.completed);
    Object.assign(stale.check_suite as Obj, {
      conclusion: 'cancelled',
      updated_at: '2019-05-15T15:30:00Z',
    });
    await send('check_suite', stale).expect(200);
    const [run] = (await runs({ pipelineName: 'Buildkite' })).filter(
      (r) => r.runId === 'check-suite/5003',
    );
    expect(run).toMatchObject({ outcome: 'FAILURE', finishedAt: '2019-05-15T16:00:00.000Z' });
  });

  it('stores the check suites and check runs of GitHub Actions (202) and records no run', async () => {
    const actions = githubExample(
      'check_suite',
      (p) => ((p.check_suite as Obj).app as Obj).slug === 'github-actions',
    );
    (actions.check_suite as Obj).id = 5999;
    const res = await send('check_suite', actions);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      result: 'ACCEPTED',
      note: expect.stringContaining('GitHub Actions'),
    });
    expect((await runs({})).filter((r) => r.runId === 'check-suite/5999')).toEqual([]);
  });

  it('records a commit status context as one run per commit, in any order, the newest result winning', async () => {
    const base = githubExample('status', (p) => (p.branches as unknown[]).length === 1);
    const at = (state: string, time: string, sha = base.sha) => ({
      ...base,
      id: ++seq,
      sha,
      state,
      context: 'continuous-integration/jenkins/branch',
      target_url: 'https://jenkins.example.com/job/shop/job/master/42/display/redirect',
      created_at: time,
      updated_at: time,
    });
    const other = 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e';
    // commit A: pending, then success; commit B: the same, delivered the other way round
    await send('status', at('pending', '2019-05-15T15:20:00Z')).expect(200);
    await send('status', at('success', '2019-05-15T15:24:00Z')).expect(200);
    await send('status', at('success', '2019-05-15T15:24:00Z', other)).expect(200);
    await send('status', at('pending', '2019-05-15T15:20:00Z', other)).expect(200);
    const expected = {
      attempt: 1,
      pipelineName: 'continuous-integration/jenkins/branch',
      repository: 'Codertocat/Hello-World',
      ref: 'master',
      status: 'FINISHED',
      outcome: 'SUCCESS',
      queuedAt: null,
      startedAt: '2019-05-15T15:20:00.000Z',
      finishedAt: '2019-05-15T15:24:00.000Z',
      url: 'https://jenkins.example.com/job/shop/job/master/42/display/redirect',
    };
    const named = () => runs({ pipelineName: 'continuous-integration/jenkins/branch' });
    expect(await named()).toEqual([
      {
        runId: `status/${String(base.sha)}/continuous-integration/jenkins/branch`,
        commitSha: base.sha,
        ...expected,
      },
      {
        runId: `status/${other}/continuous-integration/jenkins/branch`,
        commitSha: other,
        ...expected,
      },
    ]);

    // Jenkins builds the same commit again: pending, then failure
    await send('status', at('pending', '2019-05-15T17:00:00Z')).expect(200);
    expect((await named())[0]).toMatchObject({ status: 'FINISHED', outcome: 'SUCCESS' });
    await send('status', at('failure', '2019-05-15T17:05:00Z')).expect(200);
    expect((await named())[0]).toMatchObject({
      outcome: 'FAILURE',
      finishedAt: '2019-05-15T17:05:00.000Z',
    });
  });

  it('refuses a malformed or impossible status with a coded 400 and stores nothing', async () => {
    const base = githubExample('status');
    const before = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM raw_events`);
    const unknown = await send('status', { ...base, state: 'exploded' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toEqual({
      code: 'MALFORMED_PAYLOAD',
      message: expect.stringContaining('state'),
    });
    const future = await send('status', {
      ...base,
      context: 'future',
      updated_at: '2099-01-01T00:00:00Z',
    });
    expect(future.status).toBe(400);
    expect(future.body.error.code).toBe('INVALID_EVENT');
    expect(await t.db.dataSource.query(`SELECT count(*)::int AS n FROM raw_events`)).toEqual(
      before,
    );
    expect(await runs({ pipelineName: 'future' })).toEqual([]);
  });

  async function deploymentRun(entityId: string): Promise<Obj | null> {
    const res = await t.gql(
      `query($id: ID!) { deployment(id: $id) { externalId pipelineRun { runId attempt status outcome } } }`,
      { id: entityId },
    );
    expect(res.errors).toBeUndefined();
    return (res.data!.deployment as { pipelineRun: Obj | null }).pipelineRun;
  }

  it('links a deployment created by a workflow to its workflow run, in either order', async () => {
    const run = githubExample(
      'workflow_run',
      (p) => (p.workflow_run as Obj).conclusion === 'success',
    );
    const byWorkflow = (id: number) => {
      const dep = githubExample('deployment', (p) => Boolean(p.workflow_run));
      (dep.deployment as Obj).id = id;
      return dep;
    };
    // the deployment first: linked once the run arrives
    const first = await send('deployment', byWorkflow(6001)).expect(200);
    expect(await deploymentRun(first.body.entityId)).toBeNull();
    await send('workflow_run', run).expect(200);
    const linked = { runId: '289782451', attempt: 1, status: 'FINISHED', outcome: 'SUCCESS' };
    expect(await deploymentRun(first.body.entityId)).toEqual(linked);
    // the run known before the deployment
    const second = await send('deployment', byWorkflow(6002)).expect(200);
    expect(await deploymentRun(second.body.entityId)).toEqual(linked);
  });

  it('records the workflow run a deployment review is about, waiting then finished', async () => {
    const review = githubExample('deployment_review');
    const res = await send('deployment_review', review);
    expect(res.status).toBe(200);
    const waiting = await runs({ repository: 'terraform-test-github/sample-app' });
    expect(waiting).toEqual([
      expect.objectContaining({ runId: '5453085689', status: 'QUEUED', outcome: null }),
    ]);
    // the approved run goes on and finishes
    const finished = structuredClone(review);
    Object.assign(finished.workflow_run as Obj, {
      status: 'completed',
      conclusion: 'success',
      updated_at: '2023-07-04T09:40:00Z',
    });
    await send('workflow_run', finished).expect(200);
    expect(await runs({ repository: 'terraform-test-github/sample-app' })).toEqual([
      expect.objectContaining({
        runId: '5453085689',
        status: 'FINISHED',
        outcome: 'SUCCESS',
        startedAt: '2023-07-04T09:28:10.000Z',
        finishedAt: '2023-07-04T09:40:00.000Z',
      }),
    ]);
  });

  it('stores release and merge_group deliveries (202) with the reason', async () => {
    for (const event of ['release', 'merge_group']) {
      const res = await send(event, githubExample(event));
      expect({ event, status: res.status, note: res.body.note }).toEqual({
        event,
        status: 202,
        note: expect.stringContaining(`${event} is stored: `),
      });
    }
  });
});
