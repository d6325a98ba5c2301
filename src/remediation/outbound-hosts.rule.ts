/**
 * Which hosts remediation may call. Rollback targets come from user-saved policies, so an
 * allowlist keeps Shipwatch from being turned into a request forwarder (SSRF): a target whose
 * host is not allowed is refused when the policy is saved and when the action is enqueued, and is
 * never called. Allowed = SHIPWATCH_OUTBOUND_ALLOWED_HOSTS, SHIPWATCH_OUTBOUND_PRIVATE_HOSTS and
 * the hosts of the alert URLs the operator configured (PAGERDUTY_EVENTS_URL only with a routing
 * key) and of GRAFANA_URL (deployment annotations). An entry is `host` (any port) or `host:port`
 * (that port only).
 *
 * An allowed host must also be public: an address that is private, loopback, link-local or any
 * other special-purpose range (anything ipaddr.js does not call `unicast`) is refused, unless the
 * host is one the operator named for it (SHIPWATCH_OUTBOUND_PRIVATE_HOSTS, or a configured alert
 * URL). An IP literal is checked here; a name is checked on the addresses it resolves to, when the
 * request connects (senders/outbound-request.ts), so no DNS answer can change between the check
 * and the connection.
 */
import ipaddr from 'ipaddr.js';
import type { AppConfig } from '../config/config.schema.js';

export type OutboundHostsConfig = Pick<
  AppConfig,
  | 'outboundAllowedHosts'
  | 'outboundPrivateHosts'
  | 'alertmanagerUrl'
  | 'slackWebhookUrl'
  | 'pagerdutyUrl'
  | 'pagerdutyRoutingKey'
> &
  Partial<Pick<AppConfig, 'grafanaUrl'>>;

export interface OutboundHosts {
  /** Hosts that may be called. */
  readonly allowed: readonly string[];
  /** Of those, the hosts that may be, or resolve to, a non-public address. */
  readonly mayBePrivate: readonly string[];
}

export function allowedOutboundHosts(config: OutboundHostsConfig): OutboundHosts {
  const configured = [
    config.alertmanagerUrl,
    config.slackWebhookUrl,
    config.pagerdutyRoutingKey === undefined ? undefined : config.pagerdutyUrl,
    config.grafanaUrl,
  ]
    .filter((u): u is string => u !== undefined)
    .map((u) => {
      const url = new URL(u);
      return `${url.hostname}:${effectivePort(url)}`;
    });
  const mayBePrivate = unique([...config.outboundPrivateHosts, ...configured]);
  return { allowed: unique([...config.outboundAllowedHosts, ...mayBePrivate]), mayBePrivate };
}

const unique = (hosts: string[]) => [...new Set(hosts.map((h) => h.toLowerCase()))];

/** The host of the response_url of Slack's interactions (https://hooks.slack.com/actions/…). */
export const SLACK_RESPONSE_HOST = 'hooks.slack.com:443';

/**
 * Where the response_url of a Slack interaction may point (it arrives in the request, so it is
 * checked like a rollback target): Slack's hooks host, and the hosts the operator listed in
 * SHIPWATCH_OUTBOUND_ALLOWED_HOSTS and SHIPWATCH_OUTBOUND_PRIVATE_HOSTS; not the configured alert
 * URLs, which are not Slack's.
 */
export function slackResponseHosts(
  config: Pick<OutboundHostsConfig, 'outboundAllowedHosts' | 'outboundPrivateHosts'>,
): OutboundHosts {
  const mayBePrivate = unique(config.outboundPrivateHosts);
  return {
    allowed: unique([SLACK_RESPONSE_HOST, ...config.outboundAllowedHosts, ...mayBePrivate]),
    mayBePrivate,
  };
}

export type HostCheck =
  { ok: true; readonly mayBePrivate: boolean } | { ok: false; readonly reason: string };

/** Whether `rawUrl` is an http(s) URL whose host (and port, when the entry has one) is allowed. */
export function checkOutboundUrl(rawUrl: string, hosts: OutboundHosts): HostCheck {
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
  const listed = (entries: readonly string[]) =>
    entries.some((entry) => {
      const parsed = parseEntry(entry);
      return parsed?.hostname === hostname && (parsed.port === null || parsed.port === port);
    });
  if (!listed(hosts.allowed)) {
    return {
      ok: false,
      reason: `host ${url.host} is not in SHIPWATCH_OUTBOUND_ALLOWED_HOSTS nor a configured alert URL`,
    };
  }
  const mayBePrivate = listed(hosts.mayBePrivate);
  const range = mayBePrivate ? undefined : nonPublicRange(hostname);
  if (range) {
    return {
      ok: false,
      reason: `address ${url.host} is not public (${range}); list ${url.host} in SHIPWATCH_OUTBOUND_PRIVATE_HOSTS to allow it`,
    };
  }
  return { ok: true, mayBePrivate };
}

/**
 * The range (ipaddr.js's name: private, loopback, linkLocal, uniqueLocal, ...) of an IP literal
 * that is not a public unicast address, IPv4-mapped IPv6 addresses by their IPv4 address;
 * undefined for a public address or a name.
 */
export function nonPublicRange(hostname: string): string | undefined {
  const bare = hostname.replace(/^\[(.*)\]$/, '$1');
  if (!ipaddr.isValid(bare)) return undefined;
  const range = ipaddr.process(bare).range();
  return range === 'unicast' ? undefined : range;
}

function effectivePort(url: URL): string {
  if (url.port !== '') return url.port;
  return url.protocol === 'https:' ? '443' : '80';
}

const ENTRY = /^(\[[0-9a-f:.]+\]|[^:[\]/\s]+)(?::(\d{1,5}))?$/i;

/** An entry's host as URLs write it (`[::ffff:127.0.0.1]` is `[::ffff:7f00:1]`), and its port. */
function parseEntry(entry: string): { hostname: string; port: string | null } | null {
  const m = ENTRY.exec(entry.trim());
  if (!m) return null;
  try {
    return { hostname: new URL(`http://${m[1]}`).hostname.toLowerCase(), port: m[2] ?? null };
  } catch {
    return null;
  }
}
