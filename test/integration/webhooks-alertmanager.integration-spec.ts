import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { alertmanagerFixture } from '../support/webhooks.js';

/**
 * POST /webhooks/alertmanager with the notifications the real Alertmanager 0.25 sent, Grafana's
 * documented example, and what an attacker or a misconfigured receiver would send.
 */
describe('POST /webhooks/alertmanager', () => {
  let t: TestApp;
  let ingest: string;
  beforeAll(async () => {
    t = await startTestApp();
    const created = await t.gql(
      'mutation { createApiToken(input: { name: "alertmanager", scopes: [INGEST] }) { token } }',
    );
    ingest = (created.data!.createApiToken as { token: string }).token;
  });
  afterAll(async () => {
    await t.close();
  });

  const rows = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> =>
    t.db.dataSource.query(sql, params);
  const post = (body: Buffer | string, query = '', token: string | null = ingest) => {
    const req = request(t.http)
      .post(`/webhooks/alertmanager${query}`)
      .set('Content-Type', 'application/json')
      .set('User-Agent', 'Alertmanager/0.25.0');
    if (token) req.set('Authorization', `Bearer ${token}`);
    return req.send(typeof body === 'string' ? body : body.toString('utf8'));
  };
  const incidents = () =>
    rows(
      `SELECT i.source, i.external_id, i.title, i.severity, i.impact_started_at, i.resolved_at,
              e.name AS environment, e.tier, array_agg(s.name ORDER BY s.name) AS services
       FROM incidents i LEFT JOIN environments e ON e.id = i.environment_id
       LEFT JOIN incident_services x ON x.incident_id = i.id LEFT JOIN services s ON s.id = x.service_id
       GROUP BY i.id, e.name, e.tier ORDER BY i.id`,
    );
  const firing = alertmanagerFixture('alertmanager-0.25-firing.json');
  const resolved = alertmanagerFixture('alertmanager-0.25-resolved.json');

  it('refuses deliveries without an ingest token (401/403) and stores nothing', async () => {
    expect((await post(firing.body, '', null)).body.error.code).toBe('UNAUTHENTICATED');
    const unknown = await post(firing.body, '', 'sw_not_a_token');
    expect([unknown.status, unknown.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    const created = await t.gql(
      'mutation { createApiToken(input: { name: "reader", scopes: [READ] }) { token } }',
    );
    const reader = (created.data!.createApiToken as { token: string }).token;
    const forbidden = await post(firing.body, '', reader);
    expect([forbidden.status, forbidden.body.error.code]).toEqual([403, 'FORBIDDEN']);
    expect(await rows(`SELECT 1 FROM raw_events`)).toEqual([]);
  });

  it('takes the resolved notification before the firing one and ends resolved either way', async () => {
    const first = await post(resolved.body);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ result: 'ACCEPTED', kind: 'alertmanager.resolved' });
    const second = await post(firing.body);
    expect([second.status, second.body.result, second.body.entityId]).toEqual([
      200,
      'ACCEPTED',
      first.body.entityId,
    ]);
    // A retry, a repeat, or the other Alertmanager of an HA pair: the same content.
    const again = await post(firing.body);
    expect([again.status, again.body.result]).toEqual([200, 'DUPLICATE']);
    expect(await incidents()).toEqual([
      {
        source: 'alertmanager',
        external_id: 'cfcc387148f02b7c@2026-12-03T22:16:20.577Z',
        title: 'checkout errors at 12% since 1.4.2',
        severity: 'critical',
        impact_started_at: new Date('2026-12-03T22:16:20.577Z'),
        resolved_at: new Date('2026-12-03T22:16:32.577Z'),
        environment: 'production',
        tier: 'production',
        services: ['checkout'],
      },
    ]);
    const raw = await rows<{ transport: string; headers: Record<string, string> }>(
      `SELECT transport, headers FROM raw_events WHERE source = 'alertmanager' ORDER BY id`,
    );
    expect(raw.map((r) => r.transport)).toEqual(['alertmanager', 'alertmanager']);
    expect(raw[0].headers.authorization).toBeUndefined();
  });

  it('stores alerts that name no service with a note (202), and maps them by the labels the URL names', async () => {
    const grafana = alertmanagerFixture('grafana-docs-webhook.json');
    const stored = await post(grafana.body);
    expect(stored.status).toBe(202);
    expect(stored.body.note).toContain('2 of 2 alerts name no service');
    const before = (await incidents()).length;
    const mapped = await post(
      JSON.stringify({ ...grafana.payload, receiver: 'blue team' }),
      '?service_label=team&environment_label=zone',
    );
    expect([mapped.status, mapped.body.result]).toEqual([200, 'ACCEPTED']);
    const added = (await incidents()).slice(before);
    expect(added.map((i) => [i.services, i.environment, i.tier]).sort()).toEqual([
      [['blue'], 'eu-1', 'development'],
      [['blue'], 'us-1', 'development'],
    ]);
  });

  it('refuses what is not an Alertmanager notification with a coded 400, storing nothing', async () => {
    const count = async () => (await rows(`SELECT 1 FROM raw_events`)).length;
    const before = await count();
    for (const [body, code] of [
      ['{"version":"4"', 'BAD_REQUEST'], // refused by the JSON body parser
      ['{"version":"3","status":"firing","alerts":[]}', 'MALFORMED_PAYLOAD'],
      [
        JSON.stringify({ ...firing.payload, alerts: [{ status: 'firing', labels: [] }] }),
        'MALFORMED_PAYLOAD',
      ],
    ] as const) {
      const res = await post(body);
      expect([res.status, res.body.error.code]).toEqual([400, code]);
    }
    // An alert resolved before it started: every alert of the group is refused together.
    const alerts = resolved.payload.alerts as Record<string, unknown>[];
    const backwards = {
      ...resolved.payload,
      alerts: [
        { ...alerts[0], fingerprint: 'aaaaaaaaaaaaaaaa' },
        { ...alerts[0], fingerprint: 'bbbbbbbbbbbbbbbb', endsAt: '2026-12-03T22:00:00Z' },
      ],
    };
    const refused = await post(JSON.stringify(backwards));
    expect([refused.status, refused.body.error.code]).toEqual([400, 'INVALID_EVENT']);
    expect(refused.body.error.message).toContain('events[1].resolvedAt');
    expect(await count()).toBe(before);
    expect(
      await rows(`SELECT 1 FROM incidents WHERE external_id LIKE 'aaaaaaaaaaaaaaaa@%'`),
    ).toEqual([]);
  });

  it('takes a group of 1,000 alerts in one delivery as 1,000 incidents', async () => {
    const template = (firing.payload.alerts as Record<string, unknown>[])[0];
    const group = {
      ...firing.payload,
      alerts: Array.from({ length: 1000 }, (_, i) => ({
        ...template,
        labels: { ...(template.labels as object), instance: `pod-${i}` },
        fingerprint: i.toString(16).padStart(16, '0'),
      })),
    };
    const res = await post(JSON.stringify(group));
    expect([res.status, res.body.result]).toEqual([200, 'ACCEPTED']);
    const [{ n }] = await rows<{ n: number }>(
      `SELECT count(*)::int AS n FROM incidents WHERE external_id LIKE '0000%@2026-12-03T22:16:20.577Z'`,
    );
    expect(n).toBe(1000);
  });

  it('names as cause the deployment of the version the alert carries', async () => {
    const deployed = await t.gql(
      `mutation($d: DeploymentInput!) { recordDeployment(input: $d) { result } }`,
      {
        d: {
          source: 'ci',
          eventId: 'deploy-payments-2.0.0',
          deploymentId: 'payments-2.0.0',
          service: 'payments',
          environment: 'production',
          version: '2.0.0',
          status: 'SUCCEEDED',
          startedAt: '2026-12-03T21:00:00Z',
          finishedAt: '2026-12-03T21:05:00Z',
        },
      },
    );
    expect(deployed.errors).toBeUndefined();
    const alert = (firing.payload.alerts as Record<string, unknown>[])[0];
    const payments = {
      ...firing.payload,
      alerts: [
        {
          ...alert,
          fingerprint: 'feedfacefeedface',
          labels: { alertname: 'PaymentsErrors', service: 'payments', version: '2.0.0' },
          startsAt: '2026-12-03T21:04:00Z',
        },
        {
          ...alert,
          fingerprint: 'deadbeefdeadbeef',
          labels: { alertname: 'PaymentsErrors', service: 'payments', version: '1.9.0' },
        },
      ],
    };
    expect((await post(JSON.stringify(payments))).status).toBe(200);
    expect(
      await rows(
        `SELECT i.external_id, c.deployment_source, c.deployment_external_id, c.attribution
         FROM incidents i JOIN incident_causes c ON c.incident_id = i.id
         WHERE i.external_id LIKE 'feedface%' OR i.external_id LIKE 'deadbeef%'`,
      ),
    ).toEqual([
      {
        external_id: 'feedfacefeedface@2026-12-03T21:04:00.000Z',
        deployment_source: 'ci',
        deployment_external_id: 'payments-2.0.0',
        attribution: 'EXPLICIT',
      },
    ]);
  });
});
