import { jest } from '@jest/globals';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../../src/config/config.module.js';
import type { AppConfig } from '../../src/config/config.schema.js';
import { openDatabase, type OpenedDatabase } from '../../src/database/data-source.js';
import { registry } from '../../src/observability/metrics.js';
import { OutboxDispatcher } from '../../src/remediation/outbox.dispatcher.js';
import { OutboxEntryEntity } from '../../src/remediation/outbox.entity.js';
import { OutboxRepository } from '../../src/remediation/outbox.repository.js';
import { OutboxService } from '../../src/remediation/outbox.service.js';
import { OutboundPolicy } from '../../src/remediation/outbound-policy.js';
import type { RemediationAction } from '../../src/remediation/remediation-action.js';
import { DEFAULT_RETRY_POLICY } from '../../src/remediation/retry.rule.js';
import { OutboxSenders } from '../../src/remediation/senders/senders.js';
import { aRelease, aRollback, anAlert } from '../factories/remediation-actions.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/signed-webhook-receiver.js';
import { closeDatabase, startTestApp, testConfig, type TestApp } from '../support/test-app.js';

jest.setTimeout(30_000);

const SECRET = 'whsec-integration-0123456789';
const SLACK_PATH = '/services/T000/B000/slacksecretpath';
const PD_KEY = 'pd-routing-key-secret';

