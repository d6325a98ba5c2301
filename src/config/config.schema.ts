import { isIP } from 'node:net';
import { readFileSync } from 'node:fs';
import { ENVIRONMENT_TIERS } from '../ingestion/domain-events.js';

/** How long one outbound delivery (a rollback, an alert, a reply) may take. */
export const DELIVERY_TIMEOUT_MS = 10_000;

/**
 * The one place that reads the environment. Each variable is declared once with its parser,
 * default and description; `loadConfig` validates all of them and reports every problem at once.
 * The README's configuration table is checked against this list by a test.
 */

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Parser<T> = (raw: string) => T;

interface VariableSpec<T> {
  readonly name: string;
  readonly description: string;
  /** What a valid value looks like, quoted in the error message. */
  readonly expected: string;
  readonly parse: Parser<T>;
  readonly defaultValue?: T;
  /** How the default is shown in docs when it is not a plain value. */
  readonly defaultLabel?: string;
  /** Holds secrets: never echoed in an error. */
  readonly sensitive?: boolean;
}

function variable<T>(spec: VariableSpec<T>): VariableSpec<T> {
  return spec;
}

class InvalidValue extends Error {}

function isAddressOrCidr(raw: string): boolean {
  const [address, bits, ...rest] = raw.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128));
}

const parsers = {
  port: (raw: string): number => {
    if (!/^\d+$/.test(raw)) throw new InvalidValue();
    const n = Number(raw);
    if (n < 0 || n > 65535) throw new InvalidValue();
    return n;
  },
  positiveInt: (raw: string): number => {
    if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new InvalidValue();
    return Number(raw);
  },
  positiveNumber: (raw: string): number => {
    if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) <= 0) throw new InvalidValue();
    return Number(raw);
  },
  nonNegativeInt: (raw: string): number => {
    if (!/^\d+$/.test(raw)) throw new InvalidValue();
    return Number(raw);
  },
  string: (raw: string): string => {
    if (raw.trim() === '') throw new InvalidValue();
    return raw;
  },
  secret: (raw: string): string => {
    if (raw.length < 8) throw new InvalidValue();
    return raw;
  },
  url:
    (protocols: string[]) =>
    (raw: string): string => {
      let parsed: URL;
      try {
        parsed = new URL(raw);
      } catch {
        throw new InvalidValue();
      }
      if (!protocols.includes(parsed.protocol)) throw new InvalidValue();
      return raw.replace(/\/+$/, '');
    },
  oneOf:
    <T extends string>(values: readonly T[]) =>
    (raw: string): T => {
      if (!(values as readonly string[]).includes(raw)) throw new InvalidValue();
      return raw as T;
    },
  trustProxy: (raw: string): boolean | number | string[] => {
    if (raw === 'off' || raw === 'false') return false;
    if (raw === 'on' || raw === 'true') return true;
    if (/^\d+$/.test(raw)) return Number(raw);
    const list = parsers.list(raw);
    const named = new Set(['loopback', 'uniquelocal', 'linklocal']);
    if (list.length === 0 || !list.every((s) => named.has(s) || isAddressOrCidr(s)))
      throw new InvalidValue();
    return list;
  },
  list: (raw: string): string[] =>
    raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  privateKey: (raw: string): string => {
    const pem = raw.includes('\\n') ? raw.replaceAll('\\n', '\n') : raw;
    if (!/^-----BEGIN (RSA )?PRIVATE KEY-----/.test(pem.trim())) throw new InvalidValue();
    return pem;
  },
  privateKeyFile: (raw: string): string => {
    let pem: string;
    try {
      pem = readFileSync(raw, 'utf8');
    } catch {
      throw new InvalidValue();
    }
    return parsers.privateKey(pem);
  },
  host: (raw: string): string => {
    const host = raw.trim().toLowerCase();
    if (!/^[a-z0-9.-]+(:\d{1,5})?$/.test(host)) throw new InvalidValue();
    return host;
  },
  /** `{"<host>": "<secret>", ...}`: one webhook secret per Git host, each at least 8 characters. */
  hostSecrets: (raw: string): Readonly<Record<string, string>> => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new InvalidValue();
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new InvalidValue();
    }
    const out: Record<string, string> = {};
    for (const [host, secret] of Object.entries(parsed)) {
      if (typeof secret !== 'string' || secret.length < 8) throw new InvalidValue();
      out[parsers.host(host)] = secret;
    }
    return out;
  },
};

