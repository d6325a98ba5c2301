import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { vendorFixture } from '../support/webhooks.js';

/** POST /webhooks/opsgenie with Opsgenie's documented alert action data. */
describe('POST /webhooks/opsgenie', () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await startTestApp();
    const created = await t.gql(
      'mutation { createApiToken(input: { name: "opsgenie", scopes: [INGEST] }) { token } }',
    );
    token = (created.data!.createApiToken as { token: string }).token;
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (
    body: Buffer | string,
    query = '?service=checkout&environment=production',
    auth: string | null = token,
  ) => {
    const req = request(t.http)
      .post(`/webhooks/opsgenie${query}`)
      .set('Content-Type', 'application/json');
    if (auth) req.set('Authorization', `Bearer ${auth}`);
    return req.send(typeof body === 'string' ? body : body.toString('utf8'));
  };

  it('refuses deliveries without the token set as the integration’s custom header', async () => {
    const res = await post(vendorFixture('opsgenie', 'docs-create.json').body, '', null);
    expect([res.status, res.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    expect(await t.db.dataSource.query(`SELECT 1 FROM raw_events`)).toEqual([]);
  });

  it('ends closed in any order; a resend is DUPLICATE', async () => {
    for (const file of ['docs-close.json', 'docs-create.json', 'docs-acknowledge.json']) {
      const res = await post(vendorFixture('opsgenie', file).body);
      expect([file, res.status, res.body.result]).toEqual([file, 200, 'ACCEPTED']);
    }
    const again = await post(vendorFixture('opsgenie', 'docs-create.json').body);
    expect([again.status, again.body.result]).toEqual([200, 'DUPLICATE']);
    expect(
      await t.db.dataSource.query(
        `SELECT i.title, i.detected_at, i.resolved_at, e.name AS environment
         FROM incidents i JOIN environments e ON e.id = i.environment_id WHERE i.source = 'opsgenie'`,
      ),
    ).toEqual([
      {
        title: 'test alert',
        detected_at: new Date(1420452191104),
        resolved_at: new Date(1420452824764),
        environment: 'production',
      },
    ]);
  });

  it('stores an alert naming no service (202) and refuses what is not alert action data (400)', async () => {
    const { payload } = vendorFixture('opsgenie', 'docs-create.json');
    const stored = await post(JSON.stringify({ ...payload, integrationName: 'other' }), '');
    expect([stored.status, stored.body.result]).toEqual([202, 'ACCEPTED']);
    expect(stored.body.note).toContain('names no service');
    const bad = await post('{"alert":{"alertId":"x"}}');
    expect([bad.status, bad.body.error.code]).toEqual([400, 'MALFORMED_PAYLOAD']);
  });
});
