import { createHmac } from 'node:crypto';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { vendorFixture } from '../support/webhooks.js';

/**
 * POST /webhooks/flux as Flux's generic-hmac Provider posts (test/fixtures/flux): the secret is
 * the key of notification-controller's own forwarder test, so that its signed test event is
 * accepted byte for byte with the signature that test expects.
 */
const KEY = '7152fed34dd6149a7c75a276c510da27cb6f82b0';

describe('POST /webhooks/flux', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ FLUX_WEBHOOK_SECRET: KEY });
  });
  afterAll(async () => {
    await t.close();
  });

  const sign = (body: Buffer, key = KEY) =>
    `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
  const post = (body: Buffer, query = '', signature: string | null = sign(body)) => {
    const req = request(t.http)
      .post(`/webhooks/flux${query}`)
      .set('Content-Type', 'application/json')
      .set('Gotk-Component', 'kustomize-controller');
    if (signature) req.set('X-Signature', signature);
    return req.send(body.toString('utf8'));
  };
  const body = (file: string) => vendorFixture('flux', file).body;
  const withChanges = (file: string, changes: Record<string, unknown>) =>
    Buffer.from(JSON.stringify({ ...vendorFixture('flux', file).payload, ...changes }));
  const deployments = (): Promise<Record<string, unknown>[]> =>
    t.db.dataSource.query(
      `SELECT d.external_id, d.status, d.kind, d.version, d.commit_sha, d.started_at, d.finished_at,
              s.name AS service, e.name AS environment
         FROM deployments d JOIN services s ON s.id = d.service_id
         JOIN environments e ON e.id = d.environment_id
        WHERE d.source = 'flux' ORDER BY d.id`,
    );
  const rawEvents = async () =>
    Number((await t.db.dataSource.query(`SELECT count(*) AS n FROM raw_events`))[0].n);

  it('accepts the signed test event of Flux’s own forwarder test byte for byte, and stores it', async () => {
    const signature = 'sha256=65b018549b1254e7226d1c08f9567ee45bc9de0fc4e7b1a40253f9a018b08be7';
    const res = await post(body('forwarder-test-event.json'), '?environment=production', signature);
    expect([res.status, res.body.result]).toEqual([202, 'ACCEPTED']);
    expect(res.body.note).toContain('only Kustomization and HelmRelease events are deployments');
  });

  it('refuses a wrong or missing signature, and an event it cannot place, storing nothing', async () => {
    const before = await rawEvents();
    const applied = body('kustomization-applied.json');
    const wrong = await post(applied, '', sign(applied, 'another key of the cluster'));
    expect([wrong.status, wrong.body.error.code]).toEqual([401, 'INVALID_SIGNATURE']);
    const missing = await post(applied, '', null);
    expect([missing.status, missing.body.error.code]).toEqual([401, 'INVALID_SIGNATURE']);
    const unplaced = await post(
      withChanges('kustomization-applied.json', {
        metadata: { revision: 'main@sha1:4f2b8c61e0a9d3b7c5e8f1a2b3c4d5e6f7a8b9c0' },
      }),
    );
    expect([unplaced.status, unplaced.body.error.code]).toEqual([400, 'MALFORMED_PAYLOAD']);
    expect(unplaced.body.error.message).toContain('?environment=');
    expect(await rawEvents()).toBe(before);
    expect(await deployments()).toEqual([]);
  });

  it('records one deployment per revision, finished at its first "Reconciliation finished"; a resend is DUPLICATE', async () => {
    const deliveries = [
      body('kustomization-succeeded.json'),
      body('kustomization-applied.json'),
      withChanges('kustomization-succeeded.json', {
        timestamp: '2026-11-30T09:25:11Z',
        message: 'Reconciliation finished in 712.4ms, next run in 10m0s',
      }),
    ];
    for (const delivery of deliveries) {
      const res = await post(delivery);
      expect([res.status, res.body.result]).toEqual([200, 'ACCEPTED']);
    }
    const again = await post(deliveries[0]);
    expect([again.status, again.body.result]).toEqual([200, 'DUPLICATE']);
    expect(await deployments()).toEqual([
      {
        external_id:
          'production/Kustomization/flux-system/webapp@main@sha1:4f2b8c61e0a9d3b7c5e8f1a2b3c4d5e6f7a8b9c0',
        status: 'SUCCEEDED',
        kind: 'PLANNED',
        version: null,
        commit_sha: '4f2b8c61e0a9d3b7c5e8f1a2b3c4d5e6f7a8b9c0',
        started_at: new Date('2026-11-30T09:14:02Z'),
        finished_at: new Date('2026-11-30T09:15:10Z'),
        service: 'webapp',
        environment: 'production',
      },
    ]);
  });

  it('records a failed HelmRelease upgrade and the remediation rollback that follows it', async () => {
    for (const file of [
      'helmrelease-upgrade-succeeded.json',
      'helmrelease-upgrade-failed.json',
      'helmrelease-rollback-succeeded.json',
    ]) {
      const res = await post(body(file), '?service=podinfo-api');
      expect([file, res.status, res.body.result]).toEqual([file, 200, 'ACCEPTED']);
    }
    const helm = (await deployments()).filter((d) => String(d.external_id).includes('HelmRelease'));
    expect(helm.map((d) => [d.service, d.status, d.kind, d.version])).toEqual([
      ['podinfo-api', 'SUCCEEDED', 'PLANNED', '6.5.4'],
      ['podinfo-api', 'FAILED', 'PLANNED', '6.6.0'],
      ['podinfo-api', 'SUCCEEDED', 'ROLLBACK', '6.5.4'],
    ]);
  });

  it('takes the documented example with its older metadata keys, the environment from the address', async () => {
    const res = await post(body('docs-generic-validation-failed.json'), '?environment=staging');
    expect([res.status, res.body.result]).toEqual([200, 'ACCEPTED']);
    const [docs] = (await deployments()).filter((d) => d.environment === 'staging');
    expect(docs).toMatchObject({
      status: 'FAILED',
      commit_sha: '731f7eaddfb6af01cb2173e18f0f75b0ba780ef1',
      finished_at: new Date('2022-10-28T07:26:19Z'),
    });
  });
});
