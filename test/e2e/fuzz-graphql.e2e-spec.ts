import { GraphQLSchemaHost } from '@nestjs/graphql';
import fc from 'fast-check';
import { coerceInputValue, type GraphQLInputType } from 'graphql';
import request from 'supertest';
import type { EventInput } from '../../src/ingestion/dto/event.input.js';
import { normalizeEvent, validateEvent } from '../../src/ingestion/event.validator.js';
import { toBatchItem } from '../../src/ingestion/input.mapper.js';
import {
  EVENT_KINDS,
  eventInput,
  inputOf,
  jsonMutation,
  mutateJson,
  nested,
  numRuns,
  wrongValue,
} from '../support/fuzz.js';
import { fragmentBomb } from '../support/attacks.js';
import { stringArgumentCases } from '../support/schema-walk.js';
import { ADMIN_TOKEN, startTestApp, type GqlResponse, type TestApp } from '../support/test-app.js';

/**
 * Property-based fuzzing of the GraphQL ingestion API (fast-check). Whatever a client sends:
 * never a 5xx or an INTERNAL_SERVER_ERROR, every error carries a code, and the database holds
 * exactly what the answer acknowledged (no partial writes). Most cases run the pure mapping and
 * validation directly; thousands more go over HTTP, batched through ingestEvents.
 */

const BODY_LIMIT = 1024 * 1024;
const INGEST =
  'mutation($events: [EventInput!]!) { ingestEvents(events: $events) { index result rawEventId errors { field message } } }';
const RECORD: Record<string, string> = {
  deployment:
    'mutation($input: DeploymentInput!) { recordDeployment(input: $input) { result rawEventId } }',
  pipelineRun:
    'mutation($input: PipelineRunInput!) { recordPipelineRun(input: $input) { result rawEventId } }',
  change: 'mutation($input: ChangeInput!) { recordChange(input: $input) { result rawEventId } }',
  incident:
    'mutation($input: IncidentInput!) { recordIncident(input: $input) { result rawEventId } }',
};
const INGESTION_FIELDS = new Set([
  'ingestEvents',
  'recordDeployment',
  'recordPipelineRun',
  'recordChange',
  'recordIncident',
]);
const TABLES = [
  'raw_events',
  'deployments',
  'pipeline_runs',
  'changes',
  'incidents',
  'services',
  'environments',
];

interface Outcome {
  result: string;
  rawEventId?: string | null;
  errors?: { field: string; message: string }[];
}

