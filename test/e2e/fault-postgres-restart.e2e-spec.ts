import type { INestApplication } from '@nestjs/common';
import pg from 'pg';
import { createApp } from '../../src/app.factory.js';
import { PrivatePostgres } from '../support/private-postgres.js';
import { ADMIN_TOKEN, testConfig } from '../support/test-app.js';

/**
 * PostgreSQL goes away under sustained ingestion: Shipwatch runs on a PostgreSQL server of this
 * test's own (never the machine's shared one), which is stopped twice while clients keep sending
 * events — once cleanly (`pg_ctl -m fast`), once like a crash (`-m immediate`, WAL recovery on
 * start). Clients retry what was not acknowledged, as the contract tells them to. Afterwards every
 * acknowledged event must be in the database, the failures clients saw must have been retryable
 * codes (never INTERNAL_SERVER_ERROR), and the same Shipwatch instance must accept new events.
 */

const WORKERS = 4;
const BATCH = 5;
/** Events each phase waits for before the next outage. */
const ACKS_BEFORE_OUTAGE = 150;
const MAX_EVENTS = 2_000;
const DEADLINE_MS = 90_000;
const RETRYABLE_CODES = new Set(['UNAVAILABLE', 'RATE_LIMITED']);

interface EventKey {
  readonly kind: 'deployment' | 'pipelineRun';
  readonly eventId: string;
}

interface Tally {
  acknowledged: Map<string, EventKey>;
  retryableFailures: Map<string, number>;
  /** Anything else: a 5xx other than 503, an INTERNAL_SERVER_ERROR, a REJECTED valid event. */
  unexpected: string[];
}

const SOURCE = 'fault-test';

function deploymentInput(eventId: string): Record<string, unknown> {
  return {
    source: SOURCE,
    eventId,
    deploymentId: eventId,
    service: `svc-${eventId.length % 3}`,
    environment: 'staging',
    version: `1.0.${eventId.length}`,
    status: 'SUCCEEDED',
    startedAt: '2026-01-05T10:00:00Z',
    finishedAt: '2026-01-05T10:05:00Z',
  };
}

function pipelineRunInput(eventId: string): Record<string, unknown> {
  return {
    source: SOURCE,
    eventId,
    runId: eventId,
    pipelineName: 'build',
    status: 'FINISHED',
    outcome: 'SUCCESS',
    startedAt: '2026-01-05T09:00:00Z',
    finishedAt: '2026-01-05T09:04:00Z',
  };
}

const INGEST = `mutation($events: [EventInput!]!) { ingestEvents(events: $events) { index result errors { field message } } }`;
const RECORD_DEPLOYMENT = `mutation($input: DeploymentInput!) { recordDeployment(input: $input) { result } }`;

