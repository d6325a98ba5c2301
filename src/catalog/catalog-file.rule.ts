import { isMap, parseAllDocuments, type Document } from 'yaml';
import type { EnvironmentTier } from '../ingestion/domain-events.js';
import { inferEnvironmentTier } from '../ingestion/environment-tier.rule.js';

/**
 * A Backstage `catalog-info.yaml` read into what Shipwatch keeps (docs/dora.md, "Service
 * catalog"). Pure: no I/O. Parsing is the `yaml` package's (eemeli/yaml: maintained, YAML 1.2,
 * multi-document, line positions in its errors, and a bound on alias expansion, so that a
 * "billion laughs" file is refused rather than expanded).
 *
 * - `Component`: a service. metadata.name (or `shipwatch.dev/service-name`), spec.owner (a
 *   Group), spec.lifecycle, the repository from `github.com/project-slug`,
 *   `gitlab.com/project-slug` or `backstage.io/source-location`, the path globs from
 *   `shipwatch.dev/paths` (comma- or newline-separated), the namespace from
 *   `shipwatch.dev/service-namespace`.
 * - `Group`: a team. `Environment`: an environment; its tier from `shipwatch.dev/tier`, else
 *   spec.lifecycle when it names a tier, else from the name (`prod` is production).
 * - The other kinds of Backstage's model are listed as ignored; any other kind is refused.
 */

export const ANNOTATIONS = {
  paths: 'shipwatch.dev/paths',
  serviceName: 'shipwatch.dev/service-name',
  serviceNamespace: 'shipwatch.dev/service-namespace',
  tier: 'shipwatch.dev/tier',
  githubSlug: 'github.com/project-slug',
  gitlabSlug: 'gitlab.com/project-slug',
  sourceLocation: 'backstage.io/source-location',
} as const;

/** The kinds of Backstage's catalog model that Shipwatch has no use for. */
const IGNORED_KINDS = ['API', 'System', 'Domain', 'Resource', 'User', 'Location', 'Template'];
const TIERS: readonly EnvironmentTier[] = ['production', 'staging', 'testing', 'development'];
/** Backstage's rule for metadata.name: 1-63 characters, [a-z0-9A-Z] separated by [-_.]. */
const ENTITY_NAME = /^[a-zA-Z0-9]+(?:[-_.][a-zA-Z0-9]+)*$/;
export const MAX_CATALOG_BYTES = 1_000_000;
const MAX_DOCUMENTS = 2_000;
const MAX_ALIASES = 100;
const MAX_TEXT = 200;

export type CatalogErrorCode =
  | 'CATALOG_INVALID_YAML'
  | 'CATALOG_INVALID_ENTITY'
  | 'CATALOG_UNKNOWN_KIND'
  | 'CATALOG_UNKNOWN_OWNER'
  | 'CATALOG_DUPLICATE'
  | 'CATALOG_TOO_LARGE';

/** A problem of the file, with where it is (document index from 0, line from 1). */
export class CatalogFileError extends Error {
  constructor(
    readonly code: CatalogErrorCode,
    message: string,
    readonly document: number | null = null,
    readonly line: number | null = null,
  ) {
    super(message);
    this.name = 'CatalogFileError';
  }
}

export interface CatalogTeam {
  readonly name: string;
  readonly displayName: string | null;
}

export interface CatalogServiceEntry {
  /** `component:<namespace>/<name>`, as Backstage names the entity. */
  readonly entity: string;
  readonly name: string;
  readonly namespace: string;
  /** The owning team (a Group's name); null when the Component names none. */
  readonly owner: string | null;
  readonly lifecycle: string | null;
  readonly repository: string | null;
  /** The path globs; null when the Component has no `shipwatch.dev/paths`. */
  readonly paths: readonly string[] | null;
}

export interface CatalogEnvironment {
  readonly name: string;
  readonly tier: EnvironmentTier;
}

