import request from 'supertest';
import { standardWebhooksSignature } from '../../src/webhooks/signatures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { vendorFixture } from '../support/webhooks.js';

const SECRET = `whsec_${Buffer.from('incident-io-test-signing-secret!').toString('base64')}`;
const CREATED = 'public_incident.incident_created_v2';
const UPDATED = 'public_incident.incident_updated_v2';
const STATUS = 'public_incident.incident_status_updated_v2';
const ID = '01FDAG4SAP5TYPT98WGR2N7W91';

type Json = Record<string, unknown>;
/** A custom field entry in the documented shape (`custom_field`, `values[].value_option`). */
const field = (name: string, ...values: string[]) => ({
  custom_field: { id: `F-${name}`, name, field_type: 'single_select', options: [] },
  values: values.map((value) => ({ value_option: { id: `O-${value}`, value } })),
});

/**
 * POST /webhooks/incident-io with the webhook examples of incident.io's OpenAPI specification
 * (test/fixtures/incident-io), signed as Svix signs them. The incident's later states change only
 * fields the schema documents: `incident_status`, `updated_at`, `incident_timestamp_values`,
 * `custom_field_entries`, `name`.
 */
describe('POST /webhooks/incident-io', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ INCIDENT_IO_WEBHOOK_SECRET: SECRET });
  });
  afterAll(async () => {
    await t.close();
  });

  let sent = 0;
  /** The documented example of `file`, its incident edited by `edit`. */
  function example(file: string, edit: (incident: Json, data: Json) => void = () => {}): Json {
    const payload = structuredClone(vendorFixture('incident-io', file).payload);
    const data = payload[payload.event_type as string] as Json;
    edit((data.incident as Json | undefined) ?? data, data);
    return payload;
  }
  const at = (category: string, updatedAt: string, extra: (incident: Json) => void = () => {}) =>
    function (incident: Json) {
      incident.incident_status = { ...(incident.incident_status as Json), category };
      incident.updated_at = updatedAt;
      incident.custom_field_entries = [field('Service', 'checkout')];
      extra(incident);
    };
  const post = (
    body: Json | string,
    opts: { id?: string; timestamp?: number; signature?: string | null; query?: string } = {},
  ) => {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const id = opts.id ?? `msg_test_${++sent}`;
    const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
    const req = request(t.http)
      .post(`/webhooks/incident-io${opts.query ?? ''}`)
      .set('Content-Type', 'application/json')
      .set('webhook-id', id)
      .set('webhook-timestamp', timestamp);
    const signature =
      opts.signature === undefined
        ? standardWebhooksSignature(SECRET, id, timestamp, raw)
        : opts.signature;
    if (signature !== null) req.set('webhook-signature', signature);
    return req.send(raw);
  };
  const rows = <T = Json>(sql: string, params: unknown[] = []): Promise<T[]> =>
    t.db.dataSource.query(sql, params);
  const incident = async (externalId = ID) =>
    (
      await rows(
        `SELECT i.title, i.severity, i.url, i.impact_started_at, i.detected_at, i.resolved_at,
                e.name AS environment,
                (SELECT array_agg(s.name ORDER BY s.name) FROM incident_services x
                   JOIN services s ON s.id = x.service_id WHERE x.incident_id = i.id) AS services
           FROM incidents i LEFT JOIN environments e ON e.id = i.environment_id
          WHERE i.source = 'incident_io' AND i.external_id = $1`,
        [externalId],
      )
    )[0];

  it('refuses a wrong, missing or stale signature with a coded 401, storing nothing', async () => {
    const body = example('openapi-incident-created-v2.json');
    const other = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    const now = Math.floor(Date.now() / 1000);
    const wrong = await post(body, {
      id: 'msg_wrong',
      signature: standardWebhooksSignature(other, 'msg_wrong', String(now), JSON.stringify(body)),
    });
    const missing = await post(body, { signature: null });
    const stale = await post(body, { timestamp: now - 6 * 60 });
    const future = await post(body, { timestamp: now + 6 * 60 });
    for (const res of [wrong, missing, stale, future]) {
      expect([res.status, res.body.error?.code]).toEqual([401, 'INVALID_SIGNATURE']);
    }
    expect(stale.body.error.message).toContain('away from the server clock');
    expect(await rows(`SELECT 1 FROM raw_events`)).toEqual([]);
  });

  it('maps the documented incident; a resend (same webhook-id) is DUPLICATE; signatures are not stored', async () => {
    const body = example('openapi-incident-created-v2.json', at('live', '2021-08-17T13:30:00Z'));
    const res = await post(body, { id: 'msg_created', query: '?environment=production' });
    expect([res.status, res.body.result, res.body.kind]).toEqual([200, 'ACCEPTED', CREATED]);
    const again = await post(body, { id: 'msg_created', query: '?environment=production' });
    expect([again.status, again.body.result]).toEqual([200, 'DUPLICATE']);
    expect(await incident()).toEqual({
      title: 'Our database is sad',
      severity: 'Minor',
      url: 'https://app.incident.io/incidents/123',
      impact_started_at: new Date('2021-08-17T13:28:57.801Z'),
      detected_at: new Date('2021-08-17T13:28:57.801Z'),
      resolved_at: null,
      environment: 'production',
      services: ['checkout'],
    });
    const [raw] = await rows<{ headers: Record<string, string> }>(
      `SELECT headers FROM raw_events WHERE source = 'incident_io' AND dedupe_key = 'msg_created'`,
    );
    expect(raw.headers['webhook-signature']).toBeUndefined();
    expect(raw.headers['webhook-id']).toBe('msg_created');
  });

  it('ends resolved at the resolution whatever the order; an older update changes nothing newer', async () => {
    const resolved = example(
      'openapi-incident-status-updated-v2.json',
      at('live', '2021-08-17T15:00:00Z', (i) => {
        i.name = 'Our database is sad, and fixed';
        i.incident_timestamp_values = [
          ...(i.incident_timestamp_values as Json[]),
          {
            incident_timestamp: { id: 'T-RESOLVED', name: 'Resolved at', rank: 4 },
            value: { value: '2021-08-17T14:45:00Z' },
          },
        ];
      }),
    );
    const status = resolved[STATUS] as Json;
    status.new_status = { ...(status.new_status as Json), category: 'closed' };
    // the resolution arrives first, then an update from before it
    expect((await post(resolved)).status).toBe(200);
    const older = example(
      'openapi-incident-updated-v2.json',
      at('live', '2021-08-17T14:00:00Z', (i) => (i.name = 'Our database is still sad')),
    );
    const late = await post(older);
    expect([late.status, late.body.result, late.body.kind]).toEqual([200, 'ACCEPTED', UPDATED]);
    expect(await incident()).toMatchObject({
      title: 'Our database is sad, and fixed',
      resolved_at: new Date('2021-08-17T14:45:00Z'),
    });
  });

  it('makes the production deployment before the incident of its service suspected in DORA', async () => {
    const deployed = await t.gql(
      `mutation($d: DeploymentInput!) { recordDeployment(input: $d) { result } }`,
      {
        d: {
          source: 'ci',
          eventId: 'deploy-checkout-1.4.0',
          deploymentId: 'checkout-1.4.0',
          service: 'checkout',
          environment: 'production',
          version: '1.4.0',
          status: 'SUCCEEDED',
          startedAt: '2021-08-17T13:00:00Z',
          finishedAt: '2021-08-17T13:05:00Z',
        },
      },
    );
    expect(deployed.errors).toBeUndefined();
    const res = await t.gql(
      `query($f: DoraMetricsFilter!) { doraMetrics(filter: $f) {
         window { changeFailureRate { total failed suspected } } } }`,
      { f: { from: '2021-08-16T00:00:00Z', to: '2021-08-23T00:00:00Z', services: ['checkout'] } },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      doraMetrics: { window: { changeFailureRate: { total: 1, failed: 0, suspected: 1 } } },
    });
  });

  it('takes services and environment from custom fields before the URL', async () => {
    const body = example(
      'openapi-incident-created-v2.json',
      at('triage', '2021-08-18T10:00:00Z', (i) => {
        i.id = '01FIELDS00000000000000000';
        i.custom_field_entries = [
          field('Affected services', 'payments', 'ledger'),
          field('Environment', 'prod-eu'),
        ];
      }),
    );
    const res = await post(body, { query: '?service=checkout&environment=staging' });
    expect([res.status, res.body.result]).toEqual([200, 'ACCEPTED']);
    expect(await incident('01FIELDS00000000000000000')).toMatchObject({
      environment: 'prod-eu',
      services: ['ledger', 'payments'],
    });
  });

  it('stores with a stated outcome (202) what it does not apply, and an incident resolved before it was created', async () => {
    const followUp = await post({ event_type: 'public_incident.follow_up_created_v1' });
    expect([followUp.status, followUp.body.result]).toEqual([202, 'ACCEPTED']);
    expect(followUp.body.note).toContain('is stored');
    const noService = await post(example('openapi-incident-created-v2.json'));
    expect([noService.status, noService.body.note]).toEqual([
      202,
      expect.stringContaining('names no service'),
    ]);

    const backwards = example(
      'openapi-incident-updated-v2.json',
      at('closed', '2021-08-17T13:00:00Z', (i) => {
        i.id = '01BACKWARDS00000000000000';
        i.incident_timestamp_values = [];
      }),
    );
    const res = await post(backwards);
    expect([res.status, res.body.result]).toEqual([202, 'ACCEPTED']);
    expect(res.body.errors).toEqual([
      { field: 'resolvedAt', message: expect.stringContaining('detectedAt') as string },
    ]);
    expect(
      await rows(`SELECT 1 FROM incidents WHERE external_id = '01BACKWARDS00000000000000'`),
    ).toEqual([]);
  });

  it('refuses a signed body that is not an incident.io webhook with a coded 400, storing nothing', async () => {
    const before = await rows<{ n: number }>(`SELECT count(*)::int AS n FROM raw_events`);
    for (const [body, code] of [
      ['{"event_type":', 'BAD_REQUEST'], // refused by the JSON body parser, as on every endpoint
      ['[1]', 'MALFORMED_PAYLOAD'],
      [`{"event_type":"${CREATED}"}`, 'MALFORMED_PAYLOAD'],
      [
        `{"event_type":"${CREATED}","${CREATED}":{"id":"X","updated_at":"soon"}}`,
        'MALFORMED_PAYLOAD',
      ],
    ]) {
      const res = await post(body);
      expect([body, res.status, res.body.error?.code]).toEqual([body, 400, code]);
    }
    expect(await rows(`SELECT count(*)::int AS n FROM raw_events`)).toEqual(before);
  });
});
