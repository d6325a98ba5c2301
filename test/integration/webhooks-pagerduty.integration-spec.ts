import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { pagerdutyFixture, pagerdutySignature } from '../support/webhooks.js';

const SECRET = 'lDQHScfUeXUKaQRNF+8XIiDKZ7XX3itBAYzwU0TARw8lJqRnkKl2iB1anSb0Z+IK';

/** POST /webhooks/pagerduty with PagerDuty's documented payloads and its SDK's signed test body. */
describe('POST /webhooks/pagerduty', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ PAGERDUTY_WEBHOOK_SECRET: SECRET });
  });
  afterAll(async () => {
    await t.close();
  });

  const rows = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> =>
    t.db.dataSource.query(sql, params);
  const post = (body: Buffer | string, signature = pagerdutySignature(SECRET, body), query = '') =>
    request(t.http)
      .post(`/webhooks/pagerduty${query}`)
      .set('Content-Type', 'application/json')
      .set('X-PagerDuty-Signature', signature)
      .set('X-Webhook-Id', 'sub-delivery')
      .send(typeof body === 'string' ? body : body.toString('utf8'));
  const incident = async () =>
    (
      await rows(
        `SELECT i.title, i.severity, i.url, i.detected_at, i.resolved_at, e.name AS environment,
                (SELECT array_agg(s.name) FROM incident_services x JOIN services s ON s.id = x.service_id
                 WHERE x.incident_id = i.id) AS services
         FROM incidents i LEFT JOIN environments e ON e.id = i.environment_id
         WHERE i.source = 'pagerduty' AND i.external_id = 'PGR0VU2'`,
      )
    )[0];

  it('accepts the body PagerDuty signed in its SDK test, and refuses it with a wrong signature', async () => {
    const body = pagerdutyFixture('go-pagerduty-priority-updated.json').body;
    const wrong = await post(
      body,
      'v1=7020c8a7ec668a9b7012bc3dd82e483394b038f4230acc6785efbf2a7d8bcaf5',
    );
    expect([wrong.status, wrong.body.error.code]).toEqual([401, 'INVALID_SIGNATURE']);
    const missing = await request(t.http)
      .post('/webhooks/pagerduty')
      .set('Content-Type', 'application/json')
      .send(body.toString());
    expect([missing.status, missing.body.error.code]).toEqual([401, 'INVALID_SIGNATURE']);
    expect(await rows(`SELECT 1 FROM raw_events`)).toEqual([]);

    const ok = await post(
      body,
      'v1=0c0b9495b893a39e70d1fea2fe11fbe0a825f88b9f67846f6cc07dd2bc5476cd',
    );
    expect([ok.status, ok.body.result, ok.body.kind]).toEqual([
      200,
      'ACCEPTED',
      'incident.priority_updated',
    ]);
    const [raw] = await rows<{ headers: Record<string, string> }>(
      `SELECT headers FROM raw_events WHERE source = 'pagerduty'`,
    );
    expect(raw.headers['x-pagerduty-signature']).toBeUndefined();
  });

  it('ends resolved whatever the order of triggered, resolved and acknowledged; resends are DUPLICATE', async () => {
    for (const file of [
      'docs-incident-resolved.json',
      'docs-incident-acknowledged.json',
      'docs-incident-triggered.json',
    ]) {
      const res = await post(pagerdutyFixture(file).body, undefined, '?environment=production');
      expect([file, res.status, res.body.result]).toEqual([file, 200, 'ACCEPTED']);
    }
    const again = await post(pagerdutyFixture('docs-incident-resolved.json').body);
    expect([again.status, again.body.result]).toEqual([200, 'DUPLICATE']);
    expect(await incident()).toEqual({
      title: 'A little bump in the road',
      severity: 'P1',
      url: 'https://acme.pagerduty.com/incidents/PGR0VU2',
      detected_at: new Date('2020-04-09T15:16:27Z'),
      resolved_at: new Date('2020-04-09T16:02:11.004Z'),
      environment: 'production',
      services: ['API Service'],
    });
  });

  it('stores what is not an incident (202), and an incident resolved before it was created (202 with the reasons)', async () => {
    const note = await post(pagerdutyFixture('docs-incident-annotated.json').body);
    expect([note.status, note.body.result]).toEqual([202, 'ACCEPTED']);
    expect(note.body.note).toContain('incident.annotated is stored');

    const backwards = pagerdutyFixture('docs-incident-resolved.json').payload as {
      event: { id: string; occurred_at: string; data: Record<string, unknown> };
    };
    backwards.event.id = 'backwards-1';
    backwards.event.data.id = 'PBACKWARDS';
    backwards.event.occurred_at = '2020-04-09T14:00:00Z';
    const res = await post(JSON.stringify(backwards));
    expect([res.status, res.body.result]).toEqual([202, 'ACCEPTED']);
    expect(res.body.errors).toEqual([
      { field: 'resolvedAt', message: expect.stringContaining('detectedAt') as string },
    ]);
    expect(await rows(`SELECT 1 FROM incidents WHERE external_id = 'PBACKWARDS'`)).toEqual([]);
  });

  it('refuses a signed body that is not a PagerDuty V3 webhook with a coded 400', async () => {
    const res = await post('{"messages":[{"event":"incident.trigger"}]}');
    expect([res.status, res.body.error.code]).toEqual([400, 'MALFORMED_PAYLOAD']);
  });
});
