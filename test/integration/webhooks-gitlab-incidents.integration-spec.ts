import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { GITLAB_FIXTURE_TOKEN, gitlabDelivery } from '../support/webhooks.js';

/**
 * GitLab incidents (Issue Hook of a work item of type Incident) and System Hooks (instance-wide
 * push, tag push and merge request events) through POST /webhooks/gitlab, with the examples of
 * GitLab's documentation (test/fixtures/gitlab/README.md) and their secret token; the results
 * are read through GraphQL.
 */
describe('POST /webhooks/gitlab: incidents and system hooks', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      GITLAB_WEBHOOK_TOKEN: GITLAB_FIXTURE_TOKEN,
      GITLAB_WEBHOOK_HOST: 'gitlab.example.com',
    });
  });
  afterAll(async () => {
    await t.close();
  });

  type Obj = Record<string, unknown>;
  const attrs = (p: Obj) => p.object_attributes as Obj;

  function send(file: string, edit: (p: Obj) => void = () => undefined, query = '') {
    const d = gitlabDelivery(file, edit);
    return request(t.http).post(`/webhooks/gitlab${query}`).set(d.headers).send(d.body);
  }

  /** The documented work item example as GitLab sends an incident, with another id and times. */
  const incident =
    (id: number, edit: (a: Obj) => void = () => undefined) =>
    (p: Obj) => {
      Object.assign(attrs(p), { type: 'Incident', id, iid: id });
      edit(attrs(p));
    };
  const opened = { created_at: '2021-04-28T20:30:00Z', updated_at: '2021-04-28T20:30:00Z' };
  const closed = {
    ...opened,
    action: 'close',
    state: 'closed',
    escalation_status: 'resolved',
    closed_at: '2021-04-28T21:10:00Z',
    updated_at: '2021-04-28T21:10:00Z',
  };
  const SERVICE = '?service=checkout&environment=production';

  async function incidents(): Promise<Obj[]> {
    const res = await t.gql(
      `{ incidents(service: "checkout", first: 100) { edges { node {
           source externalId title severity url detectedAt resolvedAt
           environment { name tier } services { name }
           causedBy { attribution deploymentExternalId } } } } }`,
    );
    expect(res.errors).toBeUndefined();
    const edges = (res.data!.incidents as { edges: { node: Obj }[] }).edges;
    return edges.map((e) => e.node).sort((a, b) => Number(a.externalId) - Number(b.externalId));
  }

  it('records an incident opened then resolved, and the same in reverse order', async () => {
    for (const [id, order] of [
      [401, [opened, closed]],
      [402, [closed, opened]],
    ] as const) {
      for (const state of order) {
        const res = await send(
          'issue.json',
          incident(id, (a) => Object.assign(a, state)),
          SERVICE,
        );
        expect([res.status, res.body.result, res.body.kind]).toEqual([
          200,
          'ACCEPTED',
          'Issue Hook',
        ]);
      }
    }
    const expected = {
      source: 'gitlab:gitlab.example.com',
      title: 'New API: create/update/delete file',
      severity: 'high',
      url: 'http://example.com/diaspora/issues/23',
      detectedAt: '2021-04-28T20:30:00.000Z',
      resolvedAt: '2021-04-28T21:10:00.000Z',
      environment: { name: 'production', tier: 'PRODUCTION' },
      services: [{ name: 'checkout' }],
      causedBy: [],
    };
    expect(await incidents()).toEqual([
      { externalId: '401', ...expected },
      { externalId: '402', ...expected },
    ]);
  });

  it('answers a resend DUPLICATE, and a reopened incident keeps its first resolution', async () => {
    const again = await send(
      'issue.json',
      incident(401, (a) => Object.assign(a, closed)),
      SERVICE,
    );
    expect([again.status, again.body.result]).toEqual([200, 'DUPLICATE']);
    const reopened = await send(
      'issue.json',
      incident(401, (a) =>
        Object.assign(a, {
          ...opened,
          action: 'reopen',
          escalation_status: 'triggered',
          updated_at: '2021-04-28T22:00:00Z',
        }),
      ),
      SERVICE,
    );
    expect(reopened.status).toBe(200);
    expect((await incidents()).find((i) => i.externalId === '401')).toMatchObject({
      resolvedAt: '2021-04-28T21:10:00.000Z',
    });
  });

  it('makes the production deployment before an incident of its service suspected', async () => {
    const deployed = await send(
      'deployment.json',
      (p) => Object.assign(p, { environment: 'production', environment_tier: 'production' }),
      '?service=checkout',
    );
    expect(deployed.status).toBe(200);
    const res = await t.gql(
      `query($f: DoraMetricsFilter!) { doraMetrics(filter: $f) {
         window { changeFailureRate { total failed suspected } } } }`,
      { f: { from: '2021-04-26T00:00:00Z', to: '2021-05-03T00:00:00Z', services: ['checkout'] } },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      doraMetrics: { window: { changeFailureRate: { total: 1, failed: 0, suspected: 1 } } },
    });
  });

  it('stores an impossible incident (resolved before detected) with 202 and records nothing', async () => {
    const res = await send(
      'issue.json',
      incident(403, (a) => Object.assign(a, { ...closed, closed_at: '2021-04-28T19:00:00Z' })),
      SERVICE,
    );
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      result: 'ACCEPTED',
      note: expect.stringContaining('resolvedAt'),
    });
    expect((await incidents()).map((i) => i.externalId)).toEqual(['401', '402']);
  });

  it('stores issues of other types (202) and refuses a malformed incident (400), storing nothing', async () => {
    const issue = await send('issue.json', () => undefined, SERVICE);
    expect([issue.status, issue.body.note]).toEqual([202, expect.stringContaining('type Issue')]);
    const before = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM raw_events`);
    const bad = await send(
      'issue.json',
      incident(404, (a) => (a.created_at = 'yesterday')),
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error).toEqual({
      code: 'MALFORMED_PAYLOAD',
      message: expect.stringContaining('object_attributes.created_at'),
    });
    expect(await t.db.dataSource.query(`SELECT count(*)::int AS n FROM raw_events`)).toEqual(
      before,
    );
  });

  it('takes an instance-wide push as a project push: its commits feed lead times', async () => {
    const res = await send('system_push.json');
    expect([res.status, res.body.kind]).toEqual([200, 'System Hook: push']);
    const record = (id: string, sha: string, finishedAt: string) =>
      t.gql(`mutation($d: DeploymentInput!) { recordDeployment(input: $d) { result entityId } }`, {
        d: {
          source: 'ci',
          eventId: id,
          deploymentId: id,
          service: 'diaspora',
          environment: 'production',
          repository: 'mike/diaspora',
          commitSha: sha,
          status: 'SUCCEEDED',
          startedAt: finishedAt,
          finishedAt,
        },
      });
    await record('diaspora-1', '95790bf891e76fee5e1747ab589903a6a1f80f22', '2013-05-13T18:00:00Z');
    const second = await record(
      'diaspora-2',
      'c5feabde2d8cd023215af4d2ceeb7a64839fc428',
      '2013-05-13T19:18:08Z',
    );
    const id = (second.data!.recordDeployment as { entityId: string }).entityId;
    const changes = await t.gql(
      `query($id: ID!) { deployment(id: $id) { changes { change { sha } leadTimeSeconds } } }`,
      { id },
    );
    expect(changes.data).toEqual({
      deployment: {
        changes: [
          { change: { sha: 'c5feabde2d8cd023215af4d2ceeb7a64839fc428' }, leadTimeSeconds: 3600 },
        ],
      },
    });
  });

  it('takes an instance-wide merge request as a project one, and stores the other system hooks', async () => {
    const open = await send('system_merge_request.json');
    expect([open.status, open.body.kind]).toEqual([202, 'System Hook: merge_request']);
    const merged = await send('system_merge_request.json', (p) =>
      Object.assign(attrs(p), { action: 'merge', state: 'merged' }),
    );
    expect(merged.status).toBe(200);
    expect(
      await t.db.dataSource.query(
        `SELECT pull_request_id, pr_created_at FROM changes
          WHERE repository = 'gitlabhq/gitlab-test' AND sha = 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7'`,
      ),
    ).toEqual([{ pull_request_id: '1', pr_created_at: new Date('2013-12-03T17:23:34Z') }]);
    const project = await send('system_push.json', (p) => (p.event_name = 'project_create'));
    expect([project.status, project.body.kind]).toEqual([202, 'System Hook: project_create']);
  });
});
