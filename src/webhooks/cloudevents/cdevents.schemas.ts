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

/** CDEvents releases whose schemas are vendored under schemas/cdevents/<tag>/. */
export const SCHEMA_SETS = ['v0.5.1', 'v0.4.1'] as const;

/**
 * The package root (where package.json and schemas/ live): from src/ under ts-jest, and from
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

export interface SchemaCheck {
  /** Which vendored release defines the type, e.g. `v0.5.1`. */
  readonly release: string;
  /** null when valid, else the problems, `<json pointer>: <message>`. */
  readonly errors: readonly string[] | null;
}

/**
 * Validates CDEvents against the vendored JSON Schemas (draft 2020-12), picking the schema by
 * the exact `context.type` string: each schema's `type` enum names one event version, and the
 * v0.4.1 and v0.5.1 sets share none. Schemas are added up front and compiled on first use, as
 * the spec's own tools/validate.js does it (strict off, formats validated, all errors).
 */
export class CdeventsSchemas {
  private readonly ajv = new Ajv2020({ strict: false, validateFormats: true, allErrors: true });
  private readonly schemaIdByType = new Map<string, { id: string; release: string }>();
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(root = join(packageRoot(), 'schemas', 'cdevents')) {
    addFormats(this.ajv);
    for (const release of SCHEMA_SETS) {
      const dir = join(root, release);
      const links = join(dir, 'links');
      for (const file of readdirSync(links).filter((f) => f.endsWith('.json'))) {
        this.ajv.addSchema(readJson(join(links, file)));
      }
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
        const schema = readJson(join(dir, file));
        const id = schema.$id;
        if (typeof id !== 'string') throw new Error(`${release}/${file} has no $id`);
        this.ajv.addSchema(schema);
        for (const type of contextTypes(schema)) this.schemaIdByType.set(type, { id, release });
      }
    }
  }

  /** Every event type string a vendored schema defines. */
  types(): string[] {
    return [...this.schemaIdByType.keys()].sort();
  }

  /** undefined when no vendored schema defines the type. */
  check(type: string, event: unknown): SchemaCheck | undefined {
    const entry = this.schemaIdByType.get(type);
    if (!entry) return undefined;
    let validate = this.compiled.get(entry.id);
    if (!validate) {
      validate = this.ajv.getSchema(entry.id);
      if (!validate) throw new Error(`schema ${entry.id} did not compile`);
      this.compiled.set(entry.id, validate);
    }
    return validate(event)
      ? { release: entry.release, errors: null }
      : { release: entry.release, errors: (validate.errors ?? []).map(describe) };
  }
}

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
