import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import request from 'supertest';
import { validateEvent } from '../../src/ingestion/event.validator.js';
import { parseCloudEvents } from '../../src/webhooks/cloudevents/cloudevents.parser.js';
import { mapFluxDelivery } from '../../src/webhooks/flux/flux.mapper.js';
import { GITHUB_EVENTS, mapGithubDelivery } from '../../src/webhooks/github/github.mapper.js';
import { GITLAB_EVENTS, mapGitlabDelivery } from '../../src/webhooks/gitlab/gitlab.mapper.js';
import { mapIncidentIoDelivery } from '../../src/webhooks/incident-io/incident-io.mapper.js';
import {
  MappingError,
  bodyDedupeKey,
  normaliseHeaders,
  type MappedDelivery,
} from '../../src/webhooks/webhook-mapping.js';
import { jsonMutation, mutateJson, numRuns } from '../support/fuzz.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/test-app.js';
import {
  cdeventFixtures,
  githubExamples,
  gitlabFixture,
  vendorFixture,
} from '../support/webhooks.js';

/**
 * Property-based fuzzing of the webhook endpoints (fast-check): real GitHub, GitLab and
 * CDEvents payloads, mutated (wrong types, missing and unknown keys, deep nesting, huge values,
 * broken JSON), with fuzzed headers and correct or wrong credentials. Whatever arrives: never a
 * 5xx, every refusal is a JSON body with error.code, a bad signature or token is always refused,
 * and the database holds exactly what the answer acknowledged.
 */

const GITHUB_SECRET = 'fuzz-github-secret';
const GITLAB_TOKEN = 'fuzz-gitlab-token';
const CLOUDEVENTS_TOKEN = 'fuzz-cloudevents-token';
const BODY_LIMIT = 512 * 1024;
const TABLES = [
  'raw_events',
  'deployments',
  'pipeline_runs',
  'changes',
  'incidents',
  'services',
  'environments',
];

const GITHUB_BASES = [
  ...[...GITHUB_EVENTS, 'ping', 'release', 'check_run'].flatMap((event) =>
    githubExamples(event)
      .slice(0, 4)
      .map((payload) => ({ event, payload })),
  ),
  {
    event: 'deployment_protection_rule',
    payload: vendorFixture('github', 'deployment_protection_rule/requested.payload.json').payload,
  },
];
const FLUX_BASES = [
  'docs-generic-validation-failed.json',
  'forwarder-test-event.json',
  'kustomization-applied.json',
  'kustomization-succeeded.json',
  'kustomization-health-check-failed.json',
  'helmrelease-upgrade-succeeded.json',
  'helmrelease-upgrade-failed.json',
  'helmrelease-rollback-succeeded.json',
].map((file) => vendorFixture('flux', file).payload);
const INCIDENT_IO_BASES = [
  'openapi-incident-created-v2.json',
  'openapi-incident-updated-v2.json',
  'openapi-incident-status-updated-v2.json',
].map((file) => vendorFixture('incident-io', file).payload);
const GITLAB_BASES = [
  'push',
  'merge_request',
  'pipeline',
  'job',
  'deployment',
  'issue',
  'tag_push',
  'release',
  'system_push',
  'system_tag_push',
  'system_merge_request',
].map((name) => gitlabFixture(`${name}.json`));
const CDEVENT_BASES = cdeventFixtures('v0.4.1')
  .concat(cdeventFixtures('v0.5.1'))
  .map((f) => f.event);

/** Header values as a client may send them (printable ASCII), sometimes absent or huge. */
const headerValue = fc.oneof(
  { weight: 4, arbitrary: fc.uuid() },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 300, maxLength: 2_000 }) },
  { weight: 1, arbitrary: fc.constant('') },
);

/** A small pool of delivery ids, so that redeliveries (DUPLICATE) happen. */
const deliveryId = fc.oneof(
  { weight: 3, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.constantFrom('dup-1', 'dup-2', 'dup-3') },
  { weight: 1, arbitrary: headerValue },
);

/** How the mutated document goes on the wire: as JSON, cut short, or as random bytes. */
const wire = fc.record({
  form: fc.oneof(
    { weight: 12, arbitrary: fc.constant('json' as const) },
    { weight: 1, arbitrary: fc.constant('truncated' as const) },
    { weight: 1, arbitrary: fc.constant('bytes' as const) },
  ),
  cut: fc.nat(),
  bytes: fc.uint8Array({ maxLength: 200 }),
});

