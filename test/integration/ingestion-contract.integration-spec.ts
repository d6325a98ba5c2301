import type { DeploymentTransition } from '../../src/ingestion/deployment-hooks.js';
import { DeploymentHooks } from '../../src/ingestion/deployment-hooks.js';
import type { DeploymentEvent, RawDelivery } from '../../src/ingestion/domain-events.js';
import { IngestionService } from '../../src/ingestion/ingestion.service.js';
import { RefCache } from '../../src/ingestion/ref-cache.js';
import { resetData, startTestApp, type TestApp } from '../support/test-app.js';

const at = (iso: string) => new Date(iso);

function deployment(overrides: Partial<DeploymentEvent> = {}): DeploymentEvent {
  return {
    type: 'deployment',
    envelope: { source: 'ci', eventId: 'e1', occurredAt: at('2025-06-01T10:00:00Z') },
    deploymentId: 'd1',
    service: { name: 'shop', team: 'payments' },
    environment: { name: 'production' },
    version: '1.0.0',
    commitSha: 'a'.repeat(40),
    status: 'IN_PROGRESS',
    startedAt: at('2025-06-01T09:59:00Z'),
    ...overrides,
  };
}

function delivery(overrides: Partial<RawDelivery> = {}): RawDelivery {
  return {
    transport: 'github',
    source: 'github',
    dedupeKey: 'delivery-1',
    kind: 'deployment_status',
    headers: { 'x-github-event': 'deployment_status' },
    payload: { hello: 'world' },
    ...overrides,
  };
}

