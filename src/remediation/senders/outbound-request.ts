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

export const DELIVERY_TIMEOUT_MS = 10_000;

/**
 * POSTs the request with a timeout. Redirects are not followed (a redirect could lead to a host
 * that is not allowed). Error texts name the host only, never the path or query (secret Slack
 * URLs), and have every known secret scrubbed.
 */
export async function sendOutbound(
  request: OutboundRequest,
  timeoutMs = DELIVERY_TIMEOUT_MS,
): Promise<DeliveryResult> {
  const host = new URL(request.url).host;
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const name = (error as Error).name;
    const reason =
      name === 'TimeoutError' || name === 'AbortError'
        ? `timed out after ${timeoutMs} ms`
        : networkReason(error);
    return {
      ok: false,
      retryable: true,
      error: redact(`${reason} calling ${host}`, request.secrets),
    };
  }
  const text = await response.text().catch(() => '');
  if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
  if (response.status >= 300 && response.status < 400) {
    return {
      ok: false,
      retryable: false,
      error: `HTTP ${response.status} from ${host}: redirects are not followed`,
    };
  }
  const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return {
    ok: false,
    retryable: isRetryableStatus(response.status),
    error: redact(`HTTP ${response.status} from ${host}${snippet ? `: ${snippet}` : ''}`, [
      ...request.secrets,
    ]),
  };
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (cause && typeof cause.code === 'string') return `network error ${cause.code}`;
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
