import { createHash } from 'node:crypto';
import { jsonTextDeeperThan } from '../common/json-depth.js';
import { parseTimestamp } from '../common/time.js';
import type { DomainEvent } from '../ingestion/domain-events.js';
import { MAX_COMMIT_PATHS } from '../ingestion/event.validator.js';

/**
 * What a source mapper makes of one authentic delivery: the domain events it carries (none when
 * Shipwatch does not model it; then `note` says why) and its identity for deduplication.
 * Mappers are pure: headers, payload and the receive time in, this out.
 */
export interface MappedDelivery {
  /** e.g. `deployment_status`, `Pipeline Hook`, `dev.cdevents.service.deployed.0.3.0`. */
  readonly kind: string;
  /** Producer identity of the raw event; `(source, dedupeKey)` is unique. */
  readonly source: string;
  readonly dedupeKey: string;
  readonly occurredAt?: Date;
  readonly events: readonly DomainEvent[];
  /** Why the delivery is stored but not applied (no events), or what the events leave out. */
  readonly note?: string;
}

/** A mapped delivery that is stored but changes nothing, with the reason. */
export interface Unmapped {
  readonly note: string;
}

/**
 * Who sent an authentic delivery and its dedupe key, decided by the endpoint from what is
 * authenticated (the secret that verified it, the signed bytes), never from unsigned headers.
 */
export interface DeliveryIdentity {
  readonly source: string;
  readonly dedupeKey: string;
}

/** A delivery that is authentic but does not have the shape its source documents. */
export class MappingError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(field ? `${field}: ${message}` : message);
    this.name = 'MappingError';
  }
}

/** A body nested deeper than SHIPWATCH_JSON_MAX_DEPTH: refused before anything recurses into it. */
export class JsonTooDeepError extends MappingError {
  constructor(
    what: string,
    readonly maxDepth: number,
  ) {
    super(`${what} nests objects and arrays more than ${maxDepth} levels deep`);
    this.name = 'JsonTooDeepError';
  }
}

/**
 * JSON.parse of a webhook body (or a JSON text inside one), after checking its depth: parsing is
 * iterative, but storing and mapping the value recurse, so a deep one is refused here.
 */
export function parseWebhookJson(text: string | Buffer, what: string, maxDepth: number): unknown {
  if (jsonTextDeeperThan(text, maxDepth)) throw new JsonTooDeepError(what, maxDepth);
  try {
    return JSON.parse(typeof text === 'string' ? text : text.toString('utf8'));
  } catch (error) {
    throw new MappingError(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * The dedupe key of an authentic delivery: the SHA-256 of the exact bytes that were signed (or
 * sent with the secret token). A replay of them is a duplicate whatever its unsigned headers say;
 * identical bytes carry identical facts, so nothing is lost by keeping them once.
 */
export const bodyDedupeKey = (rawBody: Buffer): string => `sha256:${sha256Hex(rawBody)}`;

/** Header names lower-cased; repeated headers joined with `, ` as HTTP allows. */
export type Headers = Readonly<Record<string, string>>;

export function normaliseHeaders(
  raw: Readonly<Record<string, string | string[] | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Headers that carry secrets or credentials; never stored with the raw event. */
const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-gitlab-token',
  'x-hub-signature',
  'x-hub-signature-256',
  'webhook-signature',
  'x-pagerduty-signature',
]);

/** The headers stored with a raw event: secrets and signatures removed. */
export function storableHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!SECRET_HEADERS.has(name)) out[name] = value;
  }
  return out;
}

export const sha256Hex = (data: Buffer | string): string =>
  createHash('sha256').update(data).digest('hex');

// ---- payload readers: narrow `unknown` JSON without casts scattered over the mappers ----

export type JsonObject = Readonly<Record<string, unknown>>;

/**
 * `table[key]` for a key from a payload: undefined unless the table itself has it, so that
 * `constructor`, `toString` or `__proto__` never reach Object.prototype's members.
 */
