import request from 'supertest';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/test-app.js';
import {
  CDEVENTS_RELEASES,
  type CdeventFixture,
  cdeventApplied,
  cdeventFixture,
  cdeventFixtures,
} from '../support/webhooks.js';

const CE_TOKEN = 'cloudevents-test-token';

/** Binary mode: the CloudEvent attributes in ce-* headers, the CDEvent as the JSON body. */
function binaryHeaders(event: CdeventFixture['event'], token = CE_TOKEN): Record<string, string> {
  return {
    Authorization: `Bearer ${token}`,
    'Content-Type': 'application/json',
    'ce-specversion': '1.0',
    'ce-id': event.context.id,
    'ce-source': event.context.source,
    'ce-type': event.context.type,
    'ce-subject': event.subject.id,
    'ce-time': event.context.timestamp,
  };
}

/** Structured mode: the CloudEvent envelope with the CDEvent as its data. */
function structured(event: CdeventFixture['event']) {
  return {
    specversion: '1.0',
    id: event.context.id,
    source: event.context.source,
    type: event.context.type,
    subject: event.subject.id,
    time: event.context.timestamp,
    datacontenttype: 'application/json',
    data: event,
  };
}

/**
 * The conformance examples reuse one id across all their types; a producer gives each event its
 * own (CloudEvents: source + id is unique), so each example is sent under an id of its own.
 */
function ownId(f: CdeventFixture): CdeventFixture {
  const event = structuredClone(f.event);
  event.context.id = `${f.release}-${f.name}`;
  return { ...f, event, body: Buffer.from(JSON.stringify(event)) };
}

