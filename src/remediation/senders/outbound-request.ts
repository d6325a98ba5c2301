import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';
import { DELIVERY_TIMEOUT_MS } from '../../config/config.schema.js';
import { nonPublicRange } from '../outbound-hosts.rule.js';
import type { RemediationAction } from '../remediation-action.js';
import { isRetryableStatus } from '../retry.rule.js';

export type RollbackAction = Extract<RemediationAction, { kind: 'ROLLBACK' }>;
export type AlertAction = Extract<RemediationAction, { kind: 'ALERT' }>;

/** One HTTP request a sender wants made; built by the pure *.payload.ts functions. */
export interface OutboundRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The exact bytes sent (and signed, for the generic webhook). */
  readonly body: string;
  /** Values that must never appear in logs or stored errors (tokens, secrets, secret URLs). */
  readonly secrets: readonly string[];
}

/** What a payload builder knows beside the action. */
export interface DeliveryContext {
  readonly idempotencyKey: string;
  /** When the action was enqueued (stable across retries). */
  readonly requestedAt: Date;
  /** Wall-clock time of this attempt (signatures, Alertmanager endsAt). */
  readonly sentAt: Date;
  /** `Shipwatch/<version>`. */
  readonly userAgent: string;
}

export type DeliveryResult =
  | { readonly ok: true; readonly status: number }
  | { readonly ok: false; readonly retryable: boolean; readonly error: string };

export { DELIVERY_TIMEOUT_MS };

/**
 * Agents that connect only to public addresses (request-filtering-agent: an IP literal is checked
 * before connecting, a name on the addresses it resolved to, in the lookup the connection itself
 * uses, so a DNS answer cannot change between check and connect), and agents for the hosts that
 * may be private (SHIPWATCH_OUTBOUND_PRIVATE_HOSTS, configured alert URLs).
 */
const AGENTS = {
  public: {
    http: new RequestFilteringHttpAgent({ allowPrivateIPAddress: false }),
    https: new RequestFilteringHttpsAgent({ allowPrivateIPAddress: false }),
  },
  mayBePrivate: {
    http: new RequestFilteringHttpAgent({ allowPrivateIPAddress: true }),
    https: new RequestFilteringHttpsAgent({ allowPrivateIPAddress: true }),
  },
};

/** Read at most this much of an answer (for the error snippet). */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * POSTs the request with a timeout, to a public address unless `mayBePrivate`. Redirects are not
 * followed (a redirect could lead to a host that is not allowed). Error texts name the host only,
 * never the path or query (secret Slack URLs), and have every known secret scrubbed.
 */
export async function sendOutbound(
  request: OutboundRequest,
  timeoutMs = DELIVERY_TIMEOUT_MS,
  mayBePrivate = false,
): Promise<DeliveryResult> {
  const url = new URL(request.url);
  let response: { status: number; text: string };
  try {
    response = await post(url, request, timeoutMs, mayBePrivate);
  } catch (error) {
    const refused = refusedAddress(error);
    if (refused) {
      return {
        ok: false,
        retryable: false,
        error: `refused: ${url.host} ${refused}; list ${url.host} in SHIPWATCH_OUTBOUND_PRIVATE_HOSTS to allow it`,
      };
    }
    const name = (error as Error).name;
    const reason =
      name === 'TimeoutError' || name === 'AbortError'
        ? `timed out after ${timeoutMs} ms`
        : networkReason(error);
    return {
      ok: false,
      retryable: true,
      error: redact(`${reason} calling ${url.host}`, request.secrets),
    };
  }
  const { status, text } = response;
  if (status >= 200 && status < 300) return { ok: true, status };
  if (status >= 300 && status < 400) {
    return {
      ok: false,
      retryable: false,
      error: `HTTP ${status} from ${url.host}: redirects are not followed`,
    };
  }
  const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return {
    ok: false,
    retryable: isRetryableStatus(status),
    error: redact(`HTTP ${status} from ${url.host}${snippet ? `: ${snippet}` : ''}`, [
      ...request.secrets,
    ]),
  };
}

function post(
  url: URL,
  request: OutboundRequest,
  timeoutMs: number,
  mayBePrivate: boolean,
): Promise<{ status: number; text: string }> {
  const https = url.protocol === 'https:';
  const agents = mayBePrivate ? AGENTS.mayBePrivate : AGENTS.public;
  const body = Buffer.from(request.body, 'utf8');
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(
      url,
      {
        method: 'POST',
        agent: https ? agents.https : agents.http,
        headers: { ...request.headers, 'Content-Length': String(body.length) },
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < MAX_ANSWER_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The address request-filtering-agent refused (`DNS lookup <address>(family:…, host:…) is not
 * allowed. Because, …`), as `is or resolves to <address> (<range>), not a public address`.
 */
function refusedAddress(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : '';
  const address = /^DNS lookup (\S+?)\(family:[^)]*\) is not allowed\./.exec(message)?.[1];
  if (!address) return undefined;
  return `is or resolves to ${address} (${nonPublicRange(address) ?? 'refused'}), not a public address`;
}

function networkReason(error: unknown): string {
  const e = error as { code?: unknown; cause?: { code?: unknown } };
  const code = typeof e.code === 'string' ? e.code : e.cause?.code;
  if (typeof code === 'string') return `network error ${code}`;
  return 'network error';
}

/** Replaces every occurrence of a secret (of 4+ characters) by `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}

export function jsonHeaders(ctx: DeliveryContext): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'User-Agent': ctx.userAgent,
    'Idempotency-Key': ctx.idempotencyKey,
  };
}

/** An alert channel whose URL/key is not configured in this replica: the entry cannot be sent. */
export class ChannelNotConfigured extends Error {
  constructor(readonly variable: string) {
    super(`${variable} is not configured`);
  }
}
