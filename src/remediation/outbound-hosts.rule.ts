/**
 * Which hosts remediation may call. Rollback targets come from user-saved policies, so an
 * allowlist keeps Shipwatch from being turned into a request forwarder (SSRF): a target whose
 * host is not allowed is refused when the policy is saved and when the action is enqueued, and is
 * never called. Allowed = SHIPWATCH_OUTBOUND_ALLOWED_HOSTS plus the hosts of the alert URLs the
 * operator configured. An entry is `host` (any port) or `host:port` (that port only).
 */
import type { AppConfig } from '../config/config.schema.js';

export type OutboundHostsConfig = Pick<
  AppConfig,
  'outboundAllowedHosts' | 'alertmanagerUrl' | 'slackWebhookUrl' | 'pagerdutyUrl'
>;

export function allowedOutboundHosts(config: OutboundHostsConfig): string[] {
  const fromUrls = [config.alertmanagerUrl, config.slackWebhookUrl, config.pagerdutyUrl]
    .filter((u): u is string => u !== undefined)
    .map((u) => {
      const url = new URL(u);
      return `${url.hostname}:${effectivePort(url)}`;
    });
  return [...new Set([...config.outboundAllowedHosts, ...fromUrls].map((h) => h.toLowerCase()))];
}

export type HostCheck = { ok: true } | { ok: false; reason: string };

/** Whether `rawUrl` is an http(s) URL whose host (and port, when the entry has one) is allowed. */
export function checkOutboundUrl(rawUrl: string, allowed: readonly string[]): HostCheck {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { ok: false, reason: 'is not a valid URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, reason: `uses ${url.protocol} (only http and https are allowed)` };
  }
  if (url.username !== '' || url.password !== '') {
    return { ok: false, reason: 'must not carry credentials in the URL' };
  }
  const hostname = url.hostname.toLowerCase();
  const port = effectivePort(url);
  for (const entry of allowed) {
    const parsed = parseEntry(entry);
    if (parsed && parsed.hostname === hostname && (parsed.port === null || parsed.port === port)) {
      return { ok: true };
    }
  }
  return {
    ok: false,
    reason: `host ${url.host} is not in SHIPWATCH_OUTBOUND_ALLOWED_HOSTS nor a configured alert URL`,
  };
}

function effectivePort(url: URL): string {
  if (url.port !== '') return url.port;
  return url.protocol === 'https:' ? '443' : '80';
}

const ENTRY = /^(\[[0-9a-f:.]+\]|[^:[\]/\s]+)(?::(\d{1,5}))?$/i;

function parseEntry(entry: string): { hostname: string; port: string | null } | null {
  const m = ENTRY.exec(entry.trim());
  if (!m) return null;
  return { hostname: m[1].toLowerCase(), port: m[2] ?? null };
}