function render(doc: unknown, w: { form: string; cut: number; bytes: Uint8Array }): string {
  const json = JSON.stringify(doc) ?? 'null';
  if (w.form === 'truncated') return json.slice(0, w.cut % (json.length + 1));
  if (w.form === 'bytes') return Buffer.from(w.bytes).toString('latin1');
  return json;
}

const mutations = fc.array(jsonMutation, { minLength: 0, maxLength: 4 });

/** `returned`, or what `fn` threw as `<name>: <message>` (to assert on it unconditionally). */
function outcomeOf(fn: () => unknown): string {
  try {
    fn();
    return 'returned';
  } catch (error) {
    return error instanceof MappingError
      ? `MappingError: ${error.message}`
      : error instanceof Error
        ? `${error.name}: ${error.message}`
        : String(error);
  }
}

interface Reply {
  status: number;
  body: {
    result?: string;
    results?: { result: string }[];
    error?: { code?: unknown; results?: { result: string }[] };
  };
}

describe('webhooks under fuzzed deliveries', () => {
  let t: TestApp;
  let cases = 0;
  const seen: Record<string, number> = {};
  const note = (what: string) => (seen[what] = (seen[what] ?? 0) + 1);

  beforeAll(async () => {
    t = await startTestApp({
      GITHUB_WEBHOOK_SECRET: GITHUB_SECRET,
      GITLAB_WEBHOOK_TOKEN: GITLAB_TOKEN,
      CLOUDEVENTS_TOKEN,
      SHIPWATCH_BODY_LIMIT_BYTES: String(BODY_LIMIT),
      SHIPWATCH_RATE_LIMIT_RPS: '100000',
      SHIPWATCH_RATE_LIMIT_BURST: '100000',
    });
  });
  afterAll(async () => {
    await t?.close();
    process.stdout.write(`fuzz-webhooks: ${cases} cases ${JSON.stringify(seen)}\n`);
  });

  const counts = async (): Promise<Record<string, number>> => {
    const [row] = await t.db.dataSource.query<Record<string, string>[]>(
      `SELECT ${TABLES.map((name) => `(SELECT count(*) FROM ${name}) AS ${name}`).join(', ')}`,
    );
    return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]));
  };

  /** No 5xx, coded refusals, and exactly the acknowledged deliveries stored. */
  const expectConsistent = async (
    endpoint: string,
    res: Reply,
    before: Record<string, number>,
  ): Promise<void> => {
    note(`${endpoint} ${res.status}${res.body.error ? ` ${String(res.body.error.code)}` : ''}`);
    expect(res.status).toBeLessThan(500);
    if (res.status >= 400) expect(res.body.error?.code).toEqual(expect.any(String));
    else expect([200, 202]).toContain(res.status);
    const results = [
      ...(res.body.result ? [res.body.result] : []),
      ...(res.body.results ?? res.body.error?.results ?? []).map((r) => r.result),
    ];
    const accepted = results.filter((r) => r === 'ACCEPTED').length;
    const after = await counts();
    expect(after.raw_events - before.raw_events).toBe(accepted);
    if (accepted === 0) expect(after).toEqual(before);
  };

  /**
   * A delivery without valid credentials is refused: 401 with the endpoint's code — or 400
   * BAD_REQUEST when the body cannot even be parsed as its Content-Type says (the body parser
   * answers before any route). Never a 2xx (and expectConsistent saw that nothing was stored).
   */
  const expectRefused = (res: Reply, code: string): void => {
    const refusal = { status: res.status, code: res.body.error?.code };
    expect([
      { status: 401, code },
      { status: 400, code: 'BAD_REQUEST' },
    ]).toContainEqual(refusal);
  };

  /** A mapper's answer: a delivery whose events validate without throwing, or a MappingError. */
  const expectMapped = (map: () => MappedDelivery): void => {
    let mapped: MappedDelivery | undefined;
    expect(
      outcomeOf(() => {
        mapped = map();
      }),
    ).toMatch(/^(returned|MappingError:)/);
    for (const event of mapped?.events ?? []) validateEvent(event, new Date());
  };

  it('maps any GitHub, GitLab, Flux or incident.io payload to events or a MappingError, never a crash (pure)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...GITHUB_BASES),
        fc.oneof(fc.constantFrom(...GITHUB_EVENTS), fc.string({ maxLength: 20 })),
        fc.boolean(),
        mutations,
        (base, otherEvent, sameEvent, m) => {
          cases++;
          const headers = {
            'x-github-event': sameEvent ? base.event : otherEvent,
            'x-github-delivery': 'd',
          };
          expectMapped(() =>
            mapGithubDelivery(headers, mutateJson(base.payload, m), {
              source: 'github',
              dedupeKey: 'd',
            }),
          );
        },
      ),
      { numRuns: numRuns(2_500) },
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...GITLAB_BASES),
        fc.oneof(fc.constantFrom(...GITLAB_EVENTS), fc.string({ maxLength: 20 })),
        fc.boolean(),
        mutations,
        fc.record({ service: fc.option(fc.string(), { nil: undefined }) }),
        (base, otherEvent, sameEvent, m, options) => {
          cases++;
          const headers = normaliseHeaders({
            ...base.headers,
            ...(sameEvent ? {} : { 'X-Gitlab-Event': otherEvent }),
          });
          const body = Buffer.from(JSON.stringify(mutateJson(base.payload, m)) ?? 'null');
          expectMapped(() =>
            mapGitlabDelivery(
              headers,
              JSON.parse(body.toString('utf8')),
              new Date(),
              { source: 'gitlab', dedupeKey: bodyDedupeKey(body) },
              options,
            ),
          );
        },
      ),
      { numRuns: numRuns(1_500) },
    );
    // mappers of one document with the URL's ?service= and ?environment=
    type UrlOptions = { service?: string; environment?: string };
    const withUrlOptions: [
      Record<string, unknown>[],
      (doc: unknown, o: UrlOptions) => MappedDelivery,
    ][] = [
      [FLUX_BASES, (doc, o) => mapFluxDelivery(doc, { source: 'flux', dedupeKey: 'd' }, o)],
      [INCIDENT_IO_BASES, (doc, o) => mapIncidentIoDelivery(doc, 'msg_fuzz', o)],
    ];
    for (const [bases, map] of withUrlOptions) {
      fc.assert(
        fc.property(
          fc.constantFrom(...bases),
          mutations,
          fc.record({
            service: fc.option(fc.string(), { nil: undefined }),
            environment: fc.option(fc.string(), { nil: undefined }),
          }),
          (base, m, options) => {
            cases++;
            expectMapped(() => map(mutateJson(base, m), options));
          },
        ),
        { numRuns: numRuns(1_500) },
      );
    }
    fc.assert(
      fc.property(
        fc.constantFrom(...CDEVENT_BASES),
        mutations,
        fc.constantFrom(
          'application/cloudevents+json',
          'application/cloudevents-batch+json',
          'application/json',
        ),
        (base, m, contentType) => {
          cases++;
          const doc = mutateJson(base, m);
          const body = Buffer.from(
            JSON.stringify(contentType.includes('batch') ? [doc, base] : doc) ?? 'null',
          );
          expect(
            outcomeOf(() =>
              parseCloudEvents({ 'content-type': contentType, 'ce-id': 'x' }, body, 64),
            ),
          ).toMatch(/^(returned|MappingError:)/);
        },
      ),
      { numRuns: numRuns(1_500) },
    );
  });

  it('POST /webhooks/github: fuzzed bodies and headers, signed or not', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...GITHUB_BASES),
        mutations,
        wire,
        fc.oneof(
          { weight: 4, arbitrary: fc.constant<string | undefined>(undefined) },
          { weight: 1, arbitrary: fc.constantFrom(...GITHUB_EVENTS, 'ping', 'member') },
          { weight: 1, arbitrary: fc.option(headerValue, { nil: undefined }) },
        ),
        deliveryId,
        fc.constantFrom('valid', 'valid', 'valid', 'valid', 'wrong', 'missing', 'malformed'),
        fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain'),
        async (base, m, w, eventOverride, delivery, signature, contentType) => {
          cases++;
          const json = render(mutateJson(base.payload, m), w);
          const body =
            contentType === 'application/x-www-form-urlencoded'
              ? new URLSearchParams({ payload: json }).toString()
              : json;
          const req = request(t.http)
            .post('/webhooks/github')
            .set('Content-Type', contentType)
            .set('X-GitHub-Delivery', delivery);
          const event = eventOverride ?? base.event;
          if (event) req.set('X-GitHub-Event', event);
          const hmac = (secret: string) =>
            `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
          if (signature === 'valid') req.set('X-Hub-Signature-256', hmac(GITHUB_SECRET));
          if (signature === 'wrong') req.set('X-Hub-Signature-256', hmac('not-the-secret'));
          if (signature === 'malformed') req.set('X-Hub-Signature-256', 'sha1=abc');
          const before = await counts();
          const res = (await req.send(body)) as unknown as Reply;
          await expectConsistent('github', res, before);
          if (signature !== 'valid') expectRefused(res, 'INVALID_SIGNATURE');
        },
      ),
      { numRuns: numRuns(700) },
    );
    expect(seen['github 200']).toBeGreaterThan(0);
    expect(seen['github 401 INVALID_SIGNATURE']).toBeGreaterThan(0);
  });

  it('POST /webhooks/gitlab: fuzzed bodies and headers, with the right token or not', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...GITLAB_BASES),
        mutations,
        wire,
        fc.oneof(
          { weight: 4, arbitrary: fc.constant<string | undefined>(undefined) },
          { weight: 1, arbitrary: fc.constantFrom(...GITLAB_EVENTS, 'Issue Hook') },
          { weight: 1, arbitrary: fc.option(headerValue, { nil: undefined }) },
        ),
        fc.option(deliveryId, { nil: undefined }),
        fc.constantFrom('right', 'right', 'right', 'right', 'wrong', 'missing'),
        fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
        async (base, m, w, eventOverride, idempotencyKey, token, service) => {
          cases++;
          const body = render(mutateJson(base.payload, m), w);
          const headers: Record<string, string> = {
            ...base.headers,
            ...(eventOverride !== undefined ? { 'X-Gitlab-Event': eventOverride } : {}),
          };
          delete headers['X-Gitlab-Token'];
          delete headers['Idempotency-Key'];
          if (idempotencyKey !== undefined) headers['Idempotency-Key'] = idempotencyKey;
          if (token === 'right') headers['X-Gitlab-Token'] = GITLAB_TOKEN;
          if (token === 'wrong') headers['X-Gitlab-Token'] = 'not-the-token';
          const before = await counts();
          const res = (await request(t.http)
            .post('/webhooks/gitlab')
            .query(service !== undefined ? { service } : {})
            .set(headers)
            .send(body)) as unknown as Reply;
          await expectConsistent('gitlab', res, before);
          if (token !== 'right') expectRefused(res, 'INVALID_SIGNATURE');
        },
      ),
      { numRuns: numRuns(500) },
    );
    expect((seen['gitlab 200'] ?? 0) + (seen['gitlab 202'] ?? 0)).toBeGreaterThan(0);
    expect(seen['gitlab 401 INVALID_SIGNATURE']).toBeGreaterThan(0);
  });

  it('stores a system hook whose event name holds NUL (found by the fuzzer): 202, U+FFFD in its kind', async () => {
    const fixture = gitlabFixture('system_push.json');
    const res = await request(t.http)
      .post('/webhooks/gitlab')
      .set({ ...fixture.headers, 'X-Gitlab-Token': GITLAB_TOKEN })
      .send(JSON.stringify({ ...fixture.payload, event_name: 'a\u0000b' }));
    expect({ status: res.status, result: res.body.result }).toEqual({
      status: 202,
      result: 'ACCEPTED',
    });
    const rows = await t.db.dataSource.query<{ kind: string }[]>(
      `SELECT kind FROM raw_events WHERE source = 'gitlab' AND kind LIKE 'System Hook: a_b'`,
    );
    expect(rows).toEqual([{ kind: 'System Hook: a\ufffdb' }]);
  });

  it('POST /cloudevents: fuzzed structured, batch and binary events, with a token or not', async () => {
    const binaryHeaders = (doc: unknown): Record<string, string> => {
      const out: Record<string, string> = {};
      if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return out;
      const context = (doc as { context?: Record<string, unknown> }).context ?? {};
      for (const [k, v] of Object.entries({
        id: context.id,
        source: context.source,
        type: context.type,
        time: context.timestamp,
        specversion: '1.0',
      })) {
        if (typeof v === 'string' && /^[\x20-\x7e]*$/.test(v)) out[`ce-${k}`] = v;
      }
      return out;
    };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...CDEVENT_BASES), mutations), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.constantFrom('structured', 'structured', 'batch', 'binary'),
        fc.constantFrom('bootstrap', 'shared', 'shared', 'wrong', 'missing'),
        async (items, mode, token) => {
          cases += items.length;
          const docs = items.map(([base, m]) => {
            const doc = mutateJson(base, m);
            // Structured mode wraps the CDEvent in a CloudEvent envelope.
            const context = (base as { context: Record<string, unknown> }).context;
            return mode === 'binary'
              ? doc
              : {
                  specversion: '1.0',
                  id: context.id,
                  source: context.source,
                  type: context.type,
                  time: context.timestamp,
                  datacontenttype: 'application/json',
                  data: doc,
                };
          });
          const req = request(t.http).post('/cloudevents');
          if (token === 'bootstrap') req.set('Authorization', `Bearer ${ADMIN_TOKEN}`);
          if (token === 'shared') req.set('Authorization', `Bearer ${CLOUDEVENTS_TOKEN}`);
          if (token === 'wrong') req.set('Authorization', 'Bearer not-a-token');
          let body: string;
          if (mode === 'batch') {
            req.set('Content-Type', 'application/cloudevents-batch+json');
            body = JSON.stringify(docs);
          } else if (mode === 'structured') {
            req.set('Content-Type', 'application/cloudevents+json');
            body = JSON.stringify(docs[0]) ?? 'null';
          } else {
            req.set('Content-Type', 'application/json').set(binaryHeaders(items[0][0]));
            body = JSON.stringify(docs[0]) ?? 'null';
          }
          const before = await counts();
          const res = (await req.send(body)) as unknown as Reply;
          await expectConsistent('cloudevents', res, before);
          if (token === 'wrong' || token === 'missing') expectRefused(res, 'UNAUTHENTICATED');
        },
      ),
      { numRuns: numRuns(500) },
    );
    expect((seen['cloudevents 200'] ?? 0) + (seen['cloudevents 202'] ?? 0)).toBeGreaterThan(0);
    expect(seen['cloudevents 401 UNAUTHENTICATED']).toBeGreaterThan(0);
  });

  it('refuses bodies over SHIPWATCH_BODY_LIMIT_BYTES on every webhook with 413 and a code', async () => {
    const before = await counts();
    const huge = JSON.stringify({ padding: 'x'.repeat(BODY_LIMIT + 1) });
    for (const [path, type] of [
      ['/webhooks/github', 'application/json'],
      ['/webhooks/gitlab', 'application/json'],
      ['/cloudevents', 'application/cloudevents+json'],
      ['/cloudevents', 'application/octet-stream'],
    ]) {
      const res = await request(t.http)
        .post(path)
        .set('Content-Type', type)
        .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
        .send(huge);
      expect({ path, type, status: res.status, code: res.body.error?.code }).toEqual({
        path,
        type,
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
      });
    }
    expect(await counts()).toEqual(before);
  });

  it('refuses a signed body nested 5,000 levels on every webhook: 400 PAYLOAD_TOO_DEEP, nothing stored', async () => {
    const deep = '['.repeat(5_000) + ']'.repeat(5_000);
    const github = (body: string, type: string) =>
      request(t.http)
        .post('/webhooks/github')
        .set({
          'Content-Type': type,
          'X-GitHub-Event': 'deployment',
          'X-GitHub-Delivery': 'deep',
          'X-Hub-Signature-256': `sha256=${createHmac('sha256', GITHUB_SECRET).update(body).digest('hex')}`,
        })
        .send(body);
    const gitlab = (body: string) =>
      request(t.http)
        .post('/webhooks/gitlab')
        .set({
          'Content-Type': 'application/json',
          'X-Gitlab-Event': 'Deployment Hook',
          'X-Gitlab-Token': GITLAB_TOKEN,
        })
        .send(body);
    const ce = (body: string, headers: Record<string, string>) =>
      request(t.http)
        .post('/cloudevents')
        .set({ Authorization: `Bearer ${CLOUDEVENTS_TOKEN}`, ...headers })
        .send(body);
    const binary = { 'ce-specversion': '1.0', 'ce-id': 'deep', 'ce-source': '/s', 'ce-type': 't' };
    const envelope = { specversion: '1.0', id: 'deep', source: '/s', type: 't' };
    const attempts: [string, () => Promise<{ status: number; body: Reply['body'] }>][] = [
      [
        'alertmanager',
        () =>
          request(t.http)
            .post('/webhooks/alertmanager')
            .set({ Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' })
            .send(`{"version":"4","alerts":${deep}}`),
      ],
      ['github json', () => github(`{"deployment":${deep}}`, 'application/json')],
      [
        'github form',
        () =>
          github(
            new URLSearchParams({ payload: deep }).toString(),
            'application/x-www-form-urlencoded',
          ),
      ],
      ['gitlab', () => gitlab(`{"object_kind":"deployment","project":${deep}}`)],
      ['cloudevents binary', () => ce(deep, { ...binary, 'Content-Type': 'application/json' })],
      ['cloudevents binary, text/json', () => ce(deep, { ...binary, 'Content-Type': 'text/json' })],
      [
        'cloudevents structured',
        () =>
          ce(`${JSON.stringify(envelope).slice(0, -1)},"data":${deep}}`, {
            'Content-Type': 'application/cloudevents+json',
          }),
      ],
      [
        'cloudevents batch',
        () =>
          ce(`[${JSON.stringify(envelope)},${deep}]`, {
            'Content-Type': 'application/cloudevents-batch+json',
          }),
      ],
      [
        'cloudevents data_base64',
        () =>
          ce(
            JSON.stringify({
              ...envelope,
              datacontenttype: 'application/json',
              data_base64: Buffer.from(deep).toString('base64'),
            }),
            { 'Content-Type': 'application/cloudevents+json' },
          ),
      ],
    ];
    const before = await counts();
    for (const [what, send] of attempts) {
      const res = await send();
      expect({ what, status: res.status, code: res.body.error?.code }).toEqual({
        what,
        status: 400,
        code: 'PAYLOAD_TOO_DEEP',
      });
    }
    expect(await counts()).toEqual(before);
    // the service is still up and serving
    await request(t.http).get('/healthz').expect(200);
  });

  it('answers replays with altered unsigned headers DUPLICATE: one raw event per signed body', async () => {
    const github = GITHUB_BASES.filter((b) => b.event === 'deployment_status');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...github),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.array(fc.record({ delivery: fc.uuid(), host: headerValue }), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.array(fc.record({ key: headerValue, uuid: fc.uuid(), instance: fc.webUrl() }), {
          minLength: 1,
          maxLength: 4,
        }),
        async (base, id, githubReplays, gitlabReplays) => {
          cases++;
          const payload = structuredClone(base.payload);
          (payload.deployment as Record<string, unknown>).id = id;
          const body = JSON.stringify(payload);
          const signature = `sha256=${createHmac('sha256', GITHUB_SECRET).update(body).digest('hex')}`;
          const before = await counts();
          const results: string[] = [];
          for (const replay of [{ delivery: 'first', host: '' }, ...githubReplays]) {
            const req = request(t.http).post('/webhooks/github').set({
              'Content-Type': 'application/json',
              'X-GitHub-Event': 'deployment_status',
              'X-GitHub-Delivery': replay.delivery,
              'X-Hub-Signature-256': signature,
            });
            if (replay.host) req.set('X-GitHub-Enterprise-Host', replay.host);
            const res = await req.send(body);
            expect(res.status).toBe(200);
            results.push(res.body.result as string);
          }
          expect(results.slice(1).every((r) => r === 'DUPLICATE')).toBe(true);
          const after = await counts();
          expect(after.raw_events - before.raw_events).toBe(results[0] === 'ACCEPTED' ? 1 : 0);

          const fixture = gitlabFixture('deployment.json');
          const gitlabBody = JSON.stringify({ ...fixture.payload, deployment_id: id });
          const gitlabResults: string[] = [];
          for (const replay of [undefined, ...gitlabReplays]) {
            const res = await request(t.http)
              .post('/webhooks/gitlab')
              .set({
                ...fixture.headers,
                'X-Gitlab-Token': GITLAB_TOKEN,
                ...(replay
                  ? {
                      'Idempotency-Key': replay.key,
                      'X-Gitlab-Event-UUID': replay.uuid,
                      'X-Gitlab-Instance': replay.instance,
                    }
                  : {}),
              })
              .send(gitlabBody);
            expect(res.status).toBe(200);
            gitlabResults.push(res.body.result as string);
          }
          expect(gitlabResults.slice(1).every((r) => r === 'DUPLICATE')).toBe(true);
          const last = await counts();
          expect(last.raw_events - after.raw_events).toBe(gitlabResults[0] === 'ACCEPTED' ? 1 : 0);
        },
      ),
      { numRuns: numRuns(25) },
    );
  });
});
