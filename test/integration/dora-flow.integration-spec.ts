import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFixture, type DoraFixture } from '../factories/dora-factory.js';
import { resetData, startTestApp, type TestApp } from '../support/test-app.js';

const FLOW = `query($filter: DoraMetricsFilter!) { doraMetrics(filter: $filter) { flow {
  intervalP50Seconds intervalP90Seconds intervals batchChangesP50 batchChangesP90
  batchPullRequestsP50 batchPullRequestsP90 batches deploymentsWithoutChanges } } }`;

const fixture = (name: string) =>
  JSON.parse(
    readFileSync(join(import.meta.dirname, '..', 'fixtures', 'dora', name), 'utf8'),
  ) as DoraFixture;

describe('doraMetrics.flow: time between deployments and batch size', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const flow = async (filter: Record<string, unknown>) => {
    const res = await t.gql(FLOW, { filter });
    expect(res.errors).toBeUndefined();
    const figures = (res.data!.doraMetrics as { flow: Record<string, unknown> }).flow;
    // percentile_cont interpolates in floating point: 267,840 may come back as 267,840.00000000006
    return Object.fromEntries(
      Object.entries(figures).map(([k, v]) => [
        k,
        typeof v === 'number' ? Math.round(v * 1e6) / 1e6 : v,
      ]),
    );
  };
  const week = { from: '2026-03-02T00:00:00Z', to: '2026-03-09T00:00:00Z' };
  const stages = async (filter: Record<string, unknown>) => {
    const res = await t.gql(
      `query($filter: DoraMetricsFilter!) { doraMetrics(filter: $filter) { flow {
        leadTimeStages { stage p50Seconds p90Seconds samples } } } }`,
      { filter },
    );
    expect(res.errors).toBeUndefined();
    const rows = (
      res.data!.doraMetrics as {
        flow: {
          leadTimeStages: {
            stage: string;
            p50Seconds: number;
            p90Seconds: number;
            samples: number;
          }[];
        };
      }
    ).flow.leadTimeStages;
    const round = (v: number | null) => (v === null ? null : Math.round(v * 1e6) / 1e6);
    return rows.map((r) => [r.stage, round(r.p50Seconds), round(r.p90Seconds), r.samples]);
  };

  it('measures the rolled-back week of fixture 03', async () => {
    await resetData(t.db);
    await loadFixture(t.db.dataSource, fixture('03-rolled-back-two-incidents.json'));
    // Deployments that reached users: d0 (Mon 09:00), d1 (Tue 10:00), r1 (Tue 10:30, ROLLBACK),
    // d2 (Wed 10:00); gaps 90,000, 1,800 and 84,600 s. Batches: d1 ships c1, d2 ships c2 (c1
    // was already deployed), r1 is a rollback and d0 the seed (no predecessor, no changeset).
    expect(await flow({ ...week, services: ['cart'] })).toEqual({
      intervalP50Seconds: 84_600,
      intervalP90Seconds: 84_600 + 0.8 * (90_000 - 84_600),
      intervals: 3,
      batchChangesP50: 1,
      batchChangesP90: 1,
      batchPullRequestsP50: 0,
      batchPullRequestsP90: 0,
      batches: 2,
      deploymentsWithoutChanges: 0,
    });
  });

  const PR10 = {
    prFirstCommitAt: '2026-03-01T09:00:00Z',
    prCreatedAt: '2026-03-02T09:00:00Z',
    prMergedAt: '2026-03-02T10:00:00Z',
  };
  /** Two services of two teams; hand computation beside each expectation. */
  const TWO_TEAMS: DoraFixture = {
    name: 'flow: two teams',
    services: [
      { name: 'shop', team: 'web' },
      { name: 'api', team: 'platform' },
    ],
    environments: [
      { name: 'production', tier: 'production' },
      { name: 'staging', tier: 'staging' },
    ],
    changes: [
      { sha: 'a000000001', committedAt: '2026-03-01T08:00:00Z' },
      { sha: 'a000000002', committedAt: '2026-03-02T09:00:00Z', pullRequest: '10', ...PR10 },
      { sha: 'a000000003', committedAt: '2026-03-02T10:00:00Z', pullRequest: '10', ...PR10 },
      {
        sha: 'a000000004',
        committedAt: '2026-03-03T08:00:00Z',
        pullRequest: '11',
        prFirstCommitAt: '2026-03-03T06:00:00Z',
        prCreatedAt: '2026-03-03T07:00:00Z',
        prMergedAt: '2026-03-03T09:00:00Z',
      },
      {
        sha: 'a000000005',
        committedAt: '2026-03-03T09:00:00Z',
        pullRequest: '12',
        prFirstCommitAt: '2026-03-03T08:00:00Z',
        prCreatedAt: '2026-03-03T08:30:00Z',
        prMergedAt: '2026-03-03T10:00:00Z',
      },
      { sha: 'a000000006', committedAt: '2026-03-03T10:00:00Z' },
      { sha: 'b000000001', committedAt: '2026-03-01T08:00:00Z' },
      {
        sha: 'b000000002',
        committedAt: '2026-03-05T08:00:00Z',
        pullRequest: '13',
        // merged before it was opened (clock skew): no REVIEW sample
        prFirstCommitAt: '2026-03-05T07:00:00Z',
        prCreatedAt: '2026-03-05T08:00:00Z',
        prMergedAt: '2026-03-05T07:30:00Z',
      },
    ],
    deployments: [
      {
        id: 'p0',
        service: 'shop',
        environment: 'production',
        status: 'SUCCEEDED',
        finishedAt: '2026-03-02T08:00:00Z',
        changes: ['a000000001'],
      },
      {
        id: 's1',
        service: 'shop',
        environment: 'staging',
        status: 'SUCCEEDED',
        finishedAt: '2026-03-02T10:00:00Z',
        changes: ['a000000001', 'a000000002'],
      },
      {
        id: 'p1',
        startedAt: '2026-03-02T11:30:00Z',
        service: 'shop',
        environment: 'production',
        status: 'SUCCEEDED',
        finishedAt: '2026-03-02T12:00:00Z',
        changes: ['a000000001', 'a000000002', 'a000000003'],
      },
      {
        id: 'p2',
        startedAt: '2026-03-03T11:00:00Z',
        service: 'shop',
        environment: 'production',
        status: 'SUCCEEDED',
        finishedAt: '2026-03-03T12:00:00Z',
        changes: [
          'a000000001',
          'a000000002',
          'a000000003',
          'a000000004',
          'a000000005',
          'a000000006',
        ],
      },
      {
        id: 'p3',
        service: 'shop',
        environment: 'production',
        status: 'SUCCEEDED',
        finishedAt: '2026-03-04T12:00:00Z',
        changes: [
          'a000000001',
          'a000000002',
          'a000000003',
          'a000000004',
          'a000000005',
          'a000000006',
        ],
      },
      {
        id: 'p4',
        service: 'shop',
        environment: 'production',
        status: 'FAILED',
        finishedAt: '2026-03-05T12:00:00Z',
        changes: ['a000000001'],
      },
      {
        id: 'a0',
        service: 'api',
        environment: 'production',
        status: 'SUCCEEDED',
        finishedAt: '2026-03-02T09:00:00Z',
        changes: ['b000000001'],
      },
      {
        id: 'a1',
        startedAt: '2026-03-06T08:50:00Z',
        service: 'api',
        environment: 'production',
        status: 'SUCCEEDED',
        finishedAt: '2026-03-06T09:00:00Z',
        changes: ['b000000001', 'b000000002'],
      },
    ],
  };

  it('takes gaps per service, batches of first-shipped changes, in the scope asked', async () => {
    await resetData(t.db);
    await loadFixture(t.db.dataSource, TWO_TEAMS);
    // gaps: shop 14,400 (p0-p1), 86,400, 86,400; api 345,600 (staging and the failed p4 do not
    // count). Batches: p1 ships 2 changes of PR 10, p2 3 changes of PRs 11 and 12 (and one
    // pushed directly), a1 1 change of PR 13; p3 redeploys what p2 shipped; p0 and a0 are seeds.
    expect(await flow(week)).toEqual({
      intervalP50Seconds: 86_400,
      intervalP90Seconds: 86_400 + 0.7 * (345_600 - 86_400),
      intervals: 4,
      batchChangesP50: 2,
      batchChangesP90: 2.8,
      batchPullRequestsP50: 1,
      batchPullRequestsP90: 1.8,
      batches: 3,
      deploymentsWithoutChanges: 1,
    });
    // Stages of PRs 10-13 (first shipped by p1, p2, p2, a1). CODING 86,400, 3,600, 1,800 and
    // 3,600 s; REVIEW 3,600, 7,200, 5,400 (PR 13 merged before it was opened: left out); WAITING
    // to the deployment's start 5,400, 7,200, 3,600 and 91,200 s; DEPLOYING 1,800 (p1), 3,600
    // (p2), 600 (a1) and 0 for p0, p3 and a0, which report no start apart from their finish.
    expect(await stages(week)).toEqual([
      ['CODING', 3_600, 61_560, 4], // p90: 3,600 + 0.7 × (86,400 − 3,600)
      ['REVIEW', 5_400, 6_840, 3], // 5,400 + 0.8 × 1,800
      ['WAITING', 6_300, 66_000, 4], // (5,400 + 7,200) / 2; 7,200 + 0.7 × 84,000
      ['DEPLOYING', 300, 2_700, 6], // (0 + 600) / 2; 1,800 + 0.5 × 1,800
    ]);
    expect(await flow({ ...week, teams: ['platform'] })).toMatchObject({
      intervalP50Seconds: 345_600,
      intervals: 1,
      batchChangesP50: 1,
      batches: 1,
      deploymentsWithoutChanges: 0,
    });
    expect(await flow({ ...week, services: ['shop'] })).toMatchObject({
      intervalP50Seconds: 86_400,
      intervals: 3,
      batchChangesP50: 2.5,
      batchPullRequestsP90: 1.9,
      batches: 2,
      deploymentsWithoutChanges: 1,
    });
    expect(await flow({ ...week, environment: 'STAGING' })).toMatchObject({
      intervals: 0,
      intervalP50Seconds: null,
    });
    expect(await flow({ ...week, services: ['no-such-service'] })).toEqual({
      intervalP50Seconds: null,
      intervalP90Seconds: null,
      intervals: 0,
      batchChangesP50: null,
      batchChangesP90: null,
      batchPullRequestsP50: null,
      batchPullRequestsP90: null,
      batches: 0,
      deploymentsWithoutChanges: 0,
    });
  });
});
