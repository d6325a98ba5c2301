import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { vendorFixture } from '../support/webhooks.js';

/**
 * POST /webhooks/grafana-oncall with the data Grafana OnCall's documentation shows an outgoing
 * webhook sending (test/fixtures/grafana-oncall/docs-resolve.json: a `resolve` event). The other
 * events of the same alert group change only what the page documents as changing with the
 * trigger: `event.type`, `event.time`, `alert_group.state`, `resolved_at`.
 */
describe('POST /webhooks/grafana-oncall', () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await startTestApp();
    const created = await t.gql(
      'mutation { createApiToken(input: { name: "oncall", scopes: [INGEST] }) { token } }',
    );
    token = (created.data!.createApiToken as { token: string }).token;
  });
  afterAll(async () => {
    await t.close();
  });

  const docs = () => vendorFixture('grafana-oncall', 'docs-resolve.json').payload;
  /** The documented alert group at an earlier step: open (firing) or acknowledged. */
  const earlier = (type: string, time: string, state: string, groupId?: string) => {
    const p = structuredClone(docs()) as Record<string, Record<string, unknown>>;
    p.event = { type, time };
    p.alert_group = { ...p.alert_group, state, resolved_at: null };
    if (state === 'firing') p.alert_group.acknowledged_at = null;
    if (groupId) p.alert_group.id = groupId;
    return p;
  };
  const post = (
    body: Buffer | string | object,
    query = '?service=checkout&environment=production',
    auth: string | null = token,
  ) => {
    const req = request(t.http)
      .post(`/webhooks/grafana-oncall${query}`)
      .set('Content-Type', 'application/json');
    if (auth) req.set('Authorization', `Bearer ${auth}`);
    return req.send(
      typeof body === 'string'
        ? body
        : Buffer.isBuffer(body)
          ? body.toString()
          : JSON.stringify(body),
    );
  };
  const incidents = () =>
    t.db.dataSource.query(
      `SELECT i.external_id, i.title, i.severity, i.url, i.detected_at, i.resolved_at, e.name AS environment
         FROM incidents i LEFT JOIN environments e ON e.id = i.environment_id
        WHERE i.source = 'grafana_oncall' ORDER BY i.external_id`,
    );

  it('refuses deliveries without the token in the webhook’s Authorization Header', async () => {
    const res = await post(vendorFixture('grafana-oncall', 'docs-resolve.json').body, '', null);
    expect([res.status, res.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    const wrong = await post(docs(), '', 'sw_not_a_token');
    expect(wrong.status).toBe(401);
    expect(await t.db.dataSource.query(`SELECT 1 FROM raw_events`)).toEqual([]);
  });

  it('ends resolved whatever the order; a resend is DUPLICATE', async () => {
    // the documented resolve first, then the events that preceded it
    const deliveries = [
      vendorFixture('grafana-oncall', 'docs-resolve.json').body,
      earlier('alert group created', '2023-04-19T21:53:48.5+00:00', 'firing'),
      earlier('acknowledge', '2023-04-19T21:54:39.1+00:00', 'acknowledged'),
    ];
    for (const body of deliveries) {
      const res = await post(body);
      expect([res.status, res.body.result]).toEqual([200, 'ACCEPTED']);
    }
    const again = await post(deliveries[0]);
    expect([again.status, again.body.result]).toEqual([200, 'DUPLICATE']);
    expect(await incidents()).toEqual([
      {
        external_id: 'I6HNZGUFG4K11',
        title: 'Incident',
        severity: null,
        url: 'https://**********.grafana.net/a/grafana-oncall-app/alert-groups/I6HNZGUFG4K11',
        detected_at: new Date('2023-04-19T21:53:48.231Z'),
        resolved_at: new Date('2023-04-19T21:59:21.714Z'),
        environment: 'production',
      },
    ]);
  });

  it('reads service, environment and severity from labels before the URL', async () => {
    const p = earlier('alert group created', '2023-04-20T08:00:00+00:00', 'firing', 'LABELLED1');
    p.alert_group.labels = {
      service: 'payments',
      severity: 'critical',
    };
    p.alert_payload.labels = { env: 'prod-eu', alertname: 'Errors' };
    const res = await post(p, '?service=checkout&environment=staging');
    expect([res.status, res.body.result]).toEqual([200, 'ACCEPTED']);
    expect(
      await t.db.dataSource.query(
        `SELECT s.name AS service, e.name AS environment, e.tier, i.severity
           FROM incidents i JOIN incident_services x ON x.incident_id = i.id
           JOIN services s ON s.id = x.service_id JOIN environments e ON e.id = i.environment_id
          WHERE i.external_id = 'LABELLED1'`,
      ),
    ).toEqual([
      { service: 'payments', environment: 'prod-eu', tier: 'production', severity: 'critical' },
    ]);
  });

  it('stores, with a stated outcome (202), what is no incident of a known service, unresolve, and a resolution before the alert group was created', async () => {
    const noService = await post(docs(), '');
    expect([noService.status, noService.body.result]).toEqual([202, 'ACCEPTED']);
    expect(noService.body.note).toContain('names no service');

    const unresolve = await post({
      ...docs(),
      event: { type: 'unresolve', time: '2023-04-19T22:10:00Z' },
    });
    expect([unresolve.status, unresolve.body.note]).toEqual([
      202,
      expect.stringContaining('keeps its first resolution'),
    ]);

    const impossible = structuredClone(docs()) as Record<string, Record<string, unknown>>;
    impossible.alert_group = {
      ...impossible.alert_group,
      id: 'BACKWARDS1',
      resolved_at: '2023-04-19T21:00:00Z', // before created_at
    };
    const backwards = await post(impossible);
    expect([backwards.status, backwards.body.result]).toEqual([202, 'ACCEPTED']);
    expect(backwards.body.note).toContain('not applied');
    expect(
      await t.db.dataSource.query(`SELECT 1 FROM incidents WHERE external_id = 'BACKWARDS1'`),
    ).toEqual([]);
  });

  it('refuses what is not outgoing webhook data with 400, storing nothing', async () => {
    for (const body of ['{"alert_group":{"id":"X"}}', '{"event":{"type":"resolve"}}', '[1]']) {
      const res = await post(body);
      expect([body, res.status, res.body.error?.code]).toEqual([body, 400, 'MALFORMED_PAYLOAD']);
    }
    expect(
      await t.db.dataSource.query(
        `SELECT count(*)::int AS n FROM raw_events WHERE transport = 'grafana_oncall' AND kind NOT LIKE 'grafana_oncall.%'`,
      ),
    ).toEqual([{ n: 0 }]);
  });
});