describe('GraphQL ingestion under fuzzed input', () => {
  let t: TestApp;
  let cases = 0;
  /** What the HTTP cases came to: outcomes by result, and requests refused as a whole by code. */
  const seen: Record<string, number> = {};
  const note = (what: string) => (seen[what] = (seen[what] ?? 0) + 1);

  beforeAll(async () => {
    t = await startTestApp({
      SHIPWATCH_BODY_LIMIT_BYTES: String(BODY_LIMIT),
      SHIPWATCH_RATE_LIMIT_RPS: '100000',
      SHIPWATCH_RATE_LIMIT_BURST: '100000',
    });
  });
  afterAll(async () => {
    await t?.close();
    process.stdout.write(`fuzz-graphql: ${cases} cases ${JSON.stringify(seen)}\n`);
  });

  const counts = async (): Promise<Record<string, number>> => {
    const [row] = await t.db.dataSource.query<Record<string, string>[]>(
      `SELECT ${TABLES.map((name) => `(SELECT count(*) FROM ${name}) AS ${name}`).join(', ')}`,
    );
    return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]));
  };

  /** Outcomes a response acknowledges, wherever they sit in `data`. */
  const outcomesOf = (res: GqlResponse): Outcome[] =>
    Object.entries(res.data ?? {})
      .filter(([field]) => INGESTION_FIELDS.has(field))
      .flatMap(([, v]) => (v === null ? [] : Array.isArray(v) ? (v as Outcome[]) : [v as Outcome]));

  /**
   * The invariants every response must keep: no 5xx, coded errors (never an internal one), and
   * the database grew by exactly the events answered ACCEPTED (each one's raw event exists).
   */
  const expectConsistent = async (
    res: { status: number; body: unknown },
    before: Record<string, number>,
  ): Promise<void> => {
    expect(res.status).toBeLessThan(500);
    const body = res.body as GqlResponse & { error?: { code?: unknown } };
    const errors = body.errors ?? [];
    if (res.status >= 400 && !body.errors) note(`HTTP ${res.status} ${String(body.error?.code)}`);
    for (const e of errors) {
      note(String(e.extensions?.code));
      expect(typeof e.extensions?.code).toBe('string');
      expect(e.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
    }
    // A refusal outside GraphQL (body parser, limits) is a JSON body with error.code.
    expect(
      res.status < 400 || body.errors !== undefined || typeof body.error?.code === 'string',
    ).toBe(true);
    const outcomes = outcomesOf(body);
    for (const o of outcomes) {
      note(o.result);
      expect(['ACCEPTED', 'DUPLICATE', 'REJECTED']).toContain(o.result);
      if (o.result === 'REJECTED') expect(o.errors?.length).toBeGreaterThan(0);
    }
    const accepted = outcomes.filter((o) => o.result === 'ACCEPTED');
    const after = await counts();
    expect(after.raw_events - before.raw_events).toBe(accepted.length);
    if (accepted.length === 0) expect(after).toEqual(before);
    else {
      const ids = accepted.map((o) => o.rawEventId);
      const [{ n }] = await t.db.dataSource.query<{ n: string }[]>(
        'SELECT count(*) AS n FROM raw_events WHERE id = ANY($1::bigint[])',
        [ids],
      );
      expect(Number(n)).toBe(accepted.length);
    }
  };

  const post = (body: unknown, contentType = 'application/json') =>
    request(t.http)
      .post('/graphql')
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .set('Content-Type', contentType)
      .send(typeof body === 'string' ? body : JSON.stringify(body));

  it('maps and validates any input GraphQL lets through, without throwing (pure)', () => {
    const { schema } = t.app.get(GraphQLSchemaHost);
    const type = schema.getType('EventInput') as GraphQLInputType;
    const now = new Date();
    fc.assert(
      fc.property(eventInput, (raw) => {
        cases++;
        // Exactly what the resolver receives: the input coerced by graphql-js (DateTime -> Date).
        let coerced: EventInput | undefined;
        try {
          coerced = coerceInputValue(raw, type) as EventInput;
        } catch {
          return; // refused by GraphQL before any resolver runs (e.g. an out-of-range date)
        }
        const item = toBatchItem(coerced);
        // An item with no kind or several is refused with its reasons; any other is validated.
        const errors = 'errors' in item ? item.errors : validateEvent(item.event, now);
        expect('event' in item || errors.length > 0).toBe(true);
        for (const e of errors) {
          expect(typeof e.field).toBe('string');
          expect(e.message).toEqual(expect.any(String));
        }
        if ('event' in item && errors.length === 0) normalizeEvent(item.event);
      }),
      { numRuns: numRuns(5_000) },
    );
  });

  it('answers every ingestEvents batch without a 5xx and stores exactly what it acknowledges', async () => {
    let previous: { events: unknown[]; results: string[] } | undefined;
    await fc.assert(
      fc.asyncProperty(
        fc.array(eventInput, { minLength: 1, maxLength: 40, size: 'max' }),
        fc.nat({ max: 9 }),
        async (fresh, dice) => {
          // One request in ten replays the previous batch: what was stored is now a DUPLICATE.
          const replay = dice === 0 && previous !== undefined;
          const events = replay ? previous!.events : fresh;
          cases += events.length;
          const before = await counts();
          const res = await post({ query: INGEST, variables: { events } });
          await expectConsistent(res, before);
          // Well-typed variables always reach the resolver: one outcome per item, in order.
          const body = res.body as GqlResponse;
          if (body.errors) return;
          const outcomes = body.data!.ingestEvents as { index: number; result: string }[];
          expect(outcomes.map((o) => o.index)).toEqual(events.map((_, i) => i));
          const results = outcomes.map((o) => o.result);
          // Replayed: what was ACCEPTED is now DUPLICATE, the rest answers as before.
          const expected = replay
            ? previous!.results.map((r) => (r === 'ACCEPTED' ? 'DUPLICATE' : r))
            : results;
          expect(results).toEqual(expected);
          previous = { events, results };
        },
      ),
      { numRuns: numRuns(150) },
    );
    expect(seen.ACCEPTED).toBeGreaterThan(0);
    expect(seen.REJECTED).toBeGreaterThan(0);
  });

  it('refuses ill-typed, incomplete and oversized variables with a code, writing nothing of them', async () => {
    const input = fc.oneof(
      ...EVENT_KINDS.map((kind) => fc.tuple(fc.constant(kind), inputOf(kind))),
    );
    await fc.assert(
      fc.asyncProperty(
        input,
        fc.array(jsonMutation, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        async ([kind, value], mutations, batched) => {
          cases++;
          const mutated = mutateJson(value, mutations);
          const before = await counts();
          const res = batched
            ? await post({ query: INGEST, variables: { events: [{ [kind]: mutated }] } })
            : await post({ query: RECORD[kind], variables: { input: mutated } });
          await expectConsistent(res, before);
        },
      ),
      { numRuns: numRuns(600) },
    );
    expect(seen.BAD_USER_INPUT).toBeGreaterThan(0);
  });

  it('answers arbitrary documents, variables and bodies with coded errors', async () => {
    const valid = Object.values(RECORD).concat(INGEST, '{ serverInfo { version } }');
    const document = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc
        .tuple(fc.constantFrom(...valid), fc.nat(), fc.string({ maxLength: 5 }))
        .map(([q, at, junk]) => q.slice(0, at % q.length) + junk + q.slice(at % q.length)),
      fc.constantFrom(...valid),
    );
    const body = fc.oneof(
      fc.record(
        {
          query: fc.oneof({ weight: 5, arbitrary: document }, { weight: 1, arbitrary: wrongValue }),
          variables: fc.oneof(fc.constant(undefined), fc.dictionary(fc.string(), wrongValue)),
          operationName: fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
        },
        { requiredKeys: [] },
      ),
      wrongValue,
    );
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        cases++;
        const before = await counts();
        await expectConsistent(await post(b), before);
      }),
      { numRuns: numRuns(300) },
    );
    expect(seen.GRAPHQL_PARSE_FAILED).toBeGreaterThan(0);
  });

  describe('regressions found by fuzzing', () => {
    it('applies a later event that names another service and environment for a known deployment', async () => {
      const event = (eventId: string, service: string, environment: string) => ({
        deployment: {
          source: 'regression',
          eventId,
          deploymentId: 'same-deployment',
          service,
          environment,
          status: eventId === 'first' ? 'IN_PROGRESS' : 'SUCCEEDED',
        },
      });
      // Two calls: the second batch resolves only the new service and environment.
      for (const events of [
        [event('first', 'checkout', 'staging')],
        [event('second', 'renamed', 'prod-eu')],
      ]) {
        const res = await post({ query: INGEST, variables: { events } });
        expect(res.body.data?.ingestEvents).toEqual([
          expect.objectContaining({ result: 'ACCEPTED' }),
        ]);
      }
      // The deployment keeps the service and environment it was first seen with.
      const [row] = await t.db.dataSource.query<{ service: string; environment: string }[]>(
        `SELECT s.name AS service, e.name AS environment FROM deployments d
           JOIN services s ON s.id = d.service_id JOIN environments e ON e.id = d.environment_id
          WHERE d.source = 'regression' AND d.external_id = 'same-deployment'`,
      );
      expect(row).toEqual({ service: 'checkout', environment: 'staging' });
    });

    it('refuses NUL characters and lone surrogates in text fields instead of failing to store them', async () => {
      const res = await post({
        query: RECORD.incident,
        variables: {
          input: {
            source: 'regression',
            eventId: 'nul',
            incidentId: 'nul',
            title: 'a\u0000b',
            severity: '\ud800',
          },
        },
      });
      expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });
  });

  describe('limits', () => {
    it('refuses a body over SHIPWATCH_BODY_LIMIT_BYTES with 413 and a coded JSON body', async () => {
      const before = await counts();
      const huge = 'x'.repeat(BODY_LIMIT + 1);
      const res = await post({ query: RECORD.deployment, variables: { input: { source: huge } } });
      expect(res.status).toBe(413);
      expect(res.body).toEqual({
        error: { code: 'PAYLOAD_TOO_LARGE', message: expect.any(String) },
      });
      expect(await counts()).toEqual(before);
    });

    it('refuses deep queries, alias floods of mutations and fragment cycles before running them', async () => {
      const before = await counts();
      let deep = 'name';
      for (let i = 0; i < 12; i++) deep = `ofType { ${deep} }`;
      const depth = await post({ query: `{ __schema { types { fields { type { ${deep} } } } } }` });
      expect(depth.body.errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');

      const event = (i: number) =>
        `a${i}: recordPipelineRun(input: { source: "alias", eventId: "${i}", runId: "${i}", pipelineName: "p", status: QUEUED }) { result }`;
      const flood = await post({
        query: `mutation { ${Array.from({ length: 200 }, (_, i) => event(i)).join(' ')} }`,
      });
      expect(flood.body.errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
      expect(flood.body.data).toBeUndefined();

      const cycle = await post({
        query: 'query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }',
      });
      expect(cycle.status).toBeLessThan(500);
      expect(cycle.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(await counts()).toEqual(before);
    });

    it('refuses batched operations (one request multiplying work) with a code', async () => {
      const res = await post(Array.from({ length: 50 }, () => ({ query: INGEST })));
      expect(res.status).toBe(400);
      expect(
        res.body.errors?.[0]?.extensions?.code ??
          (res.body as { error?: { code?: string } }).error?.code,
      ).toEqual(expect.any(String));
    });

    it('refuses more than the batch maximum in one ingestEvents call, storing none of it', async () => {
      const before = await counts();
      const events = Array.from({ length: 1_001 }, (_, i) => ({
        pipelineRun: {
          source: 'too-many',
          eventId: String(i),
          runId: String(i),
          pipelineName: 'p',
          status: 'QUEUED',
        },
      }));
      const res = await post({ query: INGEST, variables: { events } });
      expect(res.status).toBeLessThan(500);
      expect(res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(await counts()).toEqual(before);
    });

    it('survives JSON nested far deeper than any input type', async () => {
      const before = await counts();
      const depth = 20_000;
      const body = `{"query":${JSON.stringify(RECORD.change)},"variables":{"input":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
      const res = await post(body);
      expect(res.status).toBeLessThan(500);
      expect(res.body.errors?.[0]?.extensions?.code ?? res.body.error?.code).toEqual(
        expect.any(String),
      );
      const deepObject = await post({ query: RECORD.change, variables: { input: nested(2_000) } });
      expect(deepObject.status).toBeLessThan(500);
      expect(await counts()).toEqual(before);
    });
  });
  describe('attack shapes', () => {
    const anonymous = (body: string) =>
      request(t.http).post('/graphql').set('Content-Type', 'application/json').send(body);
    const codeOf = (res: { body: unknown }): unknown => {
      const body = res.body as GqlResponse & { error?: { code?: string } };
      return body.errors?.[0]?.extensions?.code ?? body.error?.code;
    };

    it('answers fragment bombs of any depth, fan-out and leaf with a 4xx and a code, with a token or without', async () => {
      const leaves = ['serverInfo { version }', 'deployments { edges { cursor } }', '__typename'];
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 30 }),
          fc.integer({ min: 2, max: 4 }),
          fc.constantFrom(...leaves),
          async (levels, fanout, leaf) => {
            cases++;
            const query = fragmentBomb(levels, leaf, fanout);
            const before = await counts();
            const res = await post({ query });
            await expectConsistent(res, before);
            // Past the cost limit (every path counted), always refused as too complex.
            const answer = `${res.status} ${String(codeOf(res))}`;
            expect(fanout ** levels > 5_000 ? ['400 QUERY_TOO_COMPLEX'] : [answer]).toContain(
              answer,
            );
            // Without a token: refused at the edge, except serverInfo-only documents small enough
            // for it, which Apollo then limits like any other.
            const anon = await anonymous(JSON.stringify({ query }));
            const expected = leaf.startsWith('deployments')
              ? ['401 UNAUTHENTICATED']
              : ['200 undefined', '400 QUERY_TOO_COMPLEX', '401 UNAUTHENTICATED'];
            expect(expected).toContain(`${anon.status} ${String(codeOf(anon))}`);
          },
        ),
        { numRuns: numRuns(40) },
      );
    });

    it('answers documents of a huge number of tokens with a 4xx and a code, parsing no further than the limit', async () => {
      // Pieces of a selection set, so that the parser goes on until the limit stops it.
      const tokens = [
        'a ',
        'b: c ',
        '__typename ',
        'x { y } ',
        '...F ',
        '... on Query { a } ',
        'd(e: "s", f: [1, $v]) @g ',
      ];
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.constantFrom(...tokens), { minLength: 1, maxLength: 5 }),
          fc.integer({ min: 5_001, max: 80_000 }),
          async (unit, repeats) => {
            cases++;
            const text = unit.join('').repeat(Math.ceil(repeats / unit.length));
            // Half the limit: JSON escaping may double the text.
            const body = JSON.stringify({ query: `{ ${text.slice(0, BODY_LIMIT / 2 - 100)}` });
            const before = await counts();
            const res = await post(body);
            await expectConsistent(res, before);
            expect([res.status, codeOf(res)]).toEqual([400, 'QUERY_TOO_COMPLEX']);
            const anon = await anonymous(body);
            expect([401, 413]).toContain(anon.status);
            expect(codeOf(anon)).toBe(
              anon.status === 401 ? 'UNAUTHENTICATED' : 'PAYLOAD_TOO_LARGE',
            );
          },
        ),
        { numRuns: numRuns(25) },
      );
    });

    it('refuses NUL and lone surrogates in every string argument of every operation (400 BAD_USER_INPUT)', async () => {
      const { schema } = t.app.get(GraphQLSchemaHost);
      const before = await counts();
      const answers: Record<string, string> = {};
      for (const bad of ['a\u0000b', '\ud800', 'x\udc00y']) {
        for (const c of stringArgumentCases(schema, bad)) {
          cases++;
          const res = await post({ query: c.document, variables: c.variables });
          answers[`${c.at} ${JSON.stringify(bad)}`] = `${res.status} ${String(codeOf(res))}`;
        }
      }
      expect(Object.keys(answers).length).toBeGreaterThan(60);
      expect(answers).toEqual(
        Object.fromEntries(Object.keys(answers).map((k) => [k, '400 BAD_USER_INPUT'])),
      );
      expect(await counts()).toEqual(before);
    });
  });
});