describe('POST /cloudevents', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ CLOUDEVENTS_TOKEN: CE_TOKEN });
  });
  afterAll(async () => {
    await t.close();
  });

  const rows = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> =>
    t.db.dataSource.query(sql, params);

  const post = () => request(t.http).post('/cloudevents');

  it('refuses callers without a valid token with 401 JSON, and read-only tokens with 403', async () => {
    const f = cdeventFixture('v0.5.1', 'service_deployed');
    const { Authorization: _a, ...anonymous } = binaryHeaders(f.event);
    const none = await post().set(anonymous).send(f.body.toString());
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('UNAUTHENTICATED');
    const unknown = await post().set(binaryHeaders(f.event, 'sw_unknown')).send(f.body.toString());
    expect(unknown.status).toBe(401);

    const created = await t.gql(
      'mutation { createApiToken(input: { name: "reader", scopes: [READ] }) { token } }',
    );
    const reader = (created.data!.createApiToken as { token: string }).token;
    const forbidden = await post().set(binaryHeaders(f.event, reader)).send(f.body.toString());
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('FORBIDDEN');
    expect(await rows(`SELECT 1 FROM raw_events`)).toEqual([]);
  });

  it.each(CDEVENTS_RELEASES)(
    'accepts every %s conformance example in binary mode: applied (200) or stored (202)',
    async (release) => {
      for (const f of cdeventFixtures(release).map(ownId)) {
        const res = await post().set(binaryHeaders(f.event)).send(f.body.toString());
        expect({
          name: f.name,
          status: res.status,
          result: res.body.result,
          noted:
            cdeventApplied(release, f.name) || String(res.body.note).includes(f.event.context.type),
        }).toEqual({
          name: f.name,
          status: cdeventApplied(release, f.name) ? 200 : 202,
          result: 'ACCEPTED',
          noted: true,
        });
      }
    },
  );

  it('answers the same events again in structured mode as DUPLICATE (200)', async () => {
    for (const f of cdeventFixtures('v0.5.1').map(ownId)) {
      const res = await post()
        .set({
          Authorization: `Bearer ${CE_TOKEN}`,
          'Content-Type': 'application/cloudevents+json',
        })
        .send(JSON.stringify(structured(f.event)));
      expect({ name: f.name, status: res.status, result: res.body.result }).toEqual({
        name: f.name,
        status: 200,
        result: 'DUPLICATE',
      });
    }
    const stored = await rows<{ n: string }>(
      `SELECT count(*)::text AS n FROM raw_events WHERE transport = 'cloudevents'`,
    );
    expect(Number(stored[0].n)).toBe(
      CDEVENTS_RELEASES.reduce((n, release) => n + cdeventFixtures(release).length, 0),
    );
    expect(Number(stored[0].n)).toBe(36 + 39 + 4 * 45);
  });

  it('applied the conformance pipeline run, deployment and incident', async () => {
    const runs = await rows(
      `SELECT source, run_id, pipeline_name, status, outcome FROM pipeline_runs WHERE pipeline_name = 'myPipeline'`,
    );
    expect(runs).toEqual([
      {
        source: '/event/source/123',
        run_id: 'mySubject123',
        pipeline_name: 'myPipeline',
        status: 'FINISHED',
        outcome: 'FAILURE',
      },
    ]);
    const deployments = await rows(
      `SELECT d.status, d.kind, d.version, s.name AS service, e.name AS environment
         FROM deployments d JOIN services s ON s.id = d.service_id
         JOIN environments e ON e.id = d.environment_id ORDER BY d.id`,
    );
    // deployed, upgraded, rolledback of each of the six releases
    expect(deployments).toHaveLength(3 * CDEVENTS_RELEASES.length);
    expect(deployments[0]).toEqual({
      status: 'SUCCEEDED',
      kind: 'PLANNED',
      version: 'sha256:0b31b1c02ff458ad9b7b81cbdf8f028bd54699fa151f221d1e8de6817db93427',
      service: 'mySubject123',
      environment: 'test123',
    });
    const incidents = await rows(`SELECT external_id, detected_at, resolved_at FROM incidents`);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({
      external_id: 'incident-123',
      detected_at: expect.any(Date),
      resolved_at: expect.any(Date),
    });
  });

  it('accepts batch mode with one result per event', async () => {
    const batch = ['queued', 'started', 'finished'].map((predicate, i) => {
      const event = structuredClone(cdeventFixture('v0.5.1', `pipelinerun_${predicate}`).event);
      event.context.id = `batch-${i}`;
      event.subject.id = 'batch-run';
      (event.subject.content as Record<string, unknown>).pipelineName = 'batched';
      (event.subject.content as Record<string, unknown>).uri = 'https://ci.example.com/batch-run';
      event.context.timestamp = `2026-11-30T10:0${i}:00Z`;
      return structured(event);
    });
    const res = await post()
      .set({
        Authorization: `Bearer ${ADMIN_TOKEN}`,
        'Content-Type': 'application/cloudevents-batch+json',
      })
      .send(JSON.stringify(batch));
    expect(res.status).toBe(200);
    expect(
      (res.body.results as { index: number; result: string }[]).map((r) => [r.index, r.result]),
    ).toEqual([
      [0, 'ACCEPTED'],
      [1, 'ACCEPTED'],
      [2, 'ACCEPTED'],
    ]);
    expect(
      await rows(
        `SELECT status, queued_at, started_at, finished_at FROM pipeline_runs WHERE run_id = 'batch-run'`,
      ),
    ).toEqual([
      {
        status: 'FINISHED',
        queued_at: new Date('2026-11-30T10:00:00Z'),
        started_at: new Date('2026-11-30T10:01:00Z'),
        finished_at: new Date('2026-11-30T10:02:00Z'),
      },
    ]);
  });

  it('refuses a header/body mismatch of id, source or type with 400', async () => {
    const f = cdeventFixture('v0.5.1', 'service_deployed');
    for (const [header, value] of [
      ['ce-id', 'another-id'],
      ['ce-source', '/another/source'],
      ['ce-type', 'dev.cdevents.service.upgraded.0.3.0'],
    ]) {
      const res = await post()
        .set({ ...binaryHeaders(f.event), [header]: value })
        .send(f.body.toString());
      expect({ header, status: res.status, code: res.body.error?.code }).toEqual({
        header,
        status: 400,
        code: 'MALFORMED_PAYLOAD',
      });
      expect(res.body.error.message).toContain(`context.${header.slice(3)}`);
    }
  });

  it('refuses an event that breaks its schema with 400 and the schema errors', async () => {
    const f = cdeventFixture('v0.5.1', 'service_deployed');
    const event = structuredClone(f.event);
    event.context.id = 'schema-broken';
    delete (event.subject.content as Record<string, unknown>).environment;
    const res = await post().set(binaryHeaders(event)).send(JSON.stringify(event));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('MALFORMED_PAYLOAD');
    expect(res.body.error.errors).toEqual([
      "/subject/content: must have required property 'environment'",
    ]);
    expect(await rows(`SELECT 1 FROM raw_events WHERE dedupe_key LIKE '%schema-broken'`)).toEqual(
      [],
    );
  });

  it('refuses a whole batch when one event is malformed, storing none', async () => {
    const good = structured({
      ...cdeventFixture('v0.5.1', 'pipelinerun_started').event,
      context: { ...cdeventFixture('v0.5.1', 'pipelinerun_started').event.context, id: 'b-good' },
    });
    const bad = { ...good, id: 'b-bad' }; // envelope id differs from context.id
    const res = await post()
      .set({
        Authorization: `Bearer ${CE_TOKEN}`,
        'Content-Type': 'application/cloudevents-batch+json',
      })
      .send(JSON.stringify([good, bad]));
    expect(res.status).toBe(400);
    expect(res.body.error.problems).toEqual([expect.objectContaining({ index: 1, id: 'b-bad' })]);
    expect(await rows(`SELECT 1 FROM raw_events WHERE dedupe_key = 'b-good'`)).toEqual([]);
  });

  it('refuses a whole batch when ingestion rejects one event: 400 per event, storing none', async () => {
    const event = (id: string, timestamp: string) => {
      const e = structuredClone(cdeventFixture('v0.5.1', 'pipelinerun_started').event);
      e.context.id = id;
      e.context.timestamp = timestamp;
      return structured(e);
    };
    const res = await post()
      .set({
        Authorization: `Bearer ${CE_TOKEN}`,
        'Content-Type': 'application/cloudevents-batch+json',
      })
      .send(
        JSON.stringify([
          event('all-or-nothing-1', '2026-11-30T10:00:00Z'),
          event('all-or-nothing-2', '2099-01-01T00:00:00Z'), // lies in the future
        ]),
      );
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_EVENT');
    expect(res.body.error.message).toContain('none was stored');
    expect(res.body.error.results).toEqual([
      expect.objectContaining({ index: 0, result: 'NOT_STORED' }),
      expect.objectContaining({ index: 1, result: 'REJECTED', errors: expect.any(Array) }),
    ]);
    expect(await rows(`SELECT 1 FROM raw_events WHERE dedupe_key LIKE 'all-or-nothing-%'`)).toEqual(
      [],
    );
  });

  it('answers a replay of a source and id under another type DUPLICATE', async () => {
    const f = ownId(cdeventFixture('v0.5.1', 'service_deployed'));
    const replay = structuredClone(f.event);
    replay.context.type = 'dev.cdevents.service.upgraded.0.3.0';
    const res = await post().set(binaryHeaders(replay)).send(JSON.stringify(replay));
    expect({ status: res.status, result: res.body.result }).toEqual({
      status: 200,
      result: 'DUPLICATE',
    });
  });

  it('stores other CloudEvents, legacy CDEvents and non-JSON data raw with 202', async () => {
    const legacy = await post()
      .set({
        Authorization: `Bearer ${CE_TOKEN}`,
        'Content-Type': 'application/json',
        'ce-specversion': '0.3',
        'ce-id': '167',
        'ce-source': 'http://jenkins.example.com/job/app/',
        'ce-type': 'dev.cdevents.pipelinerun.finished.0.1.0',
        'ce-pipelinename': 'app',
        'ce-outcome': 'success',
      })
      .send('{}');
    expect(legacy.status).toBe(202);
    expect(legacy.body.note).toContain('no CDEvent');

    const blob = await post()
      .set({
        Authorization: `Bearer ${CE_TOKEN}`,
        'Content-Type': 'application/octet-stream',
        'ce-specversion': '1.0',
        'ce-id': 'blob-1',
        'ce-source': 'urn:example:scanner',
        'ce-type': 'com.example.scan.completed',
      })
      .send(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
    expect(blob.status).toBe(202);
    const [raw] = await rows<{ payload: unknown; headers: Record<string, string> }>(
      `SELECT payload, headers FROM raw_events WHERE dedupe_key = 'blob-1'`,
    );
    expect(raw.payload).toEqual({
      datacontenttype: 'application/octet-stream',
      data_base64: '3q2+7w==',
    });
    expect(raw.headers.authorization).toBeUndefined();
    expect(raw.headers['ce-type']).toBe('com.example.scan.completed');
  });

  it('refuses a spec version that is no CDEvents release, or a type of another release, storing nothing', async () => {
    const f = cdeventFixture('v0.5.1', 'service_deployed');
    const future = structuredClone(f.event);
    future.context.id = 'future-version';
    future.context.specversion = '0.6.0';
    const res = await post().set(binaryHeaders(future)).send(JSON.stringify(future));
    expect({ status: res.status, code: res.body.error?.code }).toEqual({
      status: 400,
      code: 'UNSUPPORTED_CDEVENTS_VERSION',
    });
    expect(res.body.error.message).toContain('v0.2.0, v0.3.0, v0.4.0, v0.4.1, v0.5.0, v0.5.1');

    const old = structuredClone(cdeventFixture('v0.4.0', 'service_deployed').event);
    old.context.id = 'type-of-another-release';
    old.context.type = f.event.context.type; // a v0.5 type string in a v0.4.0 event
    const mixed = await post().set(binaryHeaders(old)).send(JSON.stringify(old));
    expect({ status: mixed.status, code: mixed.body.error?.code }).toEqual({
      status: 400,
      code: 'MALFORMED_PAYLOAD',
    });
    expect(mixed.body.error.message).toContain('v0.4.0 defines no event type');
    expect(
      await rows(
        `SELECT 1 FROM raw_events WHERE dedupe_key IN ('future-version', 'type-of-another-release')`,
      ),
    ).toEqual([]);
  });

  it("attributes an incident to the deployment of the artifact it names, in either order, and keeps a deployment's start time", async () => {
    const artifact = 'pkg:oci/cart@sha256%3A' + 'c'.repeat(64);
    /** A conformance example of `release` about `subjectId`, sent under an id of its own. */
    const send = async (
      release: (typeof CDEVENTS_RELEASES)[number],
      name: string,
      subjectId: string,
      timestamp: string,
      content: Record<string, unknown>,
      customData?: Record<string, unknown>,
    ) => {
      const event = structuredClone(cdeventFixture(release, name).event);
      Object.assign(event.context, { id: `${subjectId}-${name}`, timestamp });
      event.subject.id = subjectId;
      Object.assign(event.subject.content as Record<string, unknown>, content);
      if (customData) event.customData = customData;
      const res = await post().set(binaryHeaders(event)).send(JSON.stringify(event));
      expect({ name, status: res.status }).toEqual({ name, status: 200 });
    };
    await send(
      'v0.4.0',
      'service_deployed',
      'cart',
      '2026-11-30T09:05:00Z',
      { environment: { id: 'prod-eu' }, artifactId: artifact },
      { startedAt: '2026-11-30T09:00:00Z' },
    );
    await send('v0.3.0', 'incident_detected', 'cart-incident-1', '2026-11-30T09:20:00Z', {
      service: { id: 'cart' },
      environment: { id: 'prod-eu' },
      artifactId: artifact,
    });

    expect(
      await rows(
        `SELECT d.version, d.started_at, d.finished_at, c.deployment_external_id
           FROM incidents i JOIN incident_causes c ON c.incident_id = i.id
           JOIN deployments d ON d.source = c.deployment_source AND d.external_id = c.deployment_external_id
          WHERE i.external_id = 'cart-incident-1'`,
      ),
    ).toEqual([
      {
        version: 'sha256:' + 'c'.repeat(64),
        started_at: new Date('2026-11-30T09:00:00Z'),
        finished_at: new Date('2026-11-30T09:05:00Z'),
        deployment_external_id: 'dev.cdevents.service.deployed.0.2.0/cart-service_deployed',
      },
    ]);

    // The other order: the incident names a version whose deployment Shipwatch sees only later.
    const later = 'pkg:oci/cart@sha256%3A' + 'd'.repeat(64);
    await send('v0.4.1', 'incident_detected', 'cart-incident-2', '2026-11-30T11:20:00Z', {
      service: { id: 'cart' },
      environment: { id: 'prod-eu' },
      artifactId: later,
    });
    await send(
      'v0.4.1',
      'service_upgraded',
      'cart',
      '2026-11-30T11:05:00Z',
      { environment: { id: 'prod-eu' }, artifactId: later },
      { startedAt: '2026-11-30T11:00:00Z' },
    );
    expect(
      await rows(
        `SELECT c.deployment_external_id, c.attribution FROM incidents i
           JOIN incident_causes c ON c.incident_id = i.id WHERE i.external_id = 'cart-incident-2'`,
      ),
    ).toEqual([
      {
        deployment_external_id: 'dev.cdevents.service.upgraded.0.2.0/cart-service_upgraded',
        attribution: 'EXPLICIT',
      },
    ]);
  });

  it('refuses requests that hold no CloudEvent with 400', async () => {
    const res = await post()
      .set({ Authorization: `Bearer ${CE_TOKEN}`, 'Content-Type': 'application/json' })
      .send('{"hello":"world"}');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('no CloudEvent');
  });

  it('answers the CloudEvents webhook validation handshake', async () => {
    const res = await request(t.http)
      .options('/cloudevents')
      .set('WebHook-Request-Origin', 'eventemitter.example.com');
    expect(res.status).toBe(200);
    expect(res.headers['webhook-allowed-origin']).toBe('eventemitter.example.com');
  });
});