const HTTP = ['http:', 'https:'];
export const PUBLISH_TARGETS = ['pagerduty', 'grafana', 'slack'] as const;
export type PublishTarget = (typeof PUBLISH_TARGETS)[number];

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const CONFIG_VARIABLES = {
  port: variable({
    name: 'PORT',
    description: 'HTTP port to listen on',
    expected: 'an integer from 0 to 65535',
    parse: parsers.port,
    defaultValue: 4000,
  }),
  host: variable({
    name: 'HOST',
    description: 'Interface to bind',
    expected: 'a host name or IP address',
    parse: parsers.string,
    defaultValue: '0.0.0.0',
  }),
  databaseUrl: variable<string | undefined>({
    name: 'DATABASE_URL',
    description:
      'PostgreSQL connection URL; unset = embedded PostgreSQL (PGlite) under SHIPWATCH_DATA_DIR',
    expected: 'a postgres:// or postgresql:// URL',
    parse: parsers.url(['postgres:', 'postgresql:']),
    defaultLabel: '(embedded)',
  }),
  databasePoolSize: variable({
    name: 'DATABASE_POOL_SIZE',
    description: 'Connections in the PostgreSQL pool (the embedded database always uses one)',
    expected: 'a positive integer',
    parse: parsers.positiveInt,
    defaultValue: 10,
  }),
  databaseSlowQueryMs: variable({
    name: 'DATABASE_SLOW_QUERY_MS',
    description:
      'A query that takes longer is logged as a warning with the start of its SQL (0 = never)',
    expected: 'a whole number of milliseconds',
    parse: parsers.nonNegativeInt,
    defaultValue: 1000,
  }),
  dataDir: variable({
    name: 'SHIPWATCH_DATA_DIR',
    description: 'Directory of the embedded database (`memory://` keeps it in memory)',
    expected: 'a directory path or memory://',
    parse: parsers.string,
    defaultValue: './data',
  }),
  bootstrapToken: variable<string | undefined>({
    name: 'SHIPWATCH_BOOTSTRAP_TOKEN',
    description: 'Accepted as an admin API token (how a fresh install creates its first tokens)',
    expected: 'at least 8 characters',
    parse: parsers.secret,
  }),
  publicUrl: variable({
    name: 'SHIPWATCH_PUBLIC_URL',
    description: 'Base URL under which users reach Shipwatch (links in alerts)',
    expected: 'an http(s) URL',
    parse: parsers.url(HTTP),
    defaultLabel: 'http://localhost:PORT',
  }),
  logLevel: variable<LogLevel>({
    name: 'LOG_LEVEL',
    description: 'Lowest level written to the JSON log',
    expected: LOG_LEVELS.join(' | '),
    parse: parsers.oneOf(LOG_LEVELS),
    defaultValue: 'info',
  }),
  bodyLimitBytes: variable({
    name: 'SHIPWATCH_BODY_LIMIT_BYTES',
    description: 'Largest accepted request body (GraphQL and webhooks)',
    expected: 'a positive integer (bytes)',
    parse: parsers.positiveInt,
    defaultValue: 5 * 1024 * 1024,
  }),
  jsonMaxDepth: variable({
    name: 'SHIPWATCH_JSON_MAX_DEPTH',
    description:
      'Deepest nesting of objects and arrays accepted in a webhook body or stored as a raw payload; deeper: HTTP 400 PAYLOAD_TOO_DEEP, nothing stored',
    expected: 'a positive integer',
    parse: parsers.positiveInt,
    defaultValue: 64,
  }),
  rateLimitPerSecond: variable({
    name: 'SHIPWATCH_RATE_LIMIT_RPS',
    description:
      'Requests per second allowed per API token (sustained); over it: HTTP 429 with Retry-After',
    expected: 'a positive integer',
    parse: parsers.positiveInt,
    defaultValue: 500,
  }),
  rateLimitBurst: variable({
    name: 'SHIPWATCH_RATE_LIMIT_BURST',
    description: 'Requests an API token may send at once before the per-second rate applies',
    expected: 'a positive integer',
    parse: parsers.positiveInt,
    defaultValue: 5000,
  }),
  anonymousRateLimitPerSecond: variable({
    name: 'SHIPWATCH_ANONYMOUS_RATE_LIMIT_RPS',
    description:
      'Requests per second allowed per client address without a valid API token (GraphQL, /cloudevents); over it: HTTP 429 with Retry-After',
    expected: 'a positive number, e.g. 20 or 0.5',
    parse: parsers.positiveNumber,
    defaultValue: 20,
  }),
  anonymousRateLimitBurst: variable({
    name: 'SHIPWATCH_ANONYMOUS_RATE_LIMIT_BURST',
    description:
      'Requests a client address without a valid API token may send at once before the per-second rate applies',
    expected: 'a positive integer',
    parse: parsers.positiveInt,
    defaultValue: 100,
  }),
  trustProxy: variable<boolean | number | string[]>({
    name: 'SHIPWATCH_TRUST_PROXY',
    description:
      'Which proxies may set X-Forwarded-For, i.e. how the client address of rate limits is found: off (the TCP peer), a hop count, or comma-separated addresses/CIDRs (loopback, uniquelocal and linklocal are allowed names)',
    expected: 'off, a number of hops, or a comma-separated list of addresses/CIDRs',
    parse: parsers.trustProxy,
    defaultValue: false,
    defaultLabel: 'off',
  }),
  graphqlMaxTokens: variable({
    name: 'SHIPWATCH_GRAPHQL_MAX_TOKENS',
    description:
      'Most lexical tokens in a GraphQL document of a request with an API token; parsing stops past it (anonymous requests: 200)',
    expected: 'a positive integer',
    parse: parsers.positiveInt,
    defaultValue: 5000,
  }),
  graphqlMaxDepth: variable({
    name: 'SHIPWATCH_GRAPHQL_MAX_DEPTH',
    description:
      "Deepest field nesting in a GraphQL operation, fragments followed (GraphiQL's introspection needs 15)",
    expected: 'a positive integer',
    parse: parsers.positiveInt,
    defaultValue: 15,
  }),
  graphqlMaxAliases: variable({
    name: 'SHIPWATCH_GRAPHQL_MAX_ALIASES',
    description: 'Most aliases in a GraphQL operation, fragments followed',
    expected: 'a positive integer',
    parse: parsers.positiveInt,
    defaultValue: 30,
  }),
  graphqlMaxDirectives: variable({
    name: 'SHIPWATCH_GRAPHQL_MAX_DIRECTIVES',
    description: 'Most directives in a GraphQL operation, fragments followed',
    expected: 'a positive integer',
    parse: parsers.positiveInt,
    defaultValue: 50,
  }),
  graphqlMaxCost: variable({
    name: 'SHIPWATCH_GRAPHQL_MAX_COST',
    description:
      'Highest estimated cost of a GraphQL operation: each field counts once per time it is reached through fragments, and list fields count their `first` (or bucket count) times their items',
    expected: 'a positive integer',
    parse: parsers.positiveInt,
    defaultValue: 5000,
  }),
  graphqlIntrospection: variable({
    name: 'SHIPWATCH_GRAPHQL_INTROSPECTION',
    description:
      'Serve schema introspection and the GraphiQL page at GET /graphql (off in production if the schema should not be browsable)',
    expected: 'on | off',
    parse: (raw: string) => parsers.oneOf(['on', 'off'] as const)(raw) === 'on',
    defaultValue: true,
    defaultLabel: 'on',
  }),
  maxConnections: variable({
    name: 'SHIPWATCH_MAX_CONNECTIONS',
    description:
      'Most open HTTP connections; past it new connections are closed at once (keeps file descriptors for the database)',
    expected: 'a positive integer',
    parse: parsers.positiveInt,
    defaultValue: 1000,
  }),
  headersTimeoutMs: variable({
    name: 'SHIPWATCH_HEADERS_TIMEOUT_MS',
    description: 'Time a client has to send the request headers before the connection is closed',
    expected: 'a positive integer (milliseconds)',
    parse: parsers.positiveInt,
    defaultValue: 10_000,
  }),
  requestTimeoutMs: variable({
    name: 'SHIPWATCH_REQUEST_TIMEOUT_MS',
    description:
      'Time a client has to send a whole request (headers and body) before it is answered 408',
    expected: 'a positive integer (milliseconds)',
    parse: parsers.positiveInt,
    defaultValue: 60_000,
  }),
  prometheusUrl: variable<string | undefined>({
    name: 'PROMETHEUS_URL',
    description: 'Prometheus HTTP API used for release verification',
    expected: 'an http(s) URL',
    parse: parsers.url(HTTP),
  }),
  alertmanagerUrl: variable<string | undefined>({
    name: 'ALERTMANAGER_URL',
    description: 'Alertmanager that receives release alerts (API v2)',
    expected: 'an http(s) URL',
    parse: parsers.url(HTTP),
  }),
  slackWebhookUrl: variable<string | undefined>({
    name: 'SLACK_WEBHOOK_URL',
    description: 'Slack incoming webhook for release alerts',
    expected: 'an http(s) URL',
    parse: parsers.url(HTTP),
  }),
  pagerdutyRoutingKey: variable<string | undefined>({
    name: 'PAGERDUTY_ROUTING_KEY',
    description: 'PagerDuty Events v2 routing key for release alerts',
    expected: 'a non-empty string',
    parse: parsers.string,
  }),
  pagerdutyUrl: variable({
    name: 'PAGERDUTY_EVENTS_URL',
    description: 'PagerDuty Events v2 endpoint',
    expected: 'an http(s) URL',
    parse: parsers.url(HTTP),
    defaultValue: 'https://events.pagerduty.com/v2/enqueue',
  }),
  publishDeploymentsTo: variable<PublishTarget[]>({
    name: 'PUBLISH_DEPLOYMENTS_TO',
    description:
      'Tools a succeeding deployment of PUBLISH_DEPLOYMENTS_ENVIRONMENTS is published to, comma-separated: `pagerduty` (change event), `grafana` (annotation), `slack` (message); each needs its settings; unset = none',
    expected: `a comma-separated list of ${PUBLISH_TARGETS.join(', ')}`,
    parse: (raw: string) => {
      const list = parsers.list(raw);
      if (list.length === 0) throw new InvalidValue();
      return [...new Set(list.map((t) => parsers.oneOf(PUBLISH_TARGETS)(t.toLowerCase())))];
    },
    defaultValue: [],
  }),
  publishDeploymentsEnvironments: variable<string[]>({
    name: 'PUBLISH_DEPLOYMENTS_ENVIRONMENTS',
    description:
      'Which deployments PUBLISH_DEPLOYMENTS_TO publishes: comma-separated environment names and `tier:<tier>` entries (production, staging, testing, development)',
    expected: 'a comma-separated list of environment names and tier:<tier> entries',
    parse: (raw: string) => {
      const list = parsers.list(raw);
      const known = (e: string) =>
        !e.startsWith('tier:') || (ENVIRONMENT_TIERS as readonly string[]).includes(e.slice(5));
      if (list.length === 0 || !list.every(known)) throw new InvalidValue();
      return list;
    },
    defaultValue: ['tier:production'],
    defaultLabel: 'tier:production',
  }),
  grafanaUrl: variable<string | undefined>({
    name: 'GRAFANA_URL',
    description:
      'Grafana (its root URL, with its sub-path if it has one) that receives deployment annotations (`POST /api/annotations`)',
    expected: 'an http(s) URL',
    parse: parsers.url(HTTP),
  }),
  grafanaApiToken: variable<string | undefined>({
    name: 'GRAFANA_API_TOKEN',
    description:
      'Service account token (Bearer) with the annotations:create permission, for deployment annotations',
    expected: 'at least 8 characters',
    parse: parsers.secret,
  }),
  outboundAllowedHosts: variable<string[]>({
    name: 'SHIPWATCH_OUTBOUND_ALLOWED_HOSTS',
    description:
      'Comma-separated hosts (host or host:port) rollback targets may call, besides the hosts of ALERTMANAGER_URL, SLACK_WEBHOOK_URL, GRAFANA_URL and (with PAGERDUTY_ROUTING_KEY) PAGERDUTY_EVENTS_URL; each must be public. Slack response_urls may point to hooks.slack.com and to these hosts',
    expected: 'a comma-separated list of hosts',
    parse: parsers.list,
    defaultValue: [],
  }),
  outboundPrivateHosts: variable<string[]>({
    name: 'SHIPWATCH_OUTBOUND_PRIVATE_HOSTS',
    description:
      'Comma-separated hosts (host or host:port) that may be called although they are, or resolve to, a private, loopback or link-local address (e.g. an in-cluster rollback receiver)',
    expected: 'a comma-separated list of hosts',
    parse: parsers.list,
    defaultValue: [],
  }),
  githubWebhookSecret: variable<string | undefined>({
    name: 'GITHUB_WEBHOOK_SECRET',
    description:
      'Secret of the GitHub webhook (X-Hub-Signature-256); unset = /webhooks/github refuses every delivery',
    expected: 'at least 8 characters',
    parse: parsers.secret,
  }),
  githubWebhookHost: variable({
    name: 'GITHUB_WEBHOOK_HOST',
    description:
      'The GitHub host whose deliveries GITHUB_WEBHOOK_SECRET signs; it names their source (`github` for github.com, else `github:<host>`)',
    expected: 'a host name',
    parse: parsers.host,
    defaultValue: 'github.com',
  }),
  githubWebhookSecrets: variable<Readonly<Record<string, string>>>({
    name: 'GITHUB_WEBHOOK_SECRETS',
    description:
      'More GitHub hosts (GitHub Enterprise Server), one secret each, as JSON `{"ghe.example.com": "<secret>"}`; the secret that verifies a delivery names its source',
    expected: 'a JSON object of host to secret (at least 8 characters each)',
    parse: parsers.hostSecrets,
    defaultValue: {},
    defaultLabel: '(none)',
    sensitive: true,
  }),
  githubAppId: variable<number | undefined>({
    name: 'GITHUB_APP_ID',
    description:
      'ID of the GitHub App that answers deployment protection rules (docs/gate.md); unset = they are stored and not answered',
    expected: 'a positive integer',
    parse: parsers.positiveInt,
  }),
  githubAppPrivateKey: variable<string | undefined>({
    name: 'GITHUB_APP_PRIVATE_KEY',
    description:
      "The GitHub App's private key (PEM; `\\n` escapes allowed), which signs its JWTs; or GITHUB_APP_PRIVATE_KEY_FILE",
    expected: 'a PEM private key',
    parse: parsers.privateKey,
    sensitive: true,
  }),
  githubAppPrivateKeyFile: variable<string | undefined>({
    name: 'GITHUB_APP_PRIVATE_KEY_FILE',
    description: "A file holding the GitHub App's private key (PEM), read at startup",
    expected: 'a readable file holding a PEM private key',
    parse: parsers.privateKeyFile,
  }),
  githubApiUrl: variable({
    name: 'GITHUB_API_URL',
    description:
      'The GitHub API the App calls (GitHub Enterprise Server: `https://<host>/api/v3`); protection rule callbacks elsewhere are refused',
    expected: 'an http(s) URL',
    parse: parsers.url(['http:', 'https:']),
    defaultValue: 'https://api.github.com',
  }),
  githubGateIncomplete: variable<'rejected' | 'approved'>({
    name: 'GITHUB_GATE_INCOMPLETE',
    description:
      'The answer to a protection rule when the gate could not make every check and does not deny: `rejected` or `approved`',
    expected: 'rejected or approved',
    parse: parsers.oneOf(['rejected', 'approved'] as const),
    defaultValue: 'rejected',
  }),
  gitlabWebhookToken: variable<string | undefined>({
    name: 'GITLAB_WEBHOOK_TOKEN',
    description:
      'Secret token of the GitLab webhook (X-Gitlab-Token, or the signing token); unset = /webhooks/gitlab refuses every delivery',
    expected: 'at least 8 characters',
    parse: parsers.secret,
  }),
  gitlabWebhookHost: variable({
    name: 'GITLAB_WEBHOOK_HOST',
    description:
      'The GitLab host whose deliveries GITLAB_WEBHOOK_TOKEN authenticates; it names their source (`gitlab` for gitlab.com, else `gitlab:<host>`)',
    expected: 'a host name',
    parse: parsers.host,
    defaultValue: 'gitlab.com',
  }),
  gitlabWebhookTokens: variable<Readonly<Record<string, string>>>({
    name: 'GITLAB_WEBHOOK_TOKENS',
    description:
      'More GitLab hosts (self-managed instances), one token each, as JSON `{"gitlab.example.com": "<token>"}`; the token that authenticates a delivery names its source',
    expected: 'a JSON object of host to token (at least 8 characters each)',
    parse: parsers.hostSecrets,
    defaultValue: {},
    defaultLabel: '(none)',
    sensitive: true,
  }),
  slackSigningSecret: variable<string | undefined>({
    name: 'SLACK_SIGNING_SECRET',
    description:
      'Signing secret of the Slack app whose buttons (Approve rollback, Mark healthy) post to /webhooks/slack/interactions and whose slash command posts to /webhooks/slack/commands; unset = both refuse every request',
    expected: 'at least 8 characters',
    parse: parsers.secret,
  }),
  slackAllowedTeamIds: variable<string[]>({
    name: 'SLACK_ALLOWED_TEAM_IDS',
    description:
      'Comma-separated Slack workspace (team) ids whose users may use the Slack buttons and slash command (e.g. `T0001`); unset = any workspace the Slack app is installed in',
    expected: 'a comma-separated list of Slack team ids',
    parse: parsers.list,
    defaultValue: [],
    defaultLabel: '(any)',
  }),
  slackAllowedUserIds: variable<string[]>({
    name: 'SLACK_ALLOWED_USER_IDS',
    description:
      'Comma-separated Slack user ids who may use the Slack buttons and slash command (e.g. `U2147483697`); unset = every user of an allowed workspace',
    expected: 'a comma-separated list of Slack user ids',
    parse: parsers.list,
    defaultValue: [],
    defaultLabel: '(any)',
  }),
  pagerdutyWebhookSecret: variable<string | undefined>({
    name: 'PAGERDUTY_WEBHOOK_SECRET',
    description:
      'Secret of the PagerDuty V3 webhook subscription (X-PagerDuty-Signature); unset = /webhooks/pagerduty refuses every delivery',
    expected: 'at least 8 characters',
    parse: parsers.secret,
  }),
  incidentIoWebhookSecret: variable<string | undefined>({
    name: 'INCIDENT_IO_WEBHOOK_SECRET',
    description:
      'Signing secret (`whsec_...`) of the incident.io webhook endpoint (webhook-signature); unset = /webhooks/incident-io refuses every delivery',
    expected: 'at least 8 characters',
    parse: parsers.secret,
  }),
  fluxWebhookSecret: variable<string | undefined>({
    name: 'FLUX_WEBHOOK_SECRET',
    description:
      'The `token` of the Flux generic-hmac Provider secret (X-Signature); unset = /webhooks/flux refuses every delivery',
    expected: 'at least 8 characters',
    parse: parsers.secret,
  }),
  cloudeventsToken: variable<string | undefined>({
    name: 'CLOUDEVENTS_TOKEN',
    description: 'Bearer token accepted on /cloudevents besides API tokens with the ingest scope',
    expected: 'at least 8 characters',
    parse: parsers.secret,
  }),
  verificationMaxRunningPerReplica: variable({
    name: 'VERIFICATION_MAX_RUNNING_PER_REPLICA',
    description:
      'Release verifications one replica claims and ticks at a time (one scheduler pass), taken round-robin across submitters and services',
    expected: 'a whole number ≥ 1',
    parse: parsers.positiveInt,
    defaultValue: 10,
  }),
  verificationMaxRunningPerSubmitter: variable({
    name: 'VERIFICATION_MAX_RUNNING_PER_SUBMITTER',
    description:
      'Release verifications of one submitter (an API token; a webhook source) being ticked at once across all replicas',
    expected: 'a whole number ≥ 1',
    parse: parsers.positiveInt,
    defaultValue: 5,
  }),
  verificationLeaseSeconds: variable({
    name: 'VERIFICATION_LEASE_SECONDS',
    description:
      'How long a claimed verification tick stays reserved for its replica; after it, another replica may run the tick',
    expected: 'a whole number of seconds ≥ 1',
    parse: parsers.positiveInt,
    defaultValue: 60,
  }),
  outboxLeaseSeconds: variable({
    name: 'OUTBOX_LEASE_SECONDS',
    description:
      'How long the outbox entries (rollbacks, alerts) a replica claimed stay reserved for it; after it, another replica sends those a dead replica left. Above the 10 s delivery timeout',
    expected: 'a whole number of seconds > 10',
    parse: parsers.positiveInt,
    defaultValue: 30,
  }),
  metricsMaxServices: variable({
    name: 'SHIPWATCH_METRICS_MAX_SERVICES',
    description:
      'Services with series of their own on /metrics, the most active first (deployments in the last 30 days); the rest share `service="other"`',
    expected: 'a positive integer',
    parse: parsers.positiveInt,
    defaultValue: 200,
  }),
  autoLockOnFailed: variable({
    name: 'SHIPWATCH_AUTO_LOCK_ON_FAILED',
    description:
      'While the incident a FAILED verdict opened is unresolved, the gate denies every deployment to its environment (AUTO_LOCKED), not only to its service (docs/gate.md)',
    expected: 'true | false',
    parse: (raw: string) => parsers.oneOf(['true', 'false'] as const)(raw) === 'true',
    defaultValue: false,
    defaultLabel: 'false',
  }),
  autoLockOnSeverities: variable<string[]>({
    name: 'SHIPWATCH_AUTO_LOCK_ON_SEVERITIES',
    description:
      'While an incident of one of these severities is unresolved, the gate denies every deployment to its environment (AUTO_LOCKED); comma-separated, compared without case, e.g. SEV1,SEV2 (docs/gate.md)',
    expected: 'a comma-separated list of severities',
    parse: (raw: string) => parsers.list(raw),
    defaultValue: [],
    defaultLabel: 'none',
  }),
  schedulerEnabled: variable({
    name: 'SHIPWATCH_SCHEDULER',
    description:
      'Run background work (verification ticks, outbox delivery, gauges) in this replica',
    expected: 'on | off',
    parse: (raw: string) => parsers.oneOf(['on', 'off'] as const)(raw) === 'on',
    defaultValue: true,
    defaultLabel: 'on',
  }),
} as const;