interface GraphqlBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** Posts one GraphQL request; a network failure or a refused answer comes back as a code. */
async function post(
  url: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<{ status: number; body?: GraphqlBody; failure?: string }> {
  try {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let body: GraphqlBody | undefined;
    try {
      body = JSON.parse(text) as GraphqlBody;
    } catch {
      return {
        status: res.status,
        failure: `HTTP ${res.status} non-JSON body ${text.slice(0, 200)}`,
      };
    }
    if (res.status === 429) return { status: 429, failure: 'RATE_LIMITED' };
    if (res.status === 503) return { status: 503, failure: 'UNAVAILABLE' };
    return { status: res.status, body };
  } catch (error) {
    return { status: 0, failure: `network: ${(error as Error).message}` };
  }
}

/**
 * One client: sends its own events (alternating an ingestEvents batch and a single
 * recordDeployment) and re-sends whatever was not acknowledged, until it has sent its share.
 */
async function client(
  url: string,
  worker: number,
  tally: Tally,
  shouldStop: () => boolean,
  giveUpAt: number,
): Promise<void> {
  let seq = 0;
  const nextId = () => `w${worker}-e${++seq}`;
  const note = (code: string) =>
    tally.retryableFailures.set(code, (tally.retryableFailures.get(code) ?? 0) + 1);
  let pending: EventKey[] = [];
  // Once told to stop, a client still re-sends what was not acknowledged (until giveUpAt).
  while (!shouldStop() || (pending.length > 0 && Date.now() < giveUpAt)) {
    if (pending.length === 0) {
      pending =
        seq % 2 === 0
          ? Array.from({ length: BATCH }, (_, i) => ({
              kind: i % 2 === 0 ? ('deployment' as const) : ('pipelineRun' as const),
              eventId: nextId(),
            }))
          : [{ kind: 'deployment', eventId: nextId() }];
    }
    const single = pending.length === 1 && pending[0].kind === 'deployment';
    const res = single
      ? await post(url, RECORD_DEPLOYMENT, { input: deploymentInput(pending[0].eventId) })
      : await post(url, INGEST, {
          events: pending.map((e) =>
            e.kind === 'deployment'
              ? { deployment: deploymentInput(e.eventId) }
              : { pipelineRun: pipelineRunInput(e.eventId) },
          ),
        });
    if (res.failure) {
      if (res.failure.startsWith('network') || RETRYABLE_CODES.has(res.failure)) {
        note(res.failure.startsWith('network') ? 'network' : res.failure);
      } else {
        tally.unexpected.push(res.failure);
      }
      await sleep(100);
      continue;
    }
    const { body } = res;
    if (body?.errors?.length) {
      const code = body.errors[0].extensions?.code ?? 'NO_CODE';
      if (RETRYABLE_CODES.has(code)) note(code);
      else tally.unexpected.push(`${code}: ${body.errors[0].message}`);
      await sleep(100);
      continue;
    }
    const outcomes = single
      ? [body?.data?.recordDeployment as { result: string }]
      : (body?.data?.ingestEvents as { result: string; errors: { message: string }[] }[]);
    const retry: EventKey[] = [];
    outcomes.forEach((outcome, i) => {
      if (outcome.result === 'ACCEPTED' || outcome.result === 'DUPLICATE') {
        tally.acknowledged.set(pending[i].eventId, pending[i]);
      } else {
        // A valid event must never be REJECTED, outage or not: that would drop it silently.
        tally.unexpected.push(`${pending[i].eventId} ${outcome.result} ${JSON.stringify(outcome)}`);
        retry.push(pending[i]);
      }
    });
    pending = retry;
    if (tally.unexpected.length > 50) return;
  }
}

const summary = (t: Tally) =>
  JSON.stringify({
    acknowledged: t.acknowledged.size,
    retryable: Object.fromEntries(t.retryableFailures),
    unexpected: t.unexpected.slice(0, 5),
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(
  condition: () => boolean,
  timeoutMs: number,
  what: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await sleep(20);
  }
}

describe('PostgreSQL restarted during sustained ingestion', () => {
  let server: PrivatePostgres;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    server = await PrivatePostgres.create();
    ({ app } = await createApp(
      testConfig({
        DATABASE_URL: server.url,
        DATABASE_POOL_SIZE: '4',
        LOG_LEVEL: process.env.FAULT_LOG_LEVEL ?? 'error',
      }),
    ));
    await app.listen(0, '127.0.0.1');
    const { port } = (app.getHttpServer() as import('node:http').Server).address() as {
      port: number;
    };
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await app?.close().catch(() => undefined);
    await server?.destroy();
  });

  it('stores every acknowledged event, answers retryable errors meanwhile, and recovers without a restart', async () => {
    const tally: Tally = { acknowledged: new Map(), retryableFailures: new Map(), unexpected: [] };
    const started = Date.now();
    let stop = false;
    const shouldStop = () =>
      stop || tally.acknowledged.size >= MAX_EVENTS || Date.now() - started > DEADLINE_MS;
    const giveUpAt = started + DEADLINE_MS + 30_000;
    const clients = Array.from({ length: WORKERS }, (_, w) =>
      client(url, w, tally, shouldStop, giveUpAt),
    );

    const outages: { mode: 'fast' | 'immediate'; readyz: number; webhookStatus: number }[] = [];
    try {
      for (const mode of ['fast', 'immediate'] as const) {
        const before = tally.acknowledged.size;
        await waitFor(
          () => tally.acknowledged.size >= before + ACKS_BEFORE_OUTAGE,
          60_000,
          () =>
            `${ACKS_BEFORE_OUTAGE} acknowledged events before the ${mode} stop: ${summary(tally)}`,
        );
        await server.stop(mode);
        // Down for a while: clients keep sending and must see retryable errors.
        await sleep(1_500);
        const readyz = (await fetch(`${url}/readyz`)).status;
        const webhook = await fetch(`${url}/cloudevents`, {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${ADMIN_TOKEN}`,
            'Content-Type': 'application/cloudevents+json',
          },
          body: JSON.stringify({ specversion: '1.0', id: 'x', source: 'y', type: 'z' }),
        });
        outages.push({ mode, readyz, webhookStatus: webhook.status });
        await server.start();
      }
      // After the last restart, the same instance takes new events.
      const before = tally.acknowledged.size;
      await waitFor(
        () => tally.acknowledged.size >= before + ACKS_BEFORE_OUTAGE,
        60_000,
        () => `acknowledged events after the restart: ${summary(tally)}`,
      );
    } finally {
      stop = true;
      await Promise.all(clients);
    }

    process.stdout.write(`fault-postgres-restart: ${summary(tally)}\n`);
    expect(tally.unexpected).toEqual([]);
    expect(outages).toEqual([
      { mode: 'fast', readyz: 503, webhookStatus: 503 },
      { mode: 'immediate', readyz: 503, webhookStatus: 503 },
    ]);
    // The outages were seen by clients as retryable failures.
    expect(tally.retryableFailures.get('UNAVAILABLE') ?? 0).toBeGreaterThan(0);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    // Every acknowledged event is stored: its raw event and the entity it created.
    const check = new pg.Client({ connectionString: server.url });
    await check.connect();
    try {
      const raw = await check.query<{ dedupe_key: string }>(
        'SELECT dedupe_key FROM raw_events WHERE source = $1',
        [SOURCE],
      );
      const stored = new Set(raw.rows.map((r) => r.dedupe_key));
      const missing = [...tally.acknowledged.keys()].filter((id) => !stored.has(id));
      expect(missing).toEqual([]);
      const deployments = await check.query<{ external_id: string }>(
        'SELECT external_id FROM deployments WHERE source = $1',
        [SOURCE],
      );
      const runs = await check.query<{ run_id: string }>(
        'SELECT run_id FROM pipeline_runs WHERE source = $1',
        [SOURCE],
      );
      const entities = new Set([
        ...deployments.rows.map((r) => r.external_id),
        ...runs.rows.map((r) => r.run_id),
      ]);
      expect([...tally.acknowledged.keys()].filter((id) => !entities.has(id))).toEqual([]);
      // Nothing beyond what was sent; an event whose answer was lost may be stored unacknowledged.
      expect(stored.size).toBeGreaterThanOrEqual(tally.acknowledged.size);
    } finally {
      await check.end();
    }
  });
});
