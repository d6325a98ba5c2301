import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { OutboxDispatcher } from '../../src/remediation/outbox.dispatcher.js';
import { OutboxEntryEntity } from '../../src/remediation/outbox.entity.js';
import { OutboxService } from '../../src/remediation/outbox.service.js';
import { aRelease, aRollback } from '../factories/remediation-actions.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The outbound allowlist checks addresses, not only names: a rollback target on an allowed host
 * that is, or resolves to, a loopback address is refused — an IP literal when it is enqueued, a
 * name (`localhost`) when it connects, on the address it resolved to — unless the host is listed
 * in SHIPWATCH_OUTBOUND_PRIVATE_HOSTS. Real HTTP receivers on 127.0.0.1 and [::1], the real
 * outbox and dispatcher.
 */

const SECRET = 'whsec-outbound-addresses-0123456789';

interface Receiver {
  readonly port: number;
  readonly paths: string[];
  close(): Promise<void>;
}

async function receiver(host: string): Promise<Receiver> {
  const paths: string[] = [];
  const server: Server = createServer((req, res) => {
    paths.push(req.url ?? '');
    req.resume();
    req.on('end', () => res.writeHead(200).end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    paths,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('outbound calls to non-public addresses', () => {
  let v4: Receiver;
  let v6: Receiver;
  /** Each target: an allowed host whose address is loopback, by an IP literal or a name. */
  let targets: { readonly name: string; readonly url: string; readonly host: string }[];

  beforeAll(async () => {
    v4 = await receiver('127.0.0.1');
    v6 = await receiver('::1');
    targets = [
      { name: 'ipv4', url: `http://127.0.0.1:${v4.port}/ipv4`, host: `127.0.0.1:${v4.port}` },
      { name: 'ipv6', url: `http://[::1]:${v6.port}/ipv6`, host: `[::1]:${v6.port}` },
      {
        name: 'mapped',
        url: `http://[::ffff:127.0.0.1]:${v4.port}/mapped`,
        host: `[::ffff:127.0.0.1]:${v4.port}`,
      },
      {
        name: 'localhost',
        url: `http://localhost:${v4.port}/localhost`,
        host: `localhost:${v4.port}`,
      },
    ];
  });
  afterAll(async () => {
    await v4.close();
    await v6.close();
  });

  /** Enqueues one rollback per target, dispatches twice, and returns each entry's outcome. */
  async function rollbackToEachTarget(t: TestApp): Promise<Record<string, string>> {
    const ds = t.app.get(DataSource);
    await ds.transaction(async (manager) => {
      for (const target of targets) {
        await t.app.get(OutboxService).enqueue(
          manager,
          aRollback({
            release: aRelease({ deploymentId: target.name }),
            idempotencyKey: `rollback:${target.name}`,
            target: { kind: 'WEBHOOK', url: target.url, secret: SECRET },
          }),
        );
      }
    });
    const dispatcher = t.app.get(OutboxDispatcher);
    await dispatcher.dispatchDue(new Date());
    await dispatcher.dispatchDue(new Date());
    const rows = await ds.getRepository(OutboxEntryEntity).find({ order: { id: 'ASC' } });
    return Object.fromEntries(
      rows.map((r) => [
        r.idempotencyKey.replace('rollback:', ''),
        `${r.status} ${r.lastError ?? ''}`,
      ]),
    );
  }

  it('refuses them when the hosts are only on SHIPWATCH_OUTBOUND_ALLOWED_HOSTS: nothing is sent', async () => {
    const t = await startTestApp({
      SHIPWATCH_OUTBOUND_ALLOWED_HOSTS: targets.map((x) => x.host).join(','),
    });
    try {
      const outcomes = await rollbackToEachTarget(t);
      expect(outcomes).toEqual({
        ipv4: `DEAD refused: target URL address 127.0.0.1:${v4.port} is not public (loopback); list 127.0.0.1:${v4.port} in SHIPWATCH_OUTBOUND_PRIVATE_HOSTS to allow it`,
        ipv6: `DEAD refused: target URL address [::1]:${v6.port} is not public (loopback); list [::1]:${v6.port} in SHIPWATCH_OUTBOUND_PRIVATE_HOSTS to allow it`,
        mapped: `DEAD refused: target URL address [::ffff:7f00:1]:${v4.port} is not public (loopback); list [::ffff:7f00:1]:${v4.port} in SHIPWATCH_OUTBOUND_PRIVATE_HOSTS to allow it`,
        // A name passes the enqueue check; the address it resolves to is refused at connect time.
        localhost: expect.stringMatching(
          new RegExp(
            `^DEAD refused: localhost:${v4.port} is or resolves to (127\\.0\\.0\\.1|::1) \\(loopback\\), not a public address; list localhost:${v4.port} in SHIPWATCH_OUTBOUND_PRIVATE_HOSTS to allow it \\(permanent failure\\)$`,
          ),
        ),
      });
      expect([v4.paths, v6.paths]).toEqual([[], []]);
    } finally {
      await t.close();
    }
  });

  it('delivers to them when the hosts are on SHIPWATCH_OUTBOUND_PRIVATE_HOSTS', async () => {
    const t = await startTestApp({
      SHIPWATCH_OUTBOUND_PRIVATE_HOSTS: targets.map((x) => x.host).join(','),
    });
    try {
      const outcomes = await rollbackToEachTarget(t);
      expect(outcomes).toEqual({
        ipv4: 'DELIVERED ',
        ipv6: 'DELIVERED ',
        mapped: 'DELIVERED ',
        localhost: 'DELIVERED ',
      });
      expect([v4.paths.sort(), v6.paths]).toEqual([['/ipv4', '/localhost', '/mapped'], ['/ipv6']]);
    } finally {
      await t.close();
    }
  });
});
