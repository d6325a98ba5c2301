import { createHmac, timingSafeEqual } from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';

/**
 * Webhook authenticity checks, pure and constant-time. Each returns null when the delivery is
 * authentic, else the reason it is not (sent back to the caller in the 401 body: the reasons
 * say what is wrong, never what the secret is).
 */

/** Constant-time string equality; the lengths are compared through fixed-size digests. */
export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const da = createHmac('sha256', 'shipwatch-compare').update(a).digest();
  const db = createHmac('sha256', 'shipwatch-compare').update(b).digest();
  return timingSafeEqual(da, db);
}

/** Whether `hex` is the HMAC of `body` with `secret` (constant time; lengths checked by the callers). */
function hmacHexMatches(algorithm: string, secret: string, body: Buffer, hex: string): boolean {
  return timingSafeEqual(
    createHmac(algorithm, secret).update(body).digest(),
    Buffer.from(hex, 'hex'),
  );
}

/** GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>`. */
export function verifyGithubSignature(
  secret: string,
  rawBody: Buffer,
  header: string | undefined,
): string | null {
  if (!header) return 'the X-Hub-Signature-256 header is missing (set a secret on the webhook)';
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!match) return 'the X-Hub-Signature-256 header is not "sha256=<64 hex digits>"';
  return hmacHexMatches('sha256', secret, rawBody, match[1])
    ? null
    : 'the X-Hub-Signature-256 signature does not match the body and the configured secret';
}

export function githubSignature(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** How far a Standard Webhooks timestamp may be from our clock (the spec's suggestion). */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

/**
 * The signature of a message under the Standard Webhooks scheme, computed by the scheme's own
 * reference library (`standardwebhooks`: the secret `whsec_<base64>` decoded, HMAC-SHA256 of
 * `<id>.<timestamp>.<body>`, `v1,<base64>`). Throws on a secret that is not base64.
 */
export function standardWebhooksSignature(
  secret: string,
  id: string,
  timestamp: string,
  body: Buffer | string,
): string {
  return new StandardWebhook(secret).sign(id, new Date(Number(timestamp) * 1000), body);
}

/**
 * Standard Webhooks (GitLab signing tokens, incident.io): `webhook-signature` holds space-separated
 * `v1,<base64 HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")>` entries; one match
 * is enough. The timestamp (Unix seconds) must be within the tolerance of `now`, so that a
 * captured request cannot be replayed later.
 */
export function verifyStandardWebhook(
  secret: string,
  rawBody: Buffer,
  headers: { id?: string; timestamp?: string; signature?: string },
  now: Date,
): string | null {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) {
    return 'webhook-id, webhook-timestamp and webhook-signature must all be present';
  }
  if (!/^\d{1,12}$/.test(timestamp)) return 'webhook-timestamp is not Unix seconds';
  const skew = Math.abs(now.getTime() / 1000 - Number(timestamp));
  if (skew > SIGNATURE_TOLERANCE_SECONDS) {
    return `webhook-timestamp is ${Math.round(skew)} s away from the server clock (more than ${SIGNATURE_TOLERANCE_SECONDS} s)`;
  }
  let signed: string;
  try {
    signed = standardWebhooksSignature(secret, id, timestamp, rawBody);
  } catch {
    return 'the configured signing secret is not a Standard Webhooks secret (whsec_<base64>)';
  }
  const expected = Buffer.from(signed.slice(3), 'base64');
  let matched = false;
  for (const entry of signature.split(' ')) {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || !value) continue;
    const given = Buffer.from(value, 'base64');
    // evaluate every entry: no early exit that would tell which one matched
    if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true;
  }
  return matched
    ? null
    : 'webhook-signature does not match the body and the configured signing token';
}

/**
 * PagerDuty V3 webhooks: `X-PagerDuty-Signature` holds comma-separated `v1=<hex HMAC-SHA256(
 * secret, raw body)>` entries (several while PagerDuty rotates the secret); one match is enough.
 */
export function verifyPagerdutySignature(
  secret: string,
  rawBody: Buffer,
  header: string | undefined,
): string | null {
  if (!header) return 'the X-PagerDuty-Signature header is missing';
  let matched = false;
  let wellFormed = 0;
  for (const entry of header.split(',')) {
    const m = /^v1=([0-9a-fA-F]{64})$/.exec(entry.trim());
    if (!m) continue;
    wellFormed += 1;
    // evaluate every entry: no early exit that would tell which one matched
    if (hmacHexMatches('sha256', secret, rawBody, m[1])) matched = true;
  }
  if (wellFormed === 0) return 'the X-PagerDuty-Signature header has no "v1=<64 hex digits>" entry';
  return matched
    ? null
    : 'the X-PagerDuty-Signature does not match the body and PAGERDUTY_WEBHOOK_SECRET';
}

/** Hex digest lengths of the hash functions Flux's generic-hmac provider documents. */
const FLUX_HASHES: Readonly<Record<string, number>> = {
  sha224: 56,
  sha256: 64,
  sha384: 96,
  sha512: 128,
};

/**
 * Flux notification-controller's `generic-hmac` provider: `X-Signature: <hash>=<hex HMAC(token,
 * raw body)>`, the hash `sha256` today and, as Flux documents, possibly sha224, sha384 or sha512.
 */
export function verifyFluxSignature(
  secret: string,
  rawBody: Buffer,
  header: string | undefined,
): string | null {
  if (!header)
    return 'the X-Signature header is missing (use a Flux Provider of type generic-hmac)';
  const match = /^(sha224|sha256|sha384|sha512)=([0-9a-fA-F]+)$/.exec(header.trim());
  if (!match || match[2].length !== FLUX_HASHES[match[1]]) {
    return 'the X-Signature header is not "<sha224|sha256|sha384|sha512>=<hex HMAC>"';
  }
  return hmacHexMatches(match[1], secret, rawBody, match[2])
    ? null
    : 'the X-Signature does not match the body and FLUX_WEBHOOK_SECRET';
}

/**
 * Slack request signing (docs.slack.dev/authentication/verifying-requests-from-slack):
 * `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:<timestamp>:<raw body>")>`, the
 * timestamp (`X-Slack-Request-Timestamp`, Unix seconds) within five minutes of `now`.
 */
export function verifySlackSignature(
  secret: string,
  rawBody: Buffer,
  headers: { timestamp?: string; signature?: string },
  now: Date,
): string | null {
  const { timestamp, signature } = headers;
  if (!timestamp || !signature)
    return 'X-Slack-Request-Timestamp and X-Slack-Signature must both be present';
  if (!/^\d{1,12}$/.test(timestamp)) return 'X-Slack-Request-Timestamp is not Unix seconds';
  const skew = Math.abs(now.getTime() / 1000 - Number(timestamp));
  if (skew > SIGNATURE_TOLERANCE_SECONDS) {
    return `X-Slack-Request-Timestamp is ${Math.round(skew)} s away from the server clock (more than ${SIGNATURE_TOLERANCE_SECONDS} s)`;
  }
  const match = /^v0=([0-9a-fA-F]{64})$/.exec(signature.trim());
  if (!match) return 'X-Slack-Signature is not "v0=<64 hex digits>"';
  const signed = Buffer.concat([Buffer.from(`v0:${timestamp}:`), rawBody]);
  return hmacHexMatches('sha256', secret, signed, match[1])
    ? null
    : 'X-Slack-Signature does not match the body and SLACK_SIGNING_SECRET';
}

export function slackSignature(secret: string, timestamp: string, body: Buffer | string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`;
}