export interface ParsedCatalog {
  readonly teams: readonly CatalogTeam[];
  readonly services: readonly CatalogServiceEntry[];
  readonly environments: readonly CatalogEnvironment[];
  /** Entities of kinds Shipwatch does not use, as `kind:name`. */
  readonly ignored: readonly string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseCatalogFile(text: string): ParsedCatalog {
  if (Buffer.byteLength(text, 'utf8') > MAX_CATALOG_BYTES)
    throw new CatalogFileError('CATALOG_TOO_LARGE', `at most ${MAX_CATALOG_BYTES} bytes`);
  const list: readonly Document[] = parseAllDocuments(text, {
    prettyErrors: true,
    uniqueKeys: true,
  });
  if (list.length > MAX_DOCUMENTS)
    throw new CatalogFileError('CATALOG_TOO_LARGE', `at most ${MAX_DOCUMENTS} documents`);
  const teams = new Map<string, CatalogTeam>();
  const services = new Map<string, CatalogServiceEntry>();
  const environments = new Map<string, CatalogEnvironment>();
  const ignored: string[] = [];
  list.forEach((doc, index) => {
    const [error] = doc.errors;
    if (error) {
      throw new CatalogFileError(
        'CATALOG_INVALID_YAML',
        `document ${index + 1}: ${error.message.split('\n')[0]}`,
        index,
        error.linePos?.[0]?.line ?? null,
      );
    }
    if (doc.contents === null) return; // an empty document (a trailing `---`)
    const line = lineOf(text, doc);
    const at = (message: string) => `document ${index + 1} (line ${line}): ${message}`;
    const fail = (code: CatalogErrorCode, message: string): never => {
      throw new CatalogFileError(code, at(message), index, line);
    };
    if (!isMap(doc.contents)) fail('CATALOG_INVALID_ENTITY', 'an entity is a mapping');
    let entity: unknown;
    try {
      entity = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (e) {
      fail('CATALOG_INVALID_YAML', (e as Error).message);
    }
    const e = entity as Obj;
    const kind = text_(e.kind);
    const apiVersion = text_(e.apiVersion);
    if (!kind || !apiVersion) fail('CATALOG_INVALID_ENTITY', 'apiVersion and kind are required');
    const metadata = isObj(e.metadata) ? e.metadata : {};
    const name = text_(metadata.name);
    if (!name) fail('CATALOG_INVALID_ENTITY', `${kind}: metadata.name is required`);
    if (!ENTITY_NAME.test(name!) || name!.length > 63)
      fail(
        'CATALOG_INVALID_ENTITY',
        `${kind} ${JSON.stringify(name)}: a name is 1 to 63 letters and digits separated by -, _ or .`,
      );
    const annotations = isObj(metadata.annotations) ? metadata.annotations : {};
    const annotation = (key: string): string | null => {
      const v = annotations[key];
      if (v === undefined || v === null) return null;
      if (typeof v !== 'string') return fail('CATALOG_INVALID_ENTITY', `${key} must be a string`);
      return v.trim() === '' ? null : v.trim();
    };
    const spec = isObj(e.spec) ? e.spec : {};
    const once = <V>(map: Map<string, V>, key: string, value: V, what: string) => {
      if (map.has(key)) fail('CATALOG_DUPLICATE', `${what} is declared twice`);
      map.set(key, value);
    };
    switch (kind ?? '') {
      case 'Component': {
        const serviceName = annotation(ANNOTATIONS.serviceName) ?? name!;
        const namespace = annotation(ANNOTATIONS.serviceNamespace) ?? '';
        if (serviceName.length > MAX_TEXT || namespace.length > MAX_TEXT)
          fail('CATALOG_INVALID_ENTITY', `service names are at most ${MAX_TEXT} characters`);
        const repository = repositoryOf(
          annotation(ANNOTATIONS.githubSlug),
          annotation(ANNOTATIONS.gitlabSlug),
          annotation(ANNOTATIONS.sourceLocation),
        );
        const pathsText = annotation(ANNOTATIONS.paths);
        const paths = pathsText === null ? null : splitGlobs(pathsText);
        if (paths !== null && repository === null)
          fail(
            'CATALOG_INVALID_ENTITY',
            `Component ${name}: ${ANNOTATIONS.paths} needs a repository (${ANNOTATIONS.githubSlug}, ${ANNOTATIONS.gitlabSlug} or ${ANNOTATIONS.sourceLocation})`,
          );
        const owner = spec.owner === undefined ? null : ownerTeam(spec.owner);
        if (owner instanceof Error)
          fail('CATALOG_UNKNOWN_OWNER', `Component ${name}: ${owner.message}`);
        const key = `${namespace}/${serviceName}`;
        once(
          services,
          key,
          {
            entity: `component:${text_(metadata.namespace) ?? 'default'}/${name}`,
            name: serviceName,
            namespace,
            owner: owner as string | null,
            lifecycle: text_(spec.lifecycle),
            repository,
            paths,
          },
          `the service ${namespace ? `${namespace}/` : ''}${serviceName}`,
        );
        return;
      }
      case 'Group': {
        const profile = isObj(spec.profile) ? spec.profile : {};
        once(
          teams,
          name!,
          { name: name!, displayName: text_(profile.displayName) },
          `the Group ${name}`,
        );
        return;
      }
      case 'Environment': {
        const given = annotation(ANNOTATIONS.tier) ?? text_(spec.lifecycle);
        const tier = TIERS.find((t) => t === given?.toLowerCase()) ?? null;
        if (annotation(ANNOTATIONS.tier) !== null && tier === null)
          fail('CATALOG_INVALID_ENTITY', `${ANNOTATIONS.tier} must be one of ${TIERS.join(', ')}`);
        once(
          environments,
          name!,
          { name: name!, tier: tier ?? inferEnvironmentTier(name!) },
          `the Environment ${name}`,
        );
        return;
      }
      default:
        if (IGNORED_KINDS.includes(kind!)) ignored.push(`${kind}:${name}`);
        else
          fail(
            'CATALOG_UNKNOWN_KIND',
            `kind ${JSON.stringify(kind)} is not one Shipwatch reads (Component, Group, Environment) nor one it ignores (${IGNORED_KINDS.join(', ')})`,
          );
    }
  });
  return {
    teams: [...teams.values()],
    services: [...services.values()],
    environments: [...environments.values()],
    ignored,
  };
}

const text_ = (v: unknown): string | null =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : null;

function lineOf(text: string, doc: Document): number {
  const offset = doc.contents?.range?.[0] ?? 0;
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * The team of a Backstage owner reference `[kind:][namespace/]name`: a Group's name. A User
 * owns nothing in Shipwatch (DORA is per team), so `user:…` is refused.
 */
export function ownerTeam(owner: unknown): string | Error {
  if (typeof owner !== 'string' || owner.trim() === '')
    return new Error('spec.owner must be a name');
  const m = /^(?:([A-Za-z]+):)?(?:([^/:]+)\/)?([^/:]+)$/.exec(owner.trim());
  if (!m) return new Error(`spec.owner ${JSON.stringify(owner)} is not an entity reference`);
  const kind = (m[1] ?? 'group').toLowerCase();
  if (kind !== 'group')
    return new Error(
      `spec.owner ${JSON.stringify(owner)} is a ${m[1]}, not a Group: Shipwatch attributes services to teams`,
    );
  return m[3];
}

/**
 * The repository as Shipwatch's events name it (GitHub `owner/name`, GitLab
 * `group/subgroup/project`): a project-slug annotation, else the repository part of a
 * `url:` source location on github.com or gitlab.com (its path up to `/tree/` or `/-/`).
 */
export function repositoryOf(
  githubSlug: string | null,
  gitlabSlug: string | null,
  sourceLocation: string | null,
): string | null {
  const slug = githubSlug ?? gitlabSlug;
  if (slug) return slug.replace(/^\/+|\/+$/g, '');
  if (!sourceLocation) return null;
  const url = /^url:(.+)$/.exec(sourceLocation)?.[1];
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const segments = parsed.pathname
    .replace(/\.git$/, '')
    .split('/')
    .filter((s) => s !== '');
  if (parsed.hostname === 'github.com')
    return segments.length >= 2 ? segments.slice(0, 2).join('/') : null;
  // GitLab (`/-/tree/…`) and other hosts (`/tree/…`, `/blob/…`): the path before them.
  const cut = segments.findIndex((s) => s === '-' || s === 'tree' || s === 'blob');
  const path = cut >= 0 ? segments.slice(0, cut) : segments;
  return path.length >= 2 ? path.join('/') : null;
}

/** `services/cart/**, libs/shared/**` or one glob per line. */
export function splitGlobs(value: string): string[] {
  return value
    .split(/[,\n]/)
    .map((g) => g.trim())
    .filter((g) => g !== '');
}
