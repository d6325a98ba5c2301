import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
} from '../../src/remediation/senders/webhook.payload.js';

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
  readonly json: unknown;
  readonly idempotencyKey: string | undefined;
  /** Whether X-Shipwatch-Signature verifies with the receiver's secret (false without a secret). */
  readonly signatureValid: boolean;
  /** The status the receiver answered. */
  readonly status: number;
}

export interface Reply {
  readonly status: number;
  readonly body?: string;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly port: number;
  /** Every request, in arrival order. */
  readonly requests: ReceivedRequest[];
  /**
   * Idempotency keys the receiver acted upon: a request with a valid signature that was answered
   * 2xx and whose key had not been executed before (what a deduplicating receiver does).
   */
  readonly executed: string[];
  /** Decides each answer (default 200); `n` counts requests from 1. */
  respondWith(reply: (request: Omit<ReceivedRequest, 'status'>, n: number) => Reply): void;
  stop(): Promise<void>;
}

/**
 * A tiny HTTP receiver for tests: records requests, verifies the Shipwatch webhook signature and
 * deduplicates by Idempotency-Key like a well-behaved rollback receiver.
 */
export async function startWebhookReceiver(
  options: { secret?: string } = {},
): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const executed: string[] = [];
  let reply: (request: Omit<ReceivedRequest, 'status'>, n: number) => Reply = () => ({
    status: 200,
  });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const header = (name: string) => {
        const v = req.headers[name.toLowerCase()];
        return Array.isArray(v) ? v[0] : v;
      };
      let json: unknown = null;
      try {
        json = rawBody ? JSON.parse(rawBody) : null;
      } catch {
        json = null;
      }
      const received = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        rawBody,
        json,
        idempotencyKey: header('Idempotency-Key'),
        signatureValid: options.secret
          ? verifyWebhookSignature({
              secret: options.secret,
              rawBody,
              timestamp: header(TIMESTAMP_HEADER),
              signature: header(SIGNATURE_HEADER),
              now: new Date(),
            })
          : false,
      };
      const answer = reply(received, requests.length + 1);
      requests.push({ ...received, status: answer.status });
      const ok = answer.status >= 200 && answer.status < 300;
      if (ok && received.idempotencyKey && (!options.secret || received.signatureValid)) {
        if (!executed.includes(received.idempotencyKey)) executed.push(received.idempotencyKey);
      }
      res.writeHead(answer.status, { 'Content-Type': 'text/plain' });
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    executed,
    respondWith(fn) {
      reply = fn;
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
