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
}

function variable<T>(spec: VariableSpec<T>): VariableSpec<T> {
  return spec;
}

class InvalidValue extends Error {}

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
  list: (raw: string): string[] =>
    raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
};

const HTTP = ['http:', 'https:'];
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
  outboundAllowedHosts: variable<string[]>({
    name: 'SHIPWATCH_OUTBOUND_ALLOWED_HOSTS',
    description:
      'Comma-separated hosts (host or host:port) that rollback and alert targets may call, besides the hosts of the URLs configured here',
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
  gitlabWebhookToken: variable<string | undefined>({
    name: 'GITLAB_WEBHOOK_TOKEN',
    description:
      'Secret token of the GitLab webhook (X-Gitlab-Token, or the signing token); unset = /webhooks/gitlab refuses every delivery',
    expected: 'at least 8 characters',
    parse: parsers.secret,
  }),
  cloudeventsToken: variable<string | undefined>({
    name: 'CLOUDEVENTS_TOKEN',
    description: 'Bearer token accepted on /cloudevents besides API tokens with the ingest scope',
    expected: 'at least 8 characters',
    parse: parsers.secret,
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
  if (problems.length > 0) throw new ConfigError(problems);
  values.publicUrl ??= `http://localhost:${String(values.port)}`;
  return {
    ...(values as Omit<AppConfig, 'version' | 'databaseKind'>),
    version,
    databaseKind: values.databaseUrl === undefined ? 'embedded' : 'postgres',
  };
}

function redact(spec: VariableSpec<unknown>, raw: string): string {
  return spec.parse === parsers.secret ? '***' : raw;
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