describe('remediation outbox (real database)', () => {
  let receiver: WebhookReceiver;
  let t: TestApp;
  let outbox: OutboxService;
  let dispatcher: OutboxDispatcher;
  let ds: DataSource;
  let config: AppConfig;
  let seq = 0;

  beforeAll(async () => {
    receiver = await startWebhookReceiver({ secret: SECRET });
    t = await startTestApp({
      SHIPWATCH_OUTBOUND_PRIVATE_HOSTS: `127.0.0.1:${receiver.port}`,
      SLACK_WEBHOOK_URL: `${receiver.url}${SLACK_PATH}`,
      PAGERDUTY_EVENTS_URL: `${receiver.url}/v2/enqueue`,
      PAGERDUTY_ROUTING_KEY: PD_KEY,
    });
    outbox = t.app.get(OutboxService);
    dispatcher = t.app.get(OutboxDispatcher);
    ds = t.app.get(DataSource);
    config = t.app.get<AppConfig>(APP_CONFIG);
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.stop();
  });
  beforeEach(async () => {
    await ds.query('TRUNCATE remediation_outbox');
    receiver.requests.length = 0;
    receiver.executed.length = 0;
    receiver.respondWith(() => ({ status: 200 }));
  });

  /** A rollback to the receiver for a fresh deployment id. */
  const rollback = (overrides: Parameters<typeof aRollback>[0] = {}) => {
    seq += 1;
    return aRollback({
      release: aRelease({ deploymentId: `d${seq}` }),
      idempotencyKey: `rollback:d${seq}`,
      target: { kind: 'WEBHOOK', url: `${receiver.url}/rollback`, secret: SECRET },
      ...overrides,
    });
  };
  const enqueue = (...actions: RemediationAction[]) =>
    ds.transaction(async (manager) => {
      for (const a of actions) await outbox.enqueue(manager, a);
    });
  const rows = () => ds.getRepository(OutboxEntryEntity).find({ order: { id: 'ASC' } });
  const metric = async (name: string, labels: string) => {
    const text = await registry.metrics();
    const line = text
      .split('\n')
      .find(
        (l) => l.startsWith(`${name}{${labels}}`) || (l.startsWith(`${name} `) && labels === ''),
      );
    return line ? Number(line.split(' ').pop()) : 0;
  };
  const newDispatcher = (dataSource: DataSource, replicaId: string, options = {}) =>
    new OutboxDispatcher(
      new OutboxRepository(dataSource),
      t.app.get(OutboxSenders),
      t.app.get(OutboundPolicy),
      config,
      { replicaId, random: () => 0, ...options },
    );

  it('enqueues once per idempotency key, and at most one rollback per deployment', async () => {
    const action = rollback();
    await enqueue(action, action);
    await enqueue(action);
    await enqueue({ ...action, idempotencyKey: `${action.idempotencyKey}:again` });
    const stored = await rows();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      idempotencyKey: action.idempotencyKey,
      kind: 'ROLLBACK',
      channel: 'WEBHOOK',
      deploymentId: action.release.deploymentId,
      status: 'PENDING',
      attempts: 0,
    });
  });

  it('writes nothing when the verdict transaction rolls back', async () => {
    await expect(
      ds.transaction(async (manager) => {
        await outbox.enqueue(manager, rollback());
        throw new Error('verdict failed');
      }),
    ).rejects.toThrow('verdict failed');
    expect(await rows()).toEqual([]);
  });

  it('delivers a signed rollback with its Idempotency-Key and records it', async () => {
    const action = rollback();
    await enqueue(action);
    const before = await metric('shipwatch_rollbacks_total', 'reason="critical"');
    const report = await dispatcher.dispatchDue(new Date());
    expect(report).toEqual({ claimed: 1, delivered: 1, retried: 0, dead: 0 });
    expect(receiver.requests).toHaveLength(1);
    const [req] = receiver.requests;
    expect(req.path).toBe('/rollback');
    expect(req.signatureValid).toBe(true);
    expect(req.idempotencyKey).toBe(action.idempotencyKey);
    expect(req.json).toMatchObject({
      type: 'shipwatch.rollback.requested',
      deployment: { id: action.release.deploymentId, version: '1.4.2' },
      rollback: { toVersion: '1.4.1' },
    });
    const [row] = await rows();
    expect(row).toMatchObject({
      status: 'DELIVERED',
      attempts: 1,
      lockedUntil: null,
      lastError: null,
    });
    expect(row.deliveredAt).toBeInstanceOf(Date);
    expect(await metric('shipwatch_rollbacks_total', 'reason="critical"')).toBe(before + 1);
    // Nothing is due any more.
    expect((await dispatcher.dispatchDue(new Date(Date.now() + 3_600_000))).claimed).toBe(0);
  });

  it('refuses a target on a host that is not allowed: stored DEAD, never called', async () => {
    const refusedBefore = await metric(
      'shipwatch_outbox_deliveries_total',
      'kind="ROLLBACK",channel="WEBHOOK",result="refused"',
    );
    const action = rollback({
      // localhost is not 127.0.0.1:<port> as far as the allowlist is concerned
      target: {
        kind: 'WEBHOOK',
        url: `http://localhost:${receiver.port}/rollback`,
        secret: SECRET,
      },
    });
    await enqueue(action);
    expect(await dispatcher.dispatchDue(new Date())).toMatchObject({ claimed: 0 });
    expect(receiver.requests).toEqual([]);
    const [row] = await rows();
    expect(row.status).toBe('DEAD');
    expect(row.lastError).toMatch(
      /^refused: target URL host localhost:\d+ is not in SHIPWATCH_OUTBOUND_ALLOWED_HOSTS/,
    );
    expect(
      await metric(
        'shipwatch_outbox_deliveries_total',
        'kind="ROLLBACK",channel="WEBHOOK",result="refused"',
      ),
    ).toBe(refusedBefore + 1);
    expect(() => t.app.get(OutboundPolicy).assertRollbackTarget(action.target)).toThrow(
      expect.objectContaining({ code: 'OUTBOUND_HOST_NOT_ALLOWED' }),
    );
  });

  it('two dispatchers (replicas) racing deliver every entry exactly once', async () => {
    const actions = Array.from({ length: 12 }, () => rollback());
    await enqueue(...actions);
    // On PostgreSQL the second replica has its own connection pool; PGlite has one connection.
    let second: OpenedDatabase | undefined;
    const otherSource =
      config.databaseKind === 'postgres'
        ? (second = await openDatabase(testConfig())).dataSource
        : ds;
    try {
      const a = newDispatcher(ds, 'replica-a', { batchSize: 5 });
      const b = newDispatcher(otherSource, 'replica-b', { batchSize: 5 });
      const now = new Date();
      const reports = await Promise.all([
        a.dispatchDue(now),
        b.dispatchDue(now),
        a.dispatchDue(now),
        b.dispatchDue(now),
        a.dispatchDue(now),
        b.dispatchDue(now),
      ]);
      expect(reports.reduce((n, r) => n + r.delivered, 0)).toBe(12);
    } finally {
      if (second) await closeDatabase(second);
    }
    expect(receiver.requests).toHaveLength(12);
    expect(new Set(receiver.requests.map((r) => r.idempotencyKey)).size).toBe(12);
    expect((await rows()).every((r) => r.status === 'DELIVERED' && r.attempts === 1)).toBe(true);
  });

  it('after a crash mid-delivery, redelivers once the lease expires, with the same Idempotency-Key', async () => {
    const action = rollback();
    await enqueue(action);
    const t0 = new Date();
    // Replica A claims the entry, sends the request, and dies before recording the outcome.
    const repoA = new OutboxRepository(ds);
    const [claimed] = await repoA.claimDue(t0, new Date(t0.getTime() + 30_000), 'replica-a', 10);
    expect(claimed.lockedBy).toBe('replica-a');
    await fetch(`${receiver.url}/rollback`, {
      method: 'POST',
      headers: { 'Idempotency-Key': claimed.idempotencyKey },
      body: 'sent by replica-a before it crashed',
    });

    const b = newDispatcher(ds, 'replica-b');
    // While the lease holds, nobody else takes the entry.
    expect((await b.dispatchDue(new Date(t0.getTime() + 29_000))).claimed).toBe(0);
    // After it expires, replica B delivers it again with the same key.
    expect(await b.dispatchDue(new Date(t0.getTime() + 31_000))).toMatchObject({
      claimed: 1,
      delivered: 1,
    });
    expect(receiver.requests.map((r) => r.idempotencyKey)).toEqual([
      action.idempotencyKey,
      action.idempotencyKey,
    ]);
    expect(receiver.requests[1].signatureValid).toBe(true);
    // The receiver deduplicates: one rollback executed.
    expect(receiver.executed).toEqual([action.idempotencyKey]);
    // Replica A coming back cannot overwrite B's outcome (fenced by the attempt number).
    expect(await repoA.markRetry(claimed, t0, 'late')).toBe(false);
    const [row] = await rows();
    expect(row).toMatchObject({ status: 'DELIVERED', attempts: 2, lockedBy: null });
  });

  it('retries with backoff while the target answers 500, then delivers exactly once', async () => {
    receiver.respondWith((_req, n) =>
      n <= 3 ? { status: 500, body: 'db down' } : { status: 202 },
    );
    const action = rollback();
    await enqueue(action);
    let now = new Date();
    const delays: number[] = [];
    for (let i = 0; i < 10; i++) {
      const report = await dispatcher.dispatchDue(now);
      const [row] = await rows();
      if (row.status === 'DELIVERED') break;
      expect(report).toMatchObject({ claimed: 1, retried: 1 });
      expect(row.status).toBe('PENDING');
      expect(row.lastError).toBe(`HTTP 500 from 127.0.0.1:${receiver.port}: db down`);
      delays.push(row.nextAttemptAt.getTime() - now.getTime());
      // Not due before its backoff delay.
      expect(
        (await dispatcher.dispatchDue(new Date(row.nextAttemptAt.getTime() - 1))).claimed,
      ).toBe(0);
      now = row.nextAttemptAt;
    }
    // Equal jitter with random() in [0, 1): between half and all of 1 s, 2 s, 4 s.
    expect(delays).toHaveLength(3);
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(500 * 2 ** i);
      expect(d).toBeLessThanOrEqual(1000 * 2 ** i);
    });
    expect(receiver.requests.map((r) => r.status)).toEqual([500, 500, 500, 202]);
    expect(new Set(receiver.requests.map((r) => r.idempotencyKey))).toEqual(
      new Set([action.idempotencyKey]),
    );
    expect(receiver.executed).toEqual([action.idempotencyKey]);
    const [row] = await rows();
    expect(row).toMatchObject({ status: 'DELIVERED', attempts: 4, lastError: null });
  });

  it('gives up after the maximum attempts: DEAD, counted, and secrets scrubbed from the error', async () => {
    // A misbehaving target that echoes the secret it was sent.
    receiver.respondWith(() => ({ status: 503, body: `rejected ${SECRET}` }));
    const d = newDispatcher(ds, 'replica-c', {
      retry: { ...DEFAULT_RETRY_POLICY, maxAttempts: 3 },
    });
    await enqueue(rollback());
    const deadBefore = await metric(
      'shipwatch_outbox_deliveries_total',
      'kind="ROLLBACK",channel="WEBHOOK",result="dead"',
    );
    let now = new Date();
    for (let i = 0; i < 3; i++) {
      await d.dispatchDue(now);
      now = (await rows())[0].nextAttemptAt;
    }
    const [row] = await rows();
    expect(row.status).toBe('DEAD');
    expect(row.attempts).toBe(3);
    expect(row.lastError).toBe(
      `HTTP 503 from 127.0.0.1:${receiver.port}: rejected *** (gave up after 3 attempts)`,
    );
    expect(
      await metric(
        'shipwatch_outbox_deliveries_total',
        'kind="ROLLBACK",channel="WEBHOOK",result="dead"',
      ),
    ).toBe(deadBefore + 1);
    expect((await d.dispatchDue(new Date(now.getTime() + 3_600_000))).claimed).toBe(0);
  });

  it('never sends a rollback that waited longer than its maximum age', async () => {
    await enqueue(rollback());
    const late = new Date(Date.now() + DEFAULT_RETRY_POLICY.maxAgeMs.ROLLBACK + 60_000);
    expect(await dispatcher.dispatchDue(late)).toMatchObject({ claimed: 1, dead: 1 });
    expect(receiver.requests).toEqual([]);
    const [row] = await rows();
    expect(row.status).toBe('DEAD');
    expect(row.lastError).toMatch(/^not sent: older than 30 min/);
  });

  it('does not retry an answer a retry cannot change (4xx)', async () => {
    receiver.respondWith(() => ({ status: 401, body: 'bad signature' }));
    await enqueue(rollback());
    expect(await dispatcher.dispatchDue(new Date())).toMatchObject({ claimed: 1, dead: 1 });
    const [row] = await rows();
    expect(row).toMatchObject({ status: 'DEAD', attempts: 1 });
    expect(row.lastError).toMatch(/HTTP 401 .* \(permanent failure\)$/);
  });

  it('sends Slack and PagerDuty alerts once per state; drops channels that are not configured', async () => {
    const release = aRelease({ deploymentId: 'alerts-1' });
    const firing = (channel: 'SLACK' | 'PAGERDUTY' | 'ALERTMANAGER') =>
      anAlert({ release, channel, idempotencyKey: `alert:alerts-1:FAILED:FIRING:${channel}` });
    await enqueue(firing('SLACK'), firing('PAGERDUTY'), firing('ALERTMANAGER'));
    // The next tick enqueues the same state again: no second message.
    await enqueue(firing('SLACK'), firing('PAGERDUTY'));
    expect(outbox.alertChannels()).toEqual(['SLACK', 'PAGERDUTY']);
    expect((await rows()).map((r) => r.channel)).toEqual(['SLACK', 'PAGERDUTY']);

    await dispatcher.dispatchDue(new Date());
    const slack = receiver.requests.find((r) => r.path === SLACK_PATH);
    const pd = receiver.requests.find((r) => r.path === '/v2/enqueue');
    expect(receiver.requests).toHaveLength(2);
    expect(slack?.json).toMatchObject({
      text: expect.stringContaining('[FAILED] shop/checkout 1.4.2'),
    });
    expect(pd?.json).toMatchObject({
      routing_key: PD_KEY,
      event_action: 'trigger',
      dedup_key: 'shipwatch/release/alerts-1',
    });

    const resolved = anAlert({
      release,
      channel: 'PAGERDUTY',
      state: 'RESOLVED',
      idempotencyKey: 'alert:alerts-1:FAILED:RESOLVED:PAGERDUTY',
    });
    await enqueue(resolved);
    await dispatcher.dispatchDue(new Date());
    expect(receiver.requests[2].json).toEqual({
      routing_key: PD_KEY,
      event_action: 'resolve',
      dedup_key: 'shipwatch/release/alerts-1',
    });
  });

  it('never shows payloads or secrets in listings, and keeps the gauges current', async () => {
    const action = rollback();
    await enqueue(action);
    await dispatcher.dispatchDue(new Date(0)); // nothing due yet at the epoch: only refreshes gauges
    expect(await metric('shipwatch_outbox_pending', '')).toBe(1);
    const listed = await outbox.listForDeployment(action.release.deploymentId);
    expect(listed).toEqual([
      expect.objectContaining({ idempotencyKey: action.idempotencyKey, status: 'PENDING' }),
    ]);
    expect(JSON.stringify(listed)).not.toContain(SECRET);
    expect(Object.keys(listed[0])).not.toContain('payload');
    await dispatcher.dispatchDue(new Date());
    expect(await metric('shipwatch_outbox_pending', '')).toBe(0);
    expect(await metric('shipwatch_outbox_oldest_pending_age_seconds', '')).toBe(0);
  });
});
