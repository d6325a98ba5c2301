import { rmSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { DataSource } from 'typeorm';
import { openDatabase } from '../../src/database/data-source.js';
import { OutboxService } from '../../src/remediation/outbox.service.js';
import {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
} from '../../src/remediation/senders/webhook.payload.js';
import { aRelease, aRollback } from '../factories/remediation-actions.js';
import { seededDataDir } from '../support/pglite-template.js';
import { PrivatePostgres } from '../support/private-postgres.js';
import { buildDist, startShipwatch, type RunningShipwatch } from '../support/process.js';
import { closeDatabase, startTestApp, testConfig, testDatabaseUrl } from '../support/test-app.js';

/**
 * A replica dies in the middle of delivering rollbacks (SIGKILL while the rollback target holds
 * its request open). Another replica — or, on the embedded database, the same process started
 * again on its data directory — delivers them once the dead replica's lease expires, with the
 * same Idempotency-Key, so that a receiver that deduplicates by that key rolls back exactly once.
 * Real processes (`dist/src/main.js` with the scheduler on), a real PostgreSQL of the test's own.
 */

const SECRET = 'whsec-fault-replicas-0123456789';
const ADMIN = 'fault-replicas-admin-token';
const ROLLBACKS = 3;
/**
 * The dispatcher's lease, shorter than its 30 s default (OUTBOX_LEASE_SECONDS): the redelivery
 * waits for it. It must outlast the time from the claim to the SIGKILL (a few seconds).
 */
const LEASE_SECONDS = 15;
/** The lease plus claim ticks and a generous margin for a loaded machine. */
const REDELIVERY_TIMEOUT_MS = 90_000;

interface Received {
  readonly key: string;
  readonly signatureValid: boolean;
}

/**
 * A rollback receiver that acts on the first request of each Idempotency-Key (and ignores
 * repeats), and holds its answers while `hold` is set — the sender is then mid-delivery.
 */
async function startRollbackReceiver() {
  const received: Received[] = [];
  const executed = new Map<string, number>();
  const held: ServerResponse[] = [];
  let hold = true;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const header = (name: string) => {
        const v = req.headers[name.toLowerCase()];
        return Array.isArray(v) ? v[0] : v;
      };
      const key = header('Idempotency-Key') ?? '';
      const signatureValid = verifyWebhookSignature({
        secret: SECRET,
        rawBody: Buffer.concat(chunks).toString('utf8'),
        timestamp: header(TIMESTAMP_HEADER),
        signature: header(SIGNATURE_HEADER),
        now: new Date(),
      });
      received.push({ key, signatureValid });
      if (signatureValid && !executed.has(key)) executed.set(key, received.length);
      if (hold) held.push(res);
      else res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    received,
    executed,
    /** Answers the held requests (those whose sender is gone fail silently) and stops holding. */
    release() {
      hold = false;
      for (const res of held.splice(0)) {
        if (!res.destroyed) res.writeHead(200).end('ok');
      }
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type Receiver = Awaited<ReturnType<typeof startRollbackReceiver>>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

/** Writes the rollbacks into the outbox through the app's own OutboxService (one transaction). */
async function enqueueRollbacks(
  env: Record<string, string | undefined>,
  receiver: Receiver,
): Promise<string[]> {
  const t = await startTestApp(env);
  try {
    const outbox = t.app.get(OutboxService);
    const actions = Array.from({ length: ROLLBACKS }, (_, i) =>
      aRollback({
        release: aRelease({ deploymentId: `fault-${i + 1}` }),
        idempotencyKey: `rollback:fault-${i + 1}`,
        target: { kind: 'WEBHOOK', url: `${receiver.url}/rollback`, secret: SECRET },
      }),
    );
    await t.app.get(DataSource).transaction(async (manager) => {
      for (const action of actions) await outbox.enqueue(manager, action);
    });
    return actions.map((a) => a.idempotencyKey);
  } finally {
    await t.close();
  }
}

interface OutboxRow {
  idempotency_key: string;
  status: string;
  attempts: number;
  locked_by: string | null;
}

function expectExactlyOnce(receiver: Receiver, keys: string[], rows: OutboxRow[]): void {
  // Every rollback reached the receiver, signed, and was executed exactly once.
  expect([...receiver.executed.keys()].sort()).toEqual([...keys].sort());
  expect(receiver.received.every((r) => r.signatureValid)).toBe(true);
  // Nothing but these keys was ever sent, and none more than twice (the dead replica's attempt
  // and the redelivery).
  const perKey = new Map<string, number>();
  for (const r of receiver.received) perKey.set(r.key, (perKey.get(r.key) ?? 0) + 1);
  expect([...perKey.keys()].sort()).toEqual([...keys].sort());
  expect([...perKey.values()].every((n) => n >= 1 && n <= 2)).toBe(true);
  expect(rows.map((r) => ({ key: r.idempotency_key, status: r.status }))).toEqual(
    [...keys].sort().map((key) => ({ key, status: 'DELIVERED' })),
  );
}

const pidOf = (lockedBy: string | null): number | undefined => {
  const pid = /:(\d+):[0-9a-f]+$/.exec(lockedBy ?? '')?.[1];
  return pid ? Number(pid) : undefined;
};

/** Two replicas on one PostgreSQL; the one that claimed the rollbacks is SIGKILLed mid-delivery. */
async function twoReplicasOnPostgres(): Promise<void> {
  const server = await PrivatePostgres.create();
  const receiver = await startRollbackReceiver();
  const replicas: RunningShipwatch[] = [];
  try {
    const env = {
      DATABASE_URL: server.url,
      SHIPWATCH_BOOTSTRAP_TOKEN: ADMIN,
      SHIPWATCH_OUTBOUND_PRIVATE_HOSTS: `127.0.0.1:${receiver.port}`,
      SHIPWATCH_SCHEDULER: 'on',
      OUTBOX_LEASE_SECONDS: String(LEASE_SECONDS),
      LOG_LEVEL: 'info',
    };
    replicas.push(...(await Promise.all([startShipwatch(env), startShipwatch(env)])));
    const keys = await enqueueRollbacks({ ...env, SHIPWATCH_SCHEDULER: 'off' }, receiver);

    const db = new DataSource({ type: 'postgres', url: server.url });
    await db.initialize();
    try {
      const rows = () =>
        db.query<OutboxRow[]>(
          'SELECT idempotency_key, status, attempts, locked_by FROM remediation_outbox ORDER BY idempotency_key',
        );
      // Wait until the receiver holds every rollback: their senders are mid-delivery.
      await waitFor(
        () => (new Set(receiver.received.map((r) => r.key)).size === ROLLBACKS ? true : undefined),
        30_000,
        'the rollback requests',
      );
      const claimers = new Set((await rows()).map((r) => pidOf(r.locked_by)));
      const victim = replicas.find((r) => claimers.has(r.proc.pid))!;
      expect(victim).toBeDefined();
      expect(await victim.stop('SIGKILL')).toBeNull();
      const survivor = replicas.find((r) => r !== victim)!;
      receiver.release();

      const final = await waitFor(
        async () => {
          const current = await rows();
          return current.every((r) => r.status === 'DELIVERED') ? current : undefined;
        },
        REDELIVERY_TIMEOUT_MS,
        'redelivery by the surviving replica',
      );
      // A few more dispatcher ticks: nothing is sent again.
      await sleep(3_000);
      expectExactlyOnce(receiver, keys, final);
      expect(survivor.logs.join('\n')).toMatch(/delivered ROLLBACK WEBHOOK rollback:fault-/);
      expect(survivor.proc.exitCode).toBeNull();
    } finally {
      await db.destroy();
    }
  } finally {
    await Promise.all(replicas.map((r) => r.stop('SIGKILL')));
    await receiver.stop();
    await server.destroy();
  }
}

/**
 * The embedded database serves one process: that process is SIGKILLed mid-delivery, started
 * again on the same data directory, and delivers the rollbacks once its old lease expires.
 */
async function restartedOnEmbedded(): Promise<void> {
  const dataDir = await seededDataDir('shipwatch-fault-');
  const receiver = await startRollbackReceiver();
  let running: RunningShipwatch | undefined;
  try {
    const env = {
      SHIPWATCH_DATA_DIR: dataDir,
      SHIPWATCH_BOOTSTRAP_TOKEN: ADMIN,
      SHIPWATCH_OUTBOUND_PRIVATE_HOSTS: `127.0.0.1:${receiver.port}`,
      SHIPWATCH_SCHEDULER: 'on',
      OUTBOX_LEASE_SECONDS: String(LEASE_SECONDS),
      LOG_LEVEL: 'info',
    };
    const keys = await enqueueRollbacks(
      { ...env, DATABASE_URL: undefined, SHIPWATCH_SCHEDULER: 'off' },
      receiver,
    );
    running = await startShipwatch(env);
    await waitFor(
      () => (new Set(receiver.received.map((r) => r.key)).size === ROLLBACKS ? true : undefined),
      30_000,
      'the rollback requests',
    );
    expect(await running.stop('SIGKILL')).toBeNull();
    receiver.release();
    running = await startShipwatch(env);
    const restarted = running;
    await waitFor(
      () =>
        restarted.logs.filter((l) => l.includes('delivered ROLLBACK')).length === ROLLBACKS
          ? true
          : undefined,
      REDELIVERY_TIMEOUT_MS,
      'redelivery after the restart',
    );
    await sleep(3_000);
    expect(await running.stop()).toBe(0);
    running = undefined;
    // Read the outbox with the process stopped (one process per data directory).
    const db = await openDatabase(
      testConfig({ DATABASE_URL: undefined, SHIPWATCH_DATA_DIR: dataDir }),
    );
    try {
      const rows = await db.dataSource.query<OutboxRow[]>(
        'SELECT idempotency_key, status, attempts, locked_by FROM remediation_outbox ORDER BY idempotency_key',
      );
      expectExactlyOnce(receiver, keys, rows);
    } finally {
      await closeDatabase(db);
    }
  } finally {
    await running?.stop('SIGKILL');
    await receiver.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const onPostgres = testDatabaseUrl() !== undefined;

describe('a replica killed mid-delivery', () => {
  beforeAll(() => {
    buildDist();
  });

  it(`delivers each rollback exactly once: ${onPostgres ? 'the other replica takes over (PostgreSQL)' : 'the restarted process takes over (embedded)'}`, async () => {
    expect.hasAssertions();
    await (onPostgres ? twoReplicasOnPostgres() : restartedOnEmbedded());
  });
});