type Specs = typeof CONFIG_VARIABLES;
type ValueOf<S> = S extends VariableSpec<infer T> ? T : never;

export type AppConfig = { [K in keyof Specs]: ValueOf<Specs[K]> } & {
  readonly version: string;
  /** `embedded` when DATABASE_URL is unset. */
  readonly databaseKind: 'postgres' | 'embedded';
};

export type Environment = Readonly<Record<string, string | undefined>>;

export function loadConfig(env: Environment, version = '0.0.0'): AppConfig {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(CONFIG_VARIABLES) as [string, VariableSpec<unknown>][]) {
    const raw = env[spec.name];
    if (raw === undefined || raw === '') {
      values[key] = spec.defaultValue;
      continue;
    }
    try {
      values[key] = spec.parse(raw);
    } catch (error) {
      if (!(error instanceof InvalidValue)) throw error;
      problems.push(
        `${spec.name}=${JSON.stringify(redact(spec, raw))} is invalid: expected ${spec.expected}`,
      );
    }
  }
  if (problems.length === 0) problems.push(...hostSecretProblems(values));
  if (problems.length === 0) problems.push(...publishProblems(values));
  if (problems.length === 0) problems.push(...githubAppProblems(values));
  if (
    problems.length === 0 &&
    (values.headersTimeoutMs as number) > (values.requestTimeoutMs as number)
  )
    problems.push('SHIPWATCH_HEADERS_TIMEOUT_MS must not exceed SHIPWATCH_REQUEST_TIMEOUT_MS');
  if (
    problems.length === 0 &&
    (values.outboxLeaseSeconds as number) * 1000 <= DELIVERY_TIMEOUT_MS
  ) {
    // A lease that ends before a delivery's timeout would let a second replica send it meanwhile.
    problems.push(
      `OUTBOX_LEASE_SECONDS must be above the delivery timeout (${DELIVERY_TIMEOUT_MS / 1000} s)`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  values.publicUrl ??= `http://localhost:${String(values.port)}`;
  return {
    ...(values as Omit<AppConfig, 'version' | 'databaseKind'>),
    version,
    databaseKind: values.databaseUrl === undefined ? 'embedded' : 'postgres',
  };
}

/** A GitHub App needs its ID and exactly one private key; values are folded into the key. */
function githubAppProblems(values: Record<string, unknown>): string[] {
  const keys = [values.githubAppPrivateKey, values.githubAppPrivateKeyFile].filter(
    (k) => k !== undefined,
  );
  if (keys.length === 2)
    return ['set GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE, not both'];
  if ((values.githubAppId === undefined) !== (keys.length === 0))
    return [
      'GITHUB_APP_ID and a private key (GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE) go together',
    ];
  values.githubAppPrivateKey ??= values.githubAppPrivateKeyFile;
  return [];
}

/**
 * A webhook secret decides a delivery's source, so two hosts may not share one, and a host is
 * named once (GITHUB_WEBHOOK_HOST or a key of GITHUB_WEBHOOK_SECRETS; the same for GitLab).
 */
function hostSecretProblems(values: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const check = (
    secret: unknown,
    host: unknown,
    more: unknown,
    names: readonly [string, string, string],
  ) => {
    const entries = Object.entries(more as Record<string, string>);
    if (typeof secret === 'string') entries.unshift([host as string, secret]);
    const hosts = entries.map(([h]) => h);
    const secrets = entries.map(([, s]) => s);
    if (new Set(hosts).size < hosts.length) {
      problems.push(`${names[2]} names ${names[1]} (${String(host)}) again: name each host once`);
    }
    if (new Set(secrets).size < secrets.length) {
      problems.push(
        `${names[0]} and ${names[2]} give two hosts the same secret: each host needs its own, as the secret names the source of a delivery`,
      );
    }
  };
  check(values.githubWebhookSecret, values.githubWebhookHost, values.githubWebhookSecrets, [
    'GITHUB_WEBHOOK_SECRET',
    'GITHUB_WEBHOOK_HOST',
    'GITHUB_WEBHOOK_SECRETS',
  ]);
  check(values.gitlabWebhookToken, values.gitlabWebhookHost, values.gitlabWebhookTokens, [
    'GITLAB_WEBHOOK_TOKEN',
    'GITLAB_WEBHOOK_HOST',
    'GITLAB_WEBHOOK_TOKENS',
  ]);
  return problems;
}

/** Each tool in PUBLISH_DEPLOYMENTS_TO needs its settings. */
function publishProblems(values: Record<string, unknown>): string[] {
  const targets = values.publishDeploymentsTo as readonly PublishTarget[];
  const missing = (target: PublishTarget, names: string[]) =>
    `PUBLISH_DEPLOYMENTS_TO names ${target}, which needs ${names.join(' and ')}`;
  const problems: string[] = [];
  if (targets.includes('pagerduty')) {
    if (values.pagerdutyRoutingKey === undefined)
      problems.push(missing('pagerduty', ['PAGERDUTY_ROUTING_KEY']));
    if (!/\/v2\/enqueue$/.test(new URL(values.pagerdutyUrl as string).pathname))
      problems.push(
        'PUBLISH_DEPLOYMENTS_TO names pagerduty: PAGERDUTY_EVENTS_URL must end with /v2/enqueue (change events go to /v2/change/enqueue beside it)',
      );
  }
  if (targets.includes('grafana') && (!values.grafanaUrl || !values.grafanaApiToken))
    problems.push(missing('grafana', ['GRAFANA_URL', 'GRAFANA_API_TOKEN']));
  if (targets.includes('slack') && !values.slackWebhookUrl)
    problems.push(missing('slack', ['SLACK_WEBHOOK_URL']));
  return problems;
}

function redact(spec: VariableSpec<unknown>, raw: string): string {
  return spec.parse === parsers.secret || spec.sensitive ? '***' : raw;
}

/** Rows of the README configuration table. */
export function describeConfig(): { name: string; defaultValue: string; description: string }[] {
  return Object.values(CONFIG_VARIABLES).map((spec: VariableSpec<unknown>) => ({
    name: spec.name,
    defaultValue:
      spec.defaultLabel ??
      (spec.defaultValue === undefined
        ? '(unset)'
        : Array.isArray(spec.defaultValue)
          ? '(none)'
          : String(spec.defaultValue as string | number)),
    description: spec.description,
  }));
}
