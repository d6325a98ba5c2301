/**
 * The demo's deploy tool: a local HTTP endpoint that receives Shipwatch's signed rollback
 * webhook, checks the HMAC signature and timestamp, executes each Idempotency-Key once, and
 * hands the request to the demo (which then rolls the demo app back).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
  type RollbackWebhookBody,
} from '../remediation/senders/webhook.payload.js';

export interface ReceivedRollback {
  readonly body: RollbackWebhookBody;
  readonly idempotencyKey: string | undefined;
  readonly receivedAt: Date;
}

export interface RollbackReceiver {
  readonly url: string;
  readonly port: number;
  /** Requests with a valid signature, each Idempotency-Key once. */
  readonly executed: ReceivedRollback[];
  /** Requests refused for a bad or missing signature. */
  readonly refused: number;
  stop(): Promise<void>;
}

export async function startRollbackReceiver(options: {
  readonly secret: string;
  readonly onRollback: (rollback: ReceivedRollback) => void;
}): Promise<RollbackReceiver> {
  const seen = new Set<string>();
  const state = { refused: 0 };
  const executed: ReceivedRollback[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const header = (name: string): string | undefined => {
        const v = req.headers[name.toLowerCase()];
        return Array.isArray(v) ? v[0] : v;
      };
      const valid = verifyWebhookSignature({
        secret: options.secret,
        rawBody,
        timestamp: header(TIMESTAMP_HEADER),
        signature: header(SIGNATURE_HEADER),
        now: new Date(),
      });
      if (!valid) {
        state.refused++;
        res.writeHead(401).end('bad signature\n');
        return;
      }
      const key = header('Idempotency-Key');
      res.writeHead(202).end('accepted\n');
      if (key && seen.has(key)) return; // a retry of a request already executed
      if (key) seen.add(key);
      const rollback = {
        body: JSON.parse(rawBody) as RollbackWebhookBody,
        idempotencyKey: key,
        receivedAt: new Date(),
      };
      executed.push(rollback);
      options.onRollback(rollback);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    executed,
    get refused() {
      return state.refused;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