describe('IngestionService contract', () => {
  let t: TestApp;
  let ingestion: IngestionService;
  let hooks: DeploymentHooks;
  const inTx: { t: DeploymentTransition; deploymentRows: number }[] = [];
  const committed: DeploymentTransition[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    ingestion = t.app.get(IngestionService);
    hooks = t.app.get(DeploymentHooks);
    hooks.onTransitions(async (manager, transitions) => {
      for (const tr of transitions) {
        const rows: unknown[] = await manager.query('SELECT id FROM deployments WHERE id = $1', [
          tr.deploymentId,
        ]);
        inTx.push({ t: tr, deploymentRows: rows.length });
      }
    });
    hooks.afterCommit((tr) => committed.push(tr));
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await resetData(t.db);
    t.app.get(RefCache).clear(); // the rows it remembers are gone
    inTx.length = 0;
    committed.length = 0;
  });

  const count = async (table: string): Promise<number> =>
    Number(
      (await t.db.dataSource.query<{ n: string }[]>(`SELECT count(*) AS n FROM ${table}`))[0].n,
    );

  it('stores the raw delivery and applies its events in one go', async () => {
    const outcome = await ingestion.ingestDelivery(delivery(), [deployment()]);
    expect(outcome).toMatchObject({ result: 'ACCEPTED', errors: [] });
    expect(outcome.rawEventId).toEqual(expect.any(String));
    expect(outcome.entityId).toEqual(expect.any(String));
    const [raw] = await t.db.dataSource.query<Record<string, unknown>[]>(
      'SELECT * FROM raw_events',
    );
    expect(raw).toMatchObject({
      source: 'github',
      dedupe_key: 'delivery-1',
      transport: 'github',
      kind: 'deployment_status',
      outcome: 'ACCEPTED',
      payload: { hello: 'world' },
      headers: { 'x-github-event': 'deployment_status' },
    });
    const [d] = await t.db.dataSource.query<Record<string, unknown>[]>('SELECT * FROM deployments');
    expect(d).toMatchObject({
      id: outcome.entityId,
      source: 'ci',
      external_id: 'd1',
      status: 'IN_PROGRESS',
    });
  });

  it('answers a second identical delivery DUPLICATE and applies nothing of it', async () => {
    await ingestion.ingestDelivery(delivery(), [deployment()]);
    const again = await ingestion.ingestDelivery(delivery(), [
      deployment({ status: 'SUCCEEDED', envelope: { source: 'ci', eventId: 'e2' } }),
    ]);
    expect(again.result).toBe('DUPLICATE');
    expect(again.note).toBeUndefined();
    const [d] = await t.db.dataSource.query<
      {
        status: string;
      }[]
    >('SELECT status FROM deployments');
    expect(d.status).toBe('IN_PROGRESS');
    expect(await count('raw_events')).toBe(1);
  });

  it('notes a duplicate key whose payload differs', async () => {
    await ingestion.ingestDelivery(delivery(), [deployment()]);
    const again = await ingestion.ingestDelivery(delivery({ payload: { other: 1 } }), [
      deployment(),
    ]);
    expect(again.result).toBe('DUPLICATE');
    expect(again.note).toMatch(/different payload/);
  });

  it('stores a delivery with no events as STORED_UNMAPPED', async () => {
    const outcome = await ingestion.ingestDelivery(delivery({ note: 'ping event' }), []);
    expect(outcome).toMatchObject({ result: 'ACCEPTED', note: 'ping event' });
    const [raw] = await t.db.dataSource.query<Record<string, unknown>[]>(
      'SELECT outcome, note FROM raw_events',
    );
    expect(raw).toEqual({ outcome: 'STORED_UNMAPPED', note: 'ping event' });
  });

  it('rejects a delivery with an invalid event and stores nothing, not even the raw event', async () => {
    const outcome = await ingestion.ingestDelivery(delivery(), [
      deployment(),
      deployment({ commitSha: 'not-a-sha' }),
    ]);
    expect(outcome.result).toBe('REJECTED');
    expect(outcome.errors).toEqual([{ field: 'events[1].commitSha', message: expect.any(String) }]);
    expect(await count('raw_events')).toBe(0);
    expect(await count('deployments')).toBe(0);
  });

  it('reports transitions inside the transaction and after commit', async () => {
    await ingestion.ingestDelivery(delivery(), [deployment()]);
    await ingestion.ingest(
      deployment({
        envelope: { source: 'ci', eventId: 'e2', occurredAt: at('2025-06-01T10:05:00Z') },
        status: 'SUCCEEDED',
        finishedAt: at('2025-06-01T10:04:00Z'),
      }),
      'cli',
      {},
    );
    // a repeated status is no transition
    await ingestion.ingest(
      deployment({ envelope: { source: 'ci', eventId: 'e3' }, status: 'SUCCEEDED' }),
      'cli',
      {},
    );
    expect(inTx.map((x) => [x.t.previousStatus, x.t.status, x.deploymentRows])).toEqual([
      [null, 'IN_PROGRESS', 1],
      ['IN_PROGRESS', 'SUCCEEDED', 1],
    ]);
    expect(committed.map((x) => x.status)).toEqual(['IN_PROGRESS', 'SUCCEEDED']);
    expect(committed[1]).toMatchObject({
      source: 'ci',
      externalId: 'd1',
      service: { name: 'shop', namespace: '', team: 'payments' },
      environment: { name: 'production', tier: 'production' },
      version: '1.0.0',
      kind: 'PLANNED',
      finishedAt: at('2025-06-01T10:04:00Z'),
      occurredAt: at('2025-06-01T10:05:00Z'),
    });
  });

  it('lets another module apply a synthetic event inside its own transaction', async () => {
    await ingestion.ingest(deployment({ status: 'SUCCEEDED' }), 'cli', {});
    const result = await t.db.dataSource.transaction((manager) =>
      ingestion.applyEvent(manager, {
        type: 'deployment',
        envelope: {
          source: 'shipwatch',
          eventId: 'verdict:1',
          occurredAt: at('2025-06-01T11:00:00Z'),
        },
        deploymentSource: 'ci',
        deploymentId: 'd1',
        service: { name: 'shop' },
        environment: { name: 'production' },
        status: 'ROLLED_BACK',
      }),
    );
    expect(result.transitions).toEqual([
      expect.objectContaining({ previousStatus: 'SUCCEEDED', status: 'ROLLED_BACK' }),
    ]);
    const rows = await t.db.dataSource.query<unknown[]>('SELECT source, status FROM deployments');
    expect(rows).toEqual([{ source: 'ci', status: 'ROLLED_BACK' }]);
    expect(await count('raw_events')).toBe(1);
  });

  it('answers exactly one ACCEPTED and one DUPLICATE for a delivery raced against itself', async () => {
    const outcomes = await Promise.all([
      ingestion.ingestDelivery(delivery(), [deployment()]),
      ingestion.ingestDelivery(delivery(), [deployment()]),
    ]);
    expect(outcomes.map((o) => o.result).sort()).toEqual(['ACCEPTED', 'DUPLICATE']);
    expect(await count('raw_events')).toBe(1);
    expect(await count('deployments')).toBe(1);
  });

  it('applies two different events for one deployment raced together', async () => {
    const outcomes = await Promise.all([
      ingestion.ingest(
        deployment({
          envelope: { source: 'ci', eventId: 'a', occurredAt: at('2025-06-01T10:00:00Z') },
        }),
        'cli',
        {},
      ),
      ingestion.ingest(
        deployment({
          envelope: { source: 'ci', eventId: 'b', occurredAt: at('2025-06-01T10:05:00Z') },
          status: 'SUCCEEDED',
          finishedAt: at('2025-06-01T10:04:00Z'),
        }),
        'cli',
        {},
      ),
    ]);
    expect(outcomes.map((o) => o.result)).toEqual(['ACCEPTED', 'ACCEPTED']);
    expect(outcomes[0].entityId).toBe(outcomes[1].entityId);
    const rows = await t.db.dataSource.query<unknown[]>(
      'SELECT status, started_at, finished_at FROM deployments',
    );
    expect(rows).toEqual([
      {
        status: 'SUCCEEDED',
        started_at: at('2025-06-01T09:59:00Z'),
        finished_at: at('2025-06-01T10:04:00Z'),
      },
    ]);
  });

  it('applies many concurrent events and batches for one deployment and service', async () => {
    const statuses = ['QUEUED', 'IN_PROGRESS', 'SUCCEEDED', 'IN_PROGRESS', 'QUEUED'] as const;
    const singles = statuses.map((status, i) =>
      ingestion.ingest(
        deployment({
          envelope: { source: 'ci', eventId: `s${i}`, occurredAt: at(`2025-06-01T10:0${i}:00Z`) },
          status,
          finishedAt: status === 'SUCCEEDED' ? at('2025-06-01T10:02:00Z') : undefined,
        }),
        'cli',
        {},
      ),
    );
    const batches = [0, 1, 2].map((b) =>
      ingestion.ingestBatch(
        [0, 1, 2].map((i) => ({
          event: deployment({
            envelope: {
              source: 'ci',
              eventId: `b${b}-${i}`,
              occurredAt: at('2025-06-01T10:01:00Z'),
            },
            deploymentId: `other-${i}`,
          }),
          payload: {},
        })),
        'graphql',
      ),
    );
    const outcomes = [...(await Promise.all(singles)), ...(await Promise.all(batches)).flat()];
    expect(outcomes.map((o) => o.result)).toEqual(Array(14).fill('ACCEPTED'));
    const rows = await t.db.dataSource.query<unknown[]>(
      `SELECT external_id, status FROM deployments ORDER BY external_id`,
    );
    expect(rows).toEqual([
      { external_id: 'd1', status: 'SUCCEEDED' },
      { external_id: 'other-0', status: 'IN_PROGRESS' },
      { external_id: 'other-1', status: 'IN_PROGRESS' },
      { external_id: 'other-2', status: 'IN_PROGRESS' },
    ]);
    expect(await count('services')).toBe(1);
    expect(await count('environments')).toBe(1);
  });

  it('merges concurrent deliveries into shared writes, each caller getting its own outcome', async () => {
    // 30 deliveries of 10 distinct keys at once: they queue behind the writers and are merged.
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        ingestion.ingestDelivery(
          delivery({ dedupeKey: `delivery-${i % 10}`, payload: { copy: i < 10 ? 0 : i } }),
          [
            deployment({
              envelope: {
                source: 'ci',
                eventId: `e${i % 10}`,
                occurredAt: at('2025-06-01T10:00:00Z'),
              },
              deploymentId: `d${i % 10}`,
              status: 'SUCCEEDED',
              finishedAt: at('2025-06-01T10:01:00Z'),
            }),
          ],
        ),
      ),
    );
    expect(outcomes.filter((o) => o.result === 'ACCEPTED')).toHaveLength(10);
    const duplicates = outcomes.filter((o) => o.result === 'DUPLICATE');
    expect(duplicates).toHaveLength(20);
    // Every copy carries a payload of its own: each duplicate says the stored one differs.
    expect(duplicates.every((o) => o.note?.includes('different payload'))).toBe(true);
    expect(new Set(outcomes.map((o) => o.entityId).filter(Boolean)).size).toBe(10);
    expect(await count('raw_events')).toBe(10);
    expect(await count('deployments')).toBe(10);
    // One transition per deployment, inside the transaction and after the commit alike.
    expect(inTx.map((x) => x.t.externalId).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `d${i}`).sort(),
    );
    expect(inTx.every((x) => x.deploymentRows === 1)).toBe(true);
    expect(committed).toHaveLength(10);
  });

  it('recovers when a remembered service is gone (tables emptied under a running app)', async () => {
    await ingestion.ingest(deployment(), 'cli', {});
    await resetData(t.db); // without clearing the RefCache: the first attempt hits a foreign key
    const outcome = await ingestion.ingest(deployment({ deploymentId: 'd2' }), 'cli', {});
    expect(outcome.result).toBe('ACCEPTED');
    expect(await count('services')).toBe(1);
  });
});
