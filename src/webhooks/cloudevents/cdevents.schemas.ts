import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020Module, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv and ajv-formats are CommonJS: under ESM the default import is `module.exports`, which is
// the constructor/plugin itself at runtime while the typings describe `{ default }`.
const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ??
  Ajv2020Module) as typeof Ajv2020Module.default;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as typeof addFormatsModule.default;

/**
 * Every CDEvents release whose JSON Schemas are vendored under schemas/cdevents/<tag>/, oldest
 * first. v0.1.x is not among them: its event types carry no version
 * (`dev.cdevents.taskrun.started`) and its schemas enumerate none, so a v0.1 event cannot be
 * told from a malformed one; no producer Shipwatch knows of sends it.
 */
export const SCHEMA_SETS = ['v0.2.0', 'v0.3.0', 'v0.4.0', 'v0.4.1', 'v0.5.0', 'v0.5.1'] as const;
export type CdeventsRelease = (typeof SCHEMA_SETS)[number];

/**
 * The package root (where package.json and schemas/ live): from src/ under Jest, and from
 * dist/src/ after the build, as tsc does not copy JSON into dist/.
 */
export function packageRoot(): string {
  for (const up of ['../../..', '../../../..']) {
    const dir = join(import.meta.dirname, up);
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'schemas', 'cdevents'))) {
      return dir;
    }
  }
  throw new Error(`schemas/cdevents not found above ${import.meta.dirname}`);
}

/** What checking one CDEvent found. */
export type SchemaCheck =
  /** The release the event names defines its type: `errors` null when valid. */
  | { readonly release: CdeventsRelease; readonly errors: readonly string[] | null }
  /** The event names a spec version that is no released CDEvents version Shipwatch has. */
  | { readonly unsupportedVersion: string }
  /** The release exists but defines no such type (a type of another release, or none). */
  | { readonly release: CdeventsRelease; readonly unknownType: string };

/**
 * The spec version a CDEvent says it follows: `context.specversion` since v0.5, `context.version`
 * before. undefined when the data has no context or names none.
 */
export function cdeventSpecVersion(event: unknown): string | undefined {
  const context = isRecord(event) && isRecord(event.context) ? event.context : undefined;
  const version = context?.specversion ?? context?.version;
  return typeof version === 'string' && version !== '' ? version : undefined;
}

/**
 * Validates CDEvents against the JSON Schemas (draft 2020-12) of the release they name: the
 * event's spec version picks the release, its exact `context.type` the schema within it (each
 * schema's `type` enum names one event version). Event type strings repeat across releases
 * (`dev.cdevents.pipelinerun.queued.0.2.0` is in v0.4.0 and v0.4.1, whose contexts differ:
 * `chain_id` and `chainId`), so each release has its own validator. Schemas are added up front
 * and compiled on first use, as the spec's own tools/validate.js does it (strict off, formats
 * validated, all errors).
 */
export class CdeventsSchemas {
  private readonly releases = new Map<string, Release>();

  constructor(root = join(packageRoot(), 'schemas', 'cdevents')) {
    for (const release of SCHEMA_SETS) {
      this.releases.set(release.slice(1), new Release(release, join(root, release)));
    }
  }

  /** Every `<release> <type>` pair a vendored schema defines. */
  types(): string[] {
    return [...this.releases.values()]
      .flatMap((r) => r.types().map((type) => `${r.name} ${type}`))
      .sort();
  }

  /** undefined when the data names no spec version (not a CDEvent, or a pre-v0.1 one). */
  check(type: string, event: unknown): SchemaCheck | undefined {
    const version = cdeventSpecVersion(event);
    if (version === undefined) return undefined;
    const release = this.releases.get(version);
    if (!release) return { unsupportedVersion: version };
    return release.check(type, event);
  }
}

/** One release's schemas in an Ajv instance of their own (their `$id`s and link refs differ). */
class Release {
  // The vendored schemas are not checked against the draft 2020-12 meta-schema at each boot
  // (a quarter of a second of CPU, more than the rest of this class): the spec does it once.
  private readonly ajv = new Ajv2020({
    strict: false,
    validateFormats: true,
    allErrors: true,
    validateSchema: false,
  });
  private readonly schemaIdByType = new Map<string, string>();
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(
    readonly name: CdeventsRelease,
    dir: string,
  ) {
    addFormats(this.ajv);
    const links = join(dir, 'links');
    if (existsSync(links)) {
      for (const file of readdirSync(links).filter((f) => f.endsWith('.json'))) {
        const schema = readJson(join(links, file));
        // v0.4.0's link schemas have no $id; its event schemas refer to them as
        // `/schema/links/<file>`, resolved against their https://cdevents.dev/... $id
        this.ajv.addSchema(schema, schema.$id ? undefined : `${LINKS_BASE}${file}`);
      }
    }
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const schema = erratum(name, readJson(join(dir, file)));
      const id = schema.$id;
      if (typeof id !== 'string') throw new Error(`${name}/${file} has no $id`);
      this.ajv.addSchema(schema);
      for (const type of contextTypes(schema)) this.schemaIdByType.set(type, id);
    }
  }

  types(): string[] {
    return [...this.schemaIdByType.keys()];
  }

  check(type: string, event: unknown): SchemaCheck {
    const id = this.schemaIdByType.get(type);
    if (!id) return { release: this.name, unknownType: type };
    let validate = this.compiled.get(id);
    if (!validate) {
      validate = this.ajv.getSchema(id);
      if (!validate) throw new Error(`schema ${id} did not compile`);
      this.compiled.set(id, validate);
    }
    return validate(event)
      ? { release: this.name, errors: null }
      : { release: this.name, errors: (validate.errors ?? []).map(describe) };
  }
}

const LINKS_BASE = 'https://cdevents.dev/schema/links/';

/**
 * The one published erratum: three v0.5.0 schemas (pipelinerun.finished, testcaserun.finished,
 * testsuiterun.finished) require `context.version`, which v0.5 renamed `specversion` and their
 * `additionalProperties: false` forbids, so no event can pass them, v0.5.0's own conformance
 * examples included. The spec fixed it in v0.5.1 (commit 8e09a2d, "3 json-schema wrongly
 * require `context.version` instead of `context.specversion`"); the vendored files stay as
 * released and the fix is applied here.
 */
function erratum(
  release: CdeventsRelease,
  schema: Record<string, unknown>,
): Record<string, unknown> {
  if (release !== 'v0.5.0') return schema;
  const context = (schema as { properties?: { context?: Record<string, unknown> } }).properties
    ?.context;
  const required = context?.required;
  if (!context || !Array.isArray(required) || !required.includes('version')) return schema;
  context.required = required.map((r: unknown) => (r === 'version' ? 'specversion' : r));
  return schema;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

function contextTypes(schema: Record<string, unknown>): string[] {
  const type = (
    schema as { properties?: { context?: { properties?: { type?: { enum?: unknown } } } } }
  ).properties?.context?.properties?.type?.enum;
  return Array.isArray(type) ? type.filter((t): t is string => typeof t === 'string') : [];
}

function describe(error: ErrorObject): string {
  const where = error.instancePath || '/';
  const extra =
    error.keyword === 'additionalProperties'
      ? ` (${String((error.params as { additionalProperty?: unknown }).additionalProperty)})`
      : error.keyword === 'enum'
        ? ` (${JSON.stringify((error.params as { allowedValues?: unknown }).allowedValues)})`
        : '';
  return `${where}: ${error.message ?? error.keyword}${extra}`;
}
