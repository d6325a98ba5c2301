import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';

const RECORD_DEPLOYMENT = `mutation ($input: DeploymentInput!) {
  recordDeployment(input: $input) { index result rawEventId entityId errors { field message } note }
}`;
const INGEST = `mutation ($events: [EventInput!]!) {
  ingestEvents(events: $events) { index result rawEventId entityId errors { field message } note }
}`;

const sha = (n: number) => n.toString(16).padStart(40, '0');

function deploymentInput(n: number, overrides: Record<string, unknown> = {}) {
  return {
    source: 'github-actions',
    eventId: `deploy-${n}`,
    occurredAt: `2025-06-0${n}T10:00:00Z`,
    deploymentId: `d${n}`,
    service: n % 2 === 0 ? 'cart' : 'shop',
    team: 'payments',
    environment: 'production',
    version: `1.0.${n}`,
    commitSha: sha(n),
    repository: 'acme/shop',
    status: 'SUCCEEDED',
    startedAt: `2025-06-0${n}T09:50:00Z`,
    finishedAt: `2025-06-0${n}T10:00:00Z`,
    ...overrides,
  };
}

describe('ingestion and delivery over HTTP', () => {
  let t: TestApp;
  let readToken: string;
  let ingestToken: string;

  beforeAll(async () => {
    t = await startTestApp();
    const token = async (scope: string) => {
      const res = await t.gql(
        `mutation { createApiToken(input: { name: "${scope}", scopes: [${scope}] }) { token } }`,
      );
      return (res.data!.createApiToken as { token: string }).token;
    };
    readToken = await token('READ');
    ingestToken = await token('INGEST');
  });
  afterAll(async () => {
    await t.close();
  });

  it('records a deployment once and answers a repeat DUPLICATE', async () => {
    const first = await t.gql(RECORD_DEPLOYMENT, { input: deploymentInput(1) }, ingestToken);
    expect(first.errors).toBeUndefined();
    expect(first.data!.recordDeployment).toEqual({
      index: null,
      result: 'ACCEPTED',
      rawEventId: expect.any(String),
      entityId: expect.any(String),
      errors: [],
      note: null,
    });
    const again = await t.gql(RECORD_DEPLOYMENT, { input: deploymentInput(1) }, ingestToken);
    expect(again.data!.recordDeployment).toMatchObject({ result: 'DUPLICATE', rawEventId: null });
  });

  it('refuses mutations to a read token (FORBIDDEN) and queries to an ingest token', async () => {
    const mutation = await t.gql(RECORD_DEPLOYMENT, { input: deploymentInput(2) }, readToken);
    expect(mutation.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const query = await t.gql('{ services { edges { node { name } } } }', undefined, ingestToken);
    expect(query.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const anonymous = await t.gql('{ services { edges { node { name } } } }', undefined, null);
    expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('answers an invalid single event with BAD_USER_INPUT and field errors', async () => {
    const res = await t.gql(
      RECORD_DEPLOYMENT,
      { input: deploymentInput(3, { commitSha: 'zzz', service: ' ' }) },
      ingestToken,
    );
    expect(res.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      errors: expect.arrayContaining([
        { field: 'commitSha', message: expect.any(String) },
        { field: 'service', message: 'must not be empty' },
      ]),
    });
  });

  it('ingests a batch with one outcome per item, storing the valid ones', async () => {
    const res = await t.gql(
      INGEST,
      {
        events: [
          { deployment: deploymentInput(2) },
          { deployment: deploymentInput(3, { finishedAt: '2025-06-03T09:00:00Z' }) },
          {},
          {
            pipelineRun: {
              source: 'github-actions',
              eventId: 'run-1',
              runId: '77',
              pipelineName: 'ci',
              status: 'FINISHED',
              outcome: 'SUCCESS',
              startedAt: '2025-06-02T09:00:00Z',
              finishedAt: '2025-06-02T09:30:00Z',
              tests: {
                passed: 10,
                failed: 1,
                skipped: 2,
                suites: [{ name: 'unit', passed: 10, failed: 1, skipped: 2 }],
              },
            },
          },
          { deployment: deploymentInput(2) },
        ],
      },
      ingestToken,
    );
    expect(res.errors).toBeUndefined();
    const outcomes = res.data!.ingestEvents as {
      index: number;
      result: string;
      errors: { field: string }[];
    }[];
    expect(outcomes.map((o) => [o.index, o.result])).toEqual([
      [0, 'ACCEPTED'],
      [1, 'REJECTED'],
      [2, 'REJECTED'],
      [3, 'ACCEPTED'],
      [4, 'DUPLICATE'],
    ]);
    expect(outcomes[1].errors).toEqual([
      { field: 'finishedAt', message: 'must not be before startedAt' },
    ]);
    const runs = await t.gql(
      '{ pipelineRuns { edges { node { runId status outcome tests { passed failed skipped suites { name } } } } } }',
      undefined,
      readToken,
    );
    expect(runs.data!.pipelineRuns).toEqual({
      edges: [
        {
          node: {
            runId: '77',
            status: 'FINISHED',
            outcome: 'SUCCESS',
            tests: { passed: 10, failed: 1, skipped: 2, suites: [{ name: 'unit' }] },
          },
        },
      ],
    });
  });

  it('caps a batch at 1,000 events', async () => {
    const events = Array.from({ length: 1001 }, () => ({}));
    const res = await t.gql(INGEST, { events }, ingestToken);
    expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('pages through deployments with opaque cursors and filters', async () => {
    for (const n of [4, 5, 6, 7]) {
      const res = await t.gql(RECORD_DEPLOYMENT, { input: deploymentInput(n) }, ingestToken);
      expect(res.data!.recordDeployment).toMatchObject({ result: 'ACCEPTED' });
    }
    const page = `query ($after: String) { deployments(first: 2, after: $after) {
      edges { cursor node { externalId } } pageInfo { hasNextPage endCursor } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const res = await t.gql(page, { after }, readToken);
      expect(res.errors).toBeUndefined();
      const conn = res.data!.deployments as {
        edges: { node: { externalId: string } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
      seen.push(...conn.edges.map((e) => e.node.externalId));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toEqual(['d7', 'd6', 'd5', 'd4', 'd2', 'd1']);

    const filtered = await t.gql(
      `{ deployments(service: "cart", environment: "production", status: [SUCCEEDED], from: "2025-06-03T00:00:00Z") {
         edges { node { externalId service { name team } environment { name tier } } } } }`,
      undefined,
      readToken,
    );
    expect(filtered.data!.deployments).toEqual({
      edges: [6, 4].map((n) => ({
        node: {
          externalId: `d${n}`,
          service: { name: 'cart', team: 'payments' },
          environment: { name: 'production', tier: 'PRODUCTION' },
        },
      })),
    });

    const tooMany = await t.gql(
      '{ deployments(first: 101) { edges { cursor } } }',
      undefined,
      readToken,
    );
    expect(tooMany.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const badCursor = await t.gql(
      '{ deployments(after: "garbage") { edges { cursor } } }',
      undefined,
      readToken,
    );
    expect(badCursor.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('shows a deployment with its changes, pipeline run, incidents and remediations', async () => {
    const push = await t.gql(
      `mutation ($input: ChangeInput!) { recordChange(input: $input) { result } }`,
      {
        input: {
          source: 'github',
          eventId: 'push-1',
          repository: 'acme/shop',
          before: sha(6),
          commits: [
            { sha: sha(100), committedAt: '2025-06-08T08:00:00Z' },
            { sha: sha(101), committedAt: '2025-06-08T09:00:00Z' },
          ],
        },
      },
      ingestToken,
    );
    expect(push.data!.recordChange).toEqual({ result: 'ACCEPTED' });
    const deployed = await t.gql(
      RECORD_DEPLOYMENT,
      {
        input: deploymentInput(8, {
          service: 'cart',
          commitSha: sha(101),
          kind: 'HOTFIX',
          remediates: [{ kind: 'DEPLOYMENT', id: 'd6' }],
          pipelineRunId: '77',
        }),
      },
      ingestToken,
    );
    const id = (deployed.data!.recordDeployment as { entityId: string }).entityId;
    const incident = await t.gql(
      `mutation ($input: IncidentInput!) { recordIncident(input: $input) { result entityId } }`,
      {
        input: {
          source: 'github-actions',
          eventId: 'inc-1',
          incidentId: 'INC-1',
          services: [{ name: 'cart' }],
          environment: 'production',
          severity: 'SEV2',
          impactStartedAt: '2025-06-08T10:10:00Z',
          causedBy: [{ id: 'd8' }],
        },
      },
      ingestToken,
    );
    expect(incident.data!.recordIncident).toMatchObject({ result: 'ACCEPTED' });

    const res = await t.gql(
      `query ($id: ID!) { deployment(id: $id) {
         externalId kind changesetStatus changesetNote predecessorId
         changes { change { sha } leadTimeSeconds excludedReason }
         pipelineRun { runId outcome }
         incidents { externalId severity services { name } causedBy { deploymentExternalId deployment { id } } }
         remediates { kind source id }
       } }`,
      { id },
      readToken,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.deployment).toEqual({
      externalId: 'd8',
      kind: 'HOTFIX',
      changesetStatus: 'FROM_PUSHES',
      changesetNote: null,
      predecessorId: expect.any(String),
      changes: [
        { change: { sha: sha(100) }, leadTimeSeconds: 2 * 3600, excludedReason: null },
        { change: { sha: sha(101) }, leadTimeSeconds: 3600, excludedReason: null },
      ],
      pipelineRun: { runId: '77', outcome: 'SUCCESS' },
      incidents: [
        {
          externalId: 'INC-1',
          severity: 'SEV2',
          services: [{ name: 'cart' }],
          causedBy: [{ deploymentExternalId: 'd8', deployment: { id } }],
        },
      ],
      remediates: [{ kind: 'DEPLOYMENT', source: 'github-actions', id: 'd6' }],
    });
    const missing = await t.gql('{ deployment(id: "999999") { id } }', undefined, readToken);
    expect(missing.data).toEqual({ deployment: null });

    const incidents = await t.gql(
      '{ incidents(service: "cart", open: true) { edges { node { externalId environment { name } } } } }',
      undefined,
      readToken,
    );
    expect(incidents.data!.incidents).toEqual({
      edges: [{ node: { externalId: 'INC-1', environment: { name: 'production' } } }],
    });
    const services = await t.gql(
      '{ services { edges { node { name namespace team } } pageInfo { hasNextPage } } }',
      undefined,
      readToken,
    );
    expect(services.data!.services).toEqual({
      edges: [
        { node: { name: 'cart', namespace: '', team: 'payments' } },
        { node: { name: 'shop', namespace: '', team: 'payments' } },
      ],
      pageInfo: { hasNextPage: false },
    });
  });

  it('pages through services by name with opaque cursors', async () => {
    // Two services named `api` (namespaces `a` and `b`), and names around them.
    const named = [
      ['zeta', ''],
      ['api', 'b'],
      ['beta', ''],
      ['api', 'a'],
      ['alpha', ''],
    ];
    // One at a time: services are numbered in the order they are first seen.
    for (const [i, [service, namespace]] of named.entries()) {
      const res = await t.gql(
        RECORD_DEPLOYMENT,
        {
          input: deploymentInput(8, {
            eventId: `svc-page-${i}`,
            deploymentId: `svc-page-${i}`,
            service,
            namespace,
            team: 'paging',
          }),
        },
        ingestToken,
      );
      expect(res.data!.recordDeployment).toMatchObject({ result: 'ACCEPTED' });
    }
    const page = `query ($after: String) { services(team: "paging", first: 2, after: $after) {
      edges { cursor node { name namespace } } pageInfo { hasNextPage endCursor } } }`;
    const pages: string[][] = [];
    let after: string | null = null;
    for (;;) {
      const got = await t.gql(page, { after }, readToken);
      expect(got.errors).toBeUndefined();
      const conn = got.data!.services as {
        edges: { node: { name: string; namespace: string } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
      pages.push(conn.edges.map((e) => `${e.node.namespace}/${e.node.name}`));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    // By name; two services of one name in the order they were first seen (b before a).
    expect(pages).toEqual([['/alpha', 'b/api'], ['a/api', '/beta'], ['/zeta']]);

    const tooMany = await t.gql(
      '{ services(first: 101) { edges { cursor } } }',
      undefined,
      readToken,
    );
    expect(tooMany.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const badCursor = await t.gql(
      '{ services(after: "garbage") { edges { cursor } } }',
      undefined,
      readToken,
    );
    expect(badCursor.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses a page of pages that would cost too much', async () => {
    const res = await t.gql(
      `{ deployments(first: 100) { edges { node { changes { change { sha message } }
         incidents { services { name } causedBy { deployment { id } } } } } } }`,
      undefined,
      readToken,
    );
    expect(res.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('counts ingested events by kind and result', async () => {
    const res = await request(t.http).get('/metrics').expect(200);
    expect(res.text).toMatch(
      /shipwatch_events_ingested_total\{kind="deployment",result="ACCEPTED"\} [1-9]/,
    );
    expect(res.text).toMatch(
      /shipwatch_events_ingested_total\{kind="deployment",result="DUPLICATE"\} [1-9]/,
    );
    expect(res.text).toMatch(
      /shipwatch_events_ingested_total\{kind="unmapped",result="REJECTED"\} 1/,
    );
    expect(res.text).toMatch(/shipwatch_ingest_duration_seconds_count\{mode="batch"\} [1-9]/);
  });
});
