import {
  type Headers,
  type JsonObject,
  MappingError,
  isObject,
  parseWebhookJson,
} from '../webhook-mapping.js';

/** One CloudEvent as received, whatever the HTTP mode. */
export interface ReceivedCloudEvent {
  readonly mode: 'binary' | 'structured' | 'batch';
  readonly specversion: string;
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly time?: string;
  readonly subject?: string;
  readonly datacontenttype?: string;
  /** Extension attributes (`traceparent`, ...) and optional ones we do not interpret. */
  readonly extensions: Readonly<Record<string, string>>;
  /** The data: parsed JSON when the data is JSON, else a Buffer; undefined when there is none. */
  readonly data: unknown;
  /**
   * The event as stored with its raw event: the structured-mode JSON form (for binary mode the
   * body, as the headers are stored beside it).
   */
  readonly stored: unknown;
}

/** CloudEvents spec versions read: 1.0, and 0.3 (still sent by the Jenkins CDEvents plugin). */
const SPEC_VERSIONS = new Set(['1.0', '0.3']);

const mediaType = (contentType: string | undefined): string =>
  (contentType ?? '').split(';')[0].trim().toLowerCase();

/** `application/json`, `text/json`, `application/<anything>+json`. */
export const isJsonMediaType = (type: string): boolean =>
  type === 'application/json' || type === 'text/json' || type.endsWith('+json');

/**
 * The CloudEvents in one HTTP request (CloudEvents HTTP binding 1.0): batch mode
 * (`application/cloudevents-batch+json`, a JSON array), structured mode
 * (`application/cloudevents+json`, one JSON object), else binary mode (`ce-*` headers, the body is
 * the data). Media types are matched case-insensitively and header values percent-decoded, as
 * the binding requires. Throws MappingError when the request holds no valid CloudEvent.
 */
export function parseCloudEvents(
  headers: Headers,
  rawBody: Buffer,
  maxDepth: number,
): ReceivedCloudEvent[] {
  const parseJson = (raw: Buffer, what: string) => parseWebhookJson(raw, what, maxDepth);
  const type = mediaType(headers['content-type']);
  if (type.startsWith('application/cloudevents-batch')) {
    const body = parseJson(rawBody, 'the batch');
    if (!Array.isArray(body)) throw new MappingError('a batch must be a JSON array of events');
    if (body.length === 0) throw new MappingError('the batch is empty');
    return body.map((item, i) => structured(item, 'batch', `[${i}]`, parseJson));
  }
  if (type.startsWith('application/cloudevents')) {
    return [structured(parseJson(rawBody, 'the event'), 'structured', '', parseJson)];
  }
  if (headers['ce-id'] !== undefined || headers['ce-specversion'] !== undefined) {
    return [binary(headers, rawBody, type, parseJson)];
  }
  throw new MappingError(
    'no CloudEvent: send ce-* headers (binary mode) or Content-Type application/cloudevents+json (structured mode)',
  );
}

const REQUIRED = ['specversion', 'id', 'source', 'type'] as const;
const KNOWN = new Set([
  ...REQUIRED,
  'time',
  'subject',
  'datacontenttype',
  'dataschema',
  'data',
  'data_base64',
]);

function attributes(
  get: (name: string) => unknown,
  where: string,
): Pick<ReceivedCloudEvent, 'specversion' | 'id' | 'source' | 'type' | 'time' | 'subject'> {
  const values: Record<string, string> = {};
  for (const name of REQUIRED) {
    const value = get(name);
    if (typeof value !== 'string' || value === '') {
      throw new MappingError(
        `the CloudEvent attribute ${name} is missing or empty`,
        where || undefined,
      );
    }
    values[name] = value;
  }
  if (!SPEC_VERSIONS.has(values.specversion)) {
    throw new MappingError(
      `specversion ${JSON.stringify(values.specversion)} is not supported (1.0)`,
      where || undefined,
    );
  }
  const time = get('time');
  const subject = get('subject');
  return {
    specversion: values.specversion,
    id: values.id,
    source: values.source,
    type: values.type,
    time: typeof time === 'string' ? time : undefined,
    subject: typeof subject === 'string' ? subject : undefined,
  };
}

type JsonParser = (raw: Buffer, what: string) => unknown;

function structured(
  value: unknown,
  mode: 'structured' | 'batch',
  where: string,
  parseJson: JsonParser,
): ReceivedCloudEvent {
  if (!isObject(value))
    throw new MappingError('a CloudEvent must be a JSON object', where || undefined);
  const event: JsonObject = value;
  const attrs = attributes((name) => event[name], where);
  const datacontenttype =
    typeof event.datacontenttype === 'string' ? event.datacontenttype : undefined;
  let data: unknown = event.data;
  if (typeof event.data_base64 === 'string') {
    const bytes = Buffer.from(event.data_base64, 'base64');
    data = isJsonMediaType(mediaType(datacontenttype))
      ? parseJson(bytes, `${where || 'the event'} data_base64`)
      : bytes;
  }
  const extensions: Record<string, string> = {};
  for (const [name, v] of Object.entries(event)) {
    if (
      !KNOWN.has(name) &&
      (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
    ) {
      extensions[name] = String(v);
    }
  }
  return { mode, ...attrs, datacontenttype, extensions, data, stored: event };
}

const looksLikeJson = (raw: Buffer): boolean =>
  /^\s*[[{"]/.test(raw.subarray(0, 64).toString('utf8'));

function percentDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function binary(
  headers: Headers,
  rawBody: Buffer,
  type: string,
  parseJson: JsonParser,
): ReceivedCloudEvent {
  const ce: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('ce-')) ce[name.slice(3)] = percentDecode(value);
  }
  const attrs = attributes((name) => ce[name], '');
  const datacontenttype = headers['content-type'];
  let data: unknown;
  let stored: unknown;
  if (rawBody.length === 0) {
    data = undefined;
    stored = {};
  } else if (isJsonMediaType(type)) {
    data = parseJson(rawBody, 'the body');
    stored = data;
  } else if (type === '' && looksLikeJson(rawBody)) {
    data = parseJson(rawBody, 'the body (sent without Content-Type)');
    stored = data;
  } else {
    data = rawBody;
    stored = { datacontenttype, data_base64: rawBody.toString('base64') };
  }
  const extensions: Record<string, string> = {};
  for (const [name, value] of Object.entries(ce)) {
    if (!KNOWN.has(name)) extensions[name] = value;
  }
  return { mode: 'binary', ...attrs, datacontenttype, extensions, data, stored };
}
