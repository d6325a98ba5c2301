import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFixture, type DoraFixture } from '../factories/dora-factory.js';
import { ADMIN_TOKEN, resetData, startTestApp, type TestApp } from '../support/test-app.js';

const FLOW = `query($filter: DoraMetricsFilter!) { doraMetrics(filter: $filter) {
  window { deploymentFrequency { deployments } } flow { deploymentsDuringFreezes } } }`;
const DEPLOYMENTS = `query { deployments(service: "cart", first: 10) { edges { node {
  externalId finishedAt duringFreeze } } } }`;
const CREATE = `mutation($input: FreezeWindowInput!) { createFreezeWindow(input: $input) { id } }`;

interface Figures {
  window: { deploymentFrequency: { deployments: number } };
  flow: { deploymentsDuringFreezes: number };
}

describe('deployments during a freeze are flagged (doraMetrics.flow.deploymentsDuringFreezes, Deployment.duringFreeze), still counted', () => {
  let t: TestApp;
  const week = { from: '2026-03-02T00:00:00Z', to: '2026-03-09T00:00:00Z', services: ['cart'] };
  const figures = async (): Promise<Figures> => {
    const res = await t.gql(FLOW, { filter: week });
    expect(res.errors).toBeUndefined();
    return res.data!.doraMetrics as Figures;
  };

  beforeAll(async () => {
    t = await startTestApp();
    await resetData(t.db);
    // cart in production: d0 Mon 09:00, d1 Tue 10:00, r1 (its rollback) Tue 10:30, d2 Wed 10:00.
    const fixture = JSON.parse(
      readFileSync(
        join(import.meta.dirname, '..', 'fixtures', 'dora', '03-rolled-back-two-incidents.json'),
        'utf8',
      ),
    ) as DoraFixture;
    await loadFixture(t.db.dataSource, fixture);
  });
  afterAll(async () => {
    await t.close();
  });

  it('counts none without locks or windows', async () => {
    expect(await figures()).toEqual({
      window: { deploymentFrequency: { deployments: 4 } },
      flow: { deploymentsDuringFreezes: 0 },
    });
  });

  it('flags the deployments inside a window’s occurrence and under a lock in force then', async () => {
    // Tuesdays 11:00 Berlin (10:00Z in March) for an hour: d1 and r1; active since January.
    const res = await t.gql(
      CREATE,
      {
        input: {
          name: 'Tuesday release review',
          environment: 'production',
          cron: '0 11 * * 2',
          timeZone: 'Europe/Berlin',
          durationMinutes: 60,
          reason: 'review',
          activeFrom: '2026-01-01T00:00:00Z',
        },
      },
      ADMIN_TOKEN,
    );
    expect(res.errors).toBeUndefined();
    // A lock on cart in force on Wednesday 09:00-11:00 (taken then, so written as history).
    await t.db.dataSource.query(
      `INSERT INTO deploy_locks (scope, service, environment, reason, locked_by, locked_by_name, locked_at, until)
       VALUES ('SERVICE', 'cart', 'production', 'db failover', 'bootstrap', 'bootstrap', $1, $2)`,
      ['2026-03-04T09:00:00Z', '2026-03-04T11:00:00Z'],
    );
    // A lock on another service, and one released before d0, flag nothing.
    await t.db.dataSource.query(
      `INSERT INTO deploy_locks (scope, service, reason, locked_by, locked_by_name, locked_at, released_at)
       VALUES ('SERVICE', 'web', 'r', 'bootstrap', 'bootstrap', $1, NULL),
              ('EVERYTHING', NULL, 'r', 'bootstrap', 'bootstrap', $1, $2)`,
      ['2026-03-01T00:00:00Z', '2026-03-02T08:59:59Z'],
    );
    // Still four deployments; three of them during a freeze.
    expect(await figures()).toEqual({
      window: { deploymentFrequency: { deployments: 4 } },
      flow: { deploymentsDuringFreezes: 3 },
    });
    // Each deployment says so itself.
    const res2 = await t.gql(DEPLOYMENTS);
    expect(res2.errors).toBeUndefined();
    const nodes = (
      res2.data!.deployments as { edges: { node: { externalId: string; duringFreeze: boolean } }[] }
    ).edges.map((e) => [e.node.externalId, e.node.duringFreeze] as const);
    expect(new Map(nodes)).toEqual(
      new Map([
        ['d0', false],
        ['d1', true],
        ['r1', true],
        ['d2', true],
      ]),
    );
  });
});
