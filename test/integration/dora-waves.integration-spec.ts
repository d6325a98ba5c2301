/**
 * DORA of multi-target releases (docs/dora.md "Multi-target releases"): the waves of one
 * (service, environment, version) that name a target count once, on the first to finish, in any
 * arrival order; every wave's failure is the release's; it recovers when every failed wave did;
 * untargeted deployments and waves that never reached users count as before. The facts kept
 * incrementally equal those computed afresh after every step.
 */
import { DataSource } from 'typeorm';
import { resetData, startTestApp, type TestApp } from '../support/test-app.js';
import { DORA_PERIOD_FIELDS, staleFacts } from './dora-support.js';

const DEPLOYMENT = `mutation($input: DeploymentInput!) { recordDeployment(input: $input) { result entityId } }`;
const DORA = `query($filter: DoraMetricsFilter!) { doraMetrics(filter: $filter) { window { ${DORA_PERIOD_FIELDS} } } }`;
const FILTER = { from: '2026-03-02T00:00:00Z', to: '2026-03-09T00:00:00Z', services: ['cart'] };
const at = (hour: number, minute = 0) => new Date(Date.UTC(2026, 2, 3, hour, minute)).toISOString();

interface Window {
  deploymentFrequency: { deployments: number; notReachedUsers: number };
  changeFailureRate: { failed: number; total: number };
  failedDeploymentRecoveryTime: { count: number; failedNotRecovered: number; p50Seconds: number };
  deploymentReworkRate: { reworked: number; total: number };
}

describe('DORA counts a multi-target release once', () => {
  let t: TestApp;
  let ds: DataSource;
  let n = 0;

  beforeAll(async () => {
    t = await startTestApp();
    ds = t.app.get(DataSource);
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await resetData(t.db);
  });

  const deploy = async (
    o: { version: string; target?: string; finishedAt?: string } & Record<string, unknown>,
  ): Promise<string> => {
    n += 1;
    const res = await t.gql(DEPLOYMENT, {
      input: {
        source: 'ci',
        eventId: `e${n}`,
        deploymentId: `cart-${o.version}-${o.target ?? 'all'}`,
        service: 'cart',
        environment: 'production',
        status: 'SUCCEEDED',
        occurredAt: o.finishedAt,
        ...o,
      },
    });
    expect(res.errors).toBeUndefined();
    return (res.data!.recordDeployment as { entityId: string }).entityId;
  };
  const window = async (environment = 'PRODUCTION'): Promise<Window> => {
    const res = await t.gql(DORA, { filter: { ...FILTER, environment } });
    expect(res.errors).toBeUndefined();
    const w = (res.data!.doraMetrics as { window: Window }).window;
    expect(await staleFacts(ds)).toEqual([]);
    return w;
  };
  const factIds = async (): Promise<string[]> =>
    (
      await ds.query<{ id: string }[]>(
        `SELECT deployment_id::text AS id FROM dora_deployment_facts ORDER BY deployment_id`,
      )
    ).map((r) => r.id);

  it.each([
    ['production', 'PRODUCTION'],
    // no changesets outside production: only dora_refresh's sibling rule recomputes b
    ['staging', 'STAGING'],
  ])('moves the release to a wave that finished first but arrived last (%s)', async (env, tier) => {
    const b = await deploy({
      version: '2.0.0',
      target: 'b',
      environment: env,
      finishedAt: at(10, 30),
    });
    expect((await window(tier)).deploymentFrequency.deployments).toBe(1);
    expect(await factIds()).toEqual([b]);
    const a = await deploy({ version: '2.0.0', target: 'a', environment: env, finishedAt: at(10) });
    const w = await window(tier);
    expect(w.deploymentFrequency.deployments).toBe(1);
    expect(await factIds()).toEqual([a]);
    const [fact] = await ds.query<{ finished_at: Date }[]>(
      `SELECT finished_at FROM dora_deployment_facts`,
    );
    expect(fact.finished_at.toISOString()).toBe(at(10));
  });

  it('fails the release when a later wave is rolled back, recovered when every failed wave is', async () => {
    await deploy({ version: '2.0.0', target: 'a', finishedAt: at(10) });
    await deploy({ version: '2.0.0', target: 'b', finishedAt: at(11) });
    await deploy({ version: '2.0.0', target: 'c', finishedAt: at(12) });
    expect((await window()).changeFailureRate).toMatchObject({ failed: 0, total: 1 });

    // b is rolled back at 11:20; c is judged failed through an incident it caused, still open
    await deploy({ version: '2.0.0', target: 'b', status: 'ROLLED_BACK', occurredAt: at(11, 20) });
    const incident = await t.gql(
      `mutation($input: IncidentInput!) { recordIncident(input: $input) { result } }`,
      {
        input: {
          source: 'pager',
          eventId: 'i1',
          incidentId: 'INC-1',
          services: [{ name: 'cart' }],
          environment: 'production',
          detectedAt: at(12, 10),
          causedBy: [{ id: 'cart-2.0.0-c', source: 'ci' }],
        },
      },
    );
    expect(incident.errors).toBeUndefined();
    let w = await window();
    expect(w.deploymentFrequency.deployments).toBe(1);
    expect(w.changeFailureRate).toMatchObject({ failed: 1, total: 1 });
    // b recovered, c did not: the release has not recovered
    expect(w.failedDeploymentRecoveryTime).toMatchObject({ count: 0, failedNotRecovered: 1 });
    const [fact] = await ds.query<{ failure_evidence: string[] }[]>(
      `SELECT failure_evidence FROM dora_deployment_facts`,
    );
    expect(fact.failure_evidence).toEqual(['CAUSED_INCIDENT', 'ROLLED_BACK']);

    await t.gql(`mutation($input: IncidentInput!) { recordIncident(input: $input) { result } }`, {
      input: {
        source: 'pager',
        eventId: 'i2',
        incidentId: 'INC-1',
        services: [{ name: 'cart' }],
        environment: 'production',
        resolvedAt: at(13),
      },
    });
    w = await window();
    // from b's degradation (its finish, 11:00) to the last recovery (c's incident, 13:00)
    expect(w.failedDeploymentRecoveryTime).toMatchObject({
      count: 1,
      failedNotRecovered: 0,
      p50Seconds: 7200,
    });
  });

  it('counts untargeted deployments, other versions and waves that never reached users as before', async () => {
    await deploy({ version: '2.0.0', target: 'a', finishedAt: at(10) });
    await deploy({ version: '2.0.0', target: 'b', finishedAt: at(11) });
    await deploy({ version: '2.0.0', target: 'c', status: 'FAILED', finishedAt: at(11, 30) });
    await deploy({ version: '2.0.0', finishedAt: at(12) });
    await deploy({ version: '2.1.0', target: 'a', finishedAt: at(14) });
    const w = await window();
    expect(w.deploymentFrequency).toMatchObject({ deployments: 3, notReachedUsers: 1 });
    expect(w.deploymentReworkRate.total).toBe(3);
  });
});
