import { createHash } from 'node:crypto';
import { parseTimestamp } from '../common/time.js';
import type { DomainEvent } from '../ingestion/domain-events.js';

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