export function entryOf<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function obj(parent: JsonObject, key: string, path = key): JsonObject {
  const value = parent[key];
  if (!isObject(value)) throw new MappingError('expected an object', path);
  return value;
}

export function optObj(parent: JsonObject, key: string): JsonObject | undefined {
  const value = parent[key];
  return isObject(value) ? value : undefined;
}

export function str(parent: JsonObject, key: string, path = key): string {
  const value = parent[key];
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new MappingError('expected a non-empty string', path);
}

/** A string (or number, as ids often are), or undefined when absent, null or empty. */
export function optStr(parent: JsonObject, key: string): string | undefined {
  const value = parent[key];
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

export function optInt(parent: JsonObject, key: string): number | undefined {
  const value = parent[key];
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

export function arr(parent: JsonObject, key: string, path = key): readonly unknown[] {
  const value = parent[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new MappingError('expected an array', path);
  return value;
}

/** A timestamp in any format CI systems send, as UTC; undefined when absent or null. */
export function optTime(parent: JsonObject, key: string, path = key): Date | undefined {
  const value = parent[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new MappingError('expected a timestamp string', path);
  const parsed = parseTimestamp(value);
  if (!parsed.ok) throw new MappingError(`${parsed.reason} (got ${JSON.stringify(value)})`, path);
  return parsed.date;
}

export function time(parent: JsonObject, key: string, path = key): Date {
  const value = optTime(parent, key, path);
  if (!value) throw new MappingError('expected a timestamp', path);
  return value;
}

/** A full or abbreviated lowercase hex SHA, or undefined (all-zero SHAs mean "no commit"). */
export function optSha(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const sha = value.toLowerCase();
  if (!/^[0-9a-f]{7,64}$/.test(sha) || /^0+$/.test(sha)) return undefined;
  return sha;
}

/** The earliest of some dates, ignoring the missing ones. */
export function earliest(dates: readonly (Date | undefined)[]): Date | undefined {
  let min: Date | undefined;
  for (const d of dates) if (d && (!min || d < min)) min = d;
  return min;
}

/**
 * Producer id of a Git host, from one of its URLs: `github` / `gitlab` for the SaaS,
 * `github:<host>` / `gitlab:<host>` for self-hosted instances, whose ids may collide with the
 * SaaS ones. Natural ids (deployment, run) are unique within one such source.
 */
export function hostSource(kind: 'github' | 'gitlab', url: string | undefined): string {
  if (!url) return kind;
  let host: string;
  try {
    host = new URL(url).host.toLowerCase();
  } catch {
    return kind;
  }
  const saas = kind === 'github' ? ['github.com', 'api.github.com'] : ['gitlab.com'];
  return saas.includes(host) ? kind : `${kind}:${host}`;
}

/** The names of a pull request's labels (`labels[].name`; GitLab: `labels[].title`). */
export function labelNames(owner: JsonObject, key: 'name' | 'title'): string[] {
  const labels = owner.labels;
  if (!Array.isArray(labels)) return [];
  return labels.flatMap((l) => (isObject(l) && typeof l[key] === 'string' ? [l[key]] : []));
}

/**
 * The files a pushed commit changed: its `added`, `modified` and `removed` lists (GitHub and
 * GitLab push payloads both give them per commit). Unknown (undefined) when the commit lists
 * none of them, or more than a commit is allowed to carry: a list cut short would make a
 * commit look as if it touched fewer services than it did.
 */
export function changedPaths(commit: JsonObject, path: string): string[] | undefined {
  const lists = (['added', 'modified', 'removed'] as const).filter((k) => k in commit);
  if (lists.length === 0) return undefined;
  const paths = lists.flatMap((k) =>
    arr(commit, k, `${path}.${k}`).map((p, i) => {
      if (typeof p !== 'string')
        throw new MappingError('expected a file path', `${path}.${k}[${i}]`);
      return p;
    }),
  );
  return paths.length > MAX_COMMIT_PATHS ? undefined : paths;
}
