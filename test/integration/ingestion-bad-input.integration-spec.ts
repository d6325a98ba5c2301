import { RefCache } from '../../src/ingestion/ref-cache.js';
import { resetData, startTestApp, type TestApp } from '../support/test-app.js';

const RECORD = `mutation ($input: DeploymentInput!) { recordDeployment(input: $input) { result } }`;
const RECORD_RUN = `mutation ($input: PipelineRunInput!) { recordPipelineRun(input: $input) { result } }`;
const INGEST = `mutation ($events: [EventInput!]!) { ingestEvents(events: $events) { index result errors { field message } } }`;

const valid = {
  source: 'ci',
  eventId: 'e1',
  deploymentId: 'd1',
  service: 'shop',
  environment: 'production',
  commitSha: 'a'.repeat(40),
  status: 'SUCCEEDED',
  startedAt: '2025-06-01T10:00:00Z',
  finishedAt: '2025-06-01T10:05:00Z',
};

describe('bad ingestion input', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await resetData(t.db);
    t.app.get(RefCache).clear(); // the rows it remembers are gone
  });

  const stored = async (): Promise<Record<string, number>> => {
    const [row] = await t.db.dataSource.query<Record<string, number>[]>(`SELECT
      (SELECT count(*) FROM raw_events)::int AS raw_events, (SELECT count(*) FROM deployments)::int AS deployments,
      (SELECT count(*) FROM services)::int AS services, (SELECT count(*) FROM environments)::int AS environments,
      (SELECT count(*) FROM changes)::int AS changes, (SELECT count(*) FROM pipeline_runs)::int AS pipeline_runs`);
    return row;
  };
  const nothing = {
    raw_events: 0,
    deployments: 0,
    services: 0,
    environments: 0,
    changes: 0,
    pipeline_runs: 0,
  };

  it('stores a valid deployment (the baseline of the cases below)', async () => {
    const res = await t.gql(RECORD, { input: valid });
    expect(res.data).toEqual({ recordDeployment: { result: 'ACCEPTED' } });
    expect(await stored()).toMatchObject({
      raw_events: 1,
      deployments: 1,
      services: 1,
      environments: 1,
    });
  });

  it.each<[string, Record<string, unknown>]>([
    ['an unknown enum value', { status: 'DONE' }],
    ['an unparseable timestamp', { finishedAt: 'yesterday' }],
    ['an impossible timestamp', { finishedAt: '2025-02-30T10:00:00Z' }],
    ['a timestamp without offset', { finishedAt: '2025-06-01T10:05:00' }],
  ])(
    'refuses %s (a schema error) with BAD_USER_INPUT and stores nothing',
    async (_case, change) => {
      const res = await t.gql(RECORD, { input: { ...valid, ...change } });
      expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0].message).toMatch(/DeploymentStatus|DateTime/);
      expect(await stored()).toEqual(nothing);
    },
  );

  it.each<[string, Record<string, unknown>, string]>([
    ['a SHA that is not hex', { commitSha: 'g'.repeat(40) }, 'commitSha'],
    ['a commit SHA too short', { commits: [{ sha: 'abc' }] }, 'commits[0].sha'],
    ['an empty service name', { service: '' }, 'service'],
    ['a blank environment name', { environment: '  ' }, 'environment'],
    ['a finish before its start', { finishedAt: '2025-06-01T09:00:00Z' }, 'finishedAt'],
    [
      'a timestamp from the far future',
      { finishedAt: '2999-01-01T00:00:00Z', startedAt: null },
      'finishedAt',
    ],
    ['a malformed traceparent', { traceparent: 'nope' }, 'traceparent'],
  ])(
    'refuses %s with BAD_USER_INPUT naming the field, and stores nothing',
    async (_case, change, field) => {
      const res = await t.gql(RECORD, { input: { ...valid, ...change } });
      expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0].extensions?.errors).toEqual(
        expect.arrayContaining([{ field, message: expect.any(String) }]),
      );
      expect(await stored()).toEqual(nothing);
    },
  );

  // Found by fuzz-graphql: a team of '' reached the teams table (CHECK name <> '') as a 500.
  it('takes a blank team for no team, in a deployment and in an incident, and stores the event', async () => {
    const deployed = await t.gql(RECORD, { input: { ...valid, team: '' } });
    expect(deployed.data).toEqual({ recordDeployment: { result: 'ACCEPTED' } });
    const incident = await t.gql(INGEST, {
      events: [
        {
          incident: {
            source: 'pager',
            eventId: 'i1',
            incidentId: 'i1',
            services: [
              { name: 'cart', team: '' },
              { name: 'web', team: '  ' },
            ],
            impactStartedAt: '2025-06-01T11:00:00Z',
          },
        },
      ],
    });
    expect(incident.errors).toBeUndefined();
    expect(incident.data).toEqual({
      ingestEvents: [{ index: 0, result: 'ACCEPTED', errors: [] }],
    });
    const teams = await t.db.dataSource.query<{ name: string; team: string | null }[]>(
      'SELECT name, team FROM services ORDER BY name',
    );
    expect(teams).toEqual([
      { name: 'cart', team: null },
      { name: 'shop', team: null },
      { name: 'web', team: null },
    ]);
  });

  it('refuses impossible pipeline runs (negative test counts, outcome while running)', async () => {
    const run = { source: 'ci', eventId: 'r1', runId: '1', pipelineName: 'ci', status: 'RUNNING' };
    for (const change of [
      { outcome: 'SUCCESS' },
      { status: 'FINISHED', tests: { passed: -1, failed: 0, skipped: 0 } },
      { attempt: 0 },
    ]) {
      const res = await t.gql(RECORD_RUN, { input: { ...run, ...change } });
      expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    }
    expect(await stored()).toEqual(nothing);
  });

  it('rejects bad items of a batch one by one, storing the rest', async () => {
    const res = await t.gql(INGEST, {
      events: [
        { deployment: { ...valid, service: '' } },
        { deployment: valid },
        {
          deployment: valid,
          pipelineRun: {
            source: 'ci',
            eventId: 'r',
            runId: '1',
            pipelineName: 'ci',
            status: 'QUEUED',
          },
        },
        { change: { source: 'github', eventId: 'p1', repository: 'acme/shop', commits: [] } },
      ],
    });
    expect(res.data!.ingestEvents).toEqual([
      {
        index: 0,
        result: 'REJECTED',
        errors: [{ field: 'service', message: 'must not be empty' }],
      },
      { index: 1, result: 'ACCEPTED', errors: [] },
      {
        index: 2,
        result: 'REJECTED',
        errors: [
          { field: 'pipelineRun,deployment', message: expect.stringContaining('exactly one') },
        ],
      },
      { index: 3, result: 'REJECTED', errors: [{ field: 'commits', message: expect.any(String) }] },
    ]);
    expect(await stored()).toMatchObject({
      raw_events: 1,
      deployments: 1,
      pipeline_runs: 0,
      changes: 1,
    });
  });

  it('refuses a whole batch whose items do not fit the schema (an unknown enum)', async () => {
    const res = await t.gql(INGEST, {
      events: [{ deployment: valid }, { deployment: { ...valid, status: 'DONE' } }],
    });
    expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(await stored()).toEqual(nothing);
  });
});
