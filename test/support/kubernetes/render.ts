/**
 * An offline renderer for the Kustomize subset that deploy/kubernetes uses, so CI can build every
 * overlay on a machine without kustomize or kubectl (neither ships in a package registry this
 * project can use; no maintained JavaScript implementation of Kustomize exists). It follows
 * `kubectl kustomize` for these fields and refuses every other one rather than ignore it:
 *
 *   resources (files and kustomization directories), components, namespace,
 *   configMapGenerator / secretGenerator (files, literals, envs, type, options.labels) with
 *   generatorOptions.disableNameSuffixHash: true, and patches given inline as JSON 6902 with a
 *   kind/name target (a target matching nothing is a no-op, as in kustomize).
 *
 * Like kustomize's default load restrictor, generator files must lie under the kustomization.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> } & Record<
    string,
    unknown
  >;
} & Record<string, unknown>;

interface Generator {
  name: string;
  type?: string;
  files?: string[];
  literals?: string[];
  envs?: string[];
  options?: { labels?: Record<string, string> };
}

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  resources?: string[];
  components?: string[];
  namespace?: string;
  generatorOptions?: { disableNameSuffixHash?: boolean };
  configMapGenerator?: Generator[];
  secretGenerator?: Generator[];
  patches?: { target?: { kind?: string; name?: string }; patch?: string; path?: string }[];
}

const KNOWN = new Set([
  'apiVersion',
  'kind',
  'resources',
  'components',
  'namespace',
  'generatorOptions',
  'configMapGenerator',
  'secretGenerator',
  'patches',
]);

/** Kinds without a namespace (among those a Shipwatch install uses). */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);

export class KustomizeError extends Error {}

export function render(dir: string): KubeObject[] {
  return build(resolve(dir), 'Kustomization');
}

function build(dir: string, expected: 'Kustomization' | 'Component'): KubeObject[] {
  const file = join(dir, 'kustomization.yaml');
  if (!existsSync(file)) throw new KustomizeError(`${dir}: no kustomization.yaml`);
  const k = parse(readFileSync(file, 'utf8')) as Kustomization;
  const unknown = Object.keys(k).filter((key) => !KNOWN.has(key));
  if (unknown.length > 0) {
    throw new KustomizeError(
      `${file}: fields this renderer does not support: ${unknown.join(', ')}`,
    );
  }
  if ((k.kind ?? 'Kustomization') !== expected) {
    throw new KustomizeError(`${file}: expected kind ${expected}, found ${k.kind}`);
  }
  let objects: KubeObject[] = [];
  for (const entry of k.resources ?? []) {
    const path = resolve(dir, entry);
    objects.push(...(statSync(path).isDirectory() ? build(path, 'Kustomization') : load(path)));
  }
  const hasGenerators = (k.configMapGenerator?.length ?? 0) + (k.secretGenerator?.length ?? 0) > 0;
  if (hasGenerators && k.generatorOptions?.disableNameSuffixHash !== true) {
    throw new KustomizeError(
      `${file}: generators need generatorOptions.disableNameSuffixHash: true`,
    );
  }
  for (const g of k.configMapGenerator ?? []) objects.push(generate(dir, g, 'ConfigMap'));
  for (const g of k.secretGenerator ?? []) objects.push(generate(dir, g, 'Secret'));
  for (const component of k.components ?? []) {
    objects = applyComponent(objects, resolve(dir, component));
  }
  for (const patch of k.patches ?? []) objects = applyPatch(objects, patch, file);
  if (k.namespace) {
    for (const o of objects) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
  }
  assertUnique(objects, file);
  return objects;
}

function applyComponent(objects: KubeObject[], dir: string): KubeObject[] {
  const file = join(dir, 'kustomization.yaml');
  const k = parse(readFileSync(file, 'utf8')) as Kustomization;
  if (k.kind !== 'Component') throw new KustomizeError(`${file}: not a Component`);
  // A component's resources join the parent's, then its patches apply to them all.
  const { patches, ...rest } = k;
  const own = buildFromParsed(dir, rest, file);
  let all = [...objects, ...own];
  for (const patch of patches ?? []) all = applyPatch(all, patch, file);
  return all;
}

function buildFromParsed(dir: string, k: Kustomization, file: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const entry of k.resources ?? []) {
    const path = resolve(dir, entry);
    objects.push(...(statSync(path).isDirectory() ? build(path, 'Kustomization') : load(path)));
  }
  if (k.configMapGenerator || k.secretGenerator || k.components || k.namespace) {
    throw new KustomizeError(`${file}: components here may only have resources and patches`);
  }
  return objects;
}

function load(path: string): KubeObject[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((doc) => doc.toJSON() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

function inside(dir: string, entry: string): string {
  const path = resolve(dir, entry);
  if (relative(dir, path).startsWith('..')) {
    throw new KustomizeError(`${entry}: outside ${dir} (kustomize's load restrictor refuses it)`);
  }
  if (!existsSync(path)) throw new KustomizeError(`${path}: no such file`);
  return path;
}

function generate(dir: string, g: Generator, kind: 'ConfigMap' | 'Secret'): KubeObject {
  const data: Record<string, string> = {};
  const put = (key: string, value: string, from: string) => {
    if (key in data) throw new KustomizeError(`${kind} ${g.name}: key ${key} twice (${from})`);
    data[key] = value;
  };
  for (const entry of g.files ?? []) {
    const [key, path] = entry.includes('=') ? entry.split('=', 2) : [undefined, entry];
    const file = inside(dir, path);
    put(key ?? file.split('/').pop()!, readFileSync(file, 'utf8'), entry);
  }
  for (const literal of g.literals ?? []) {
    const at = literal.indexOf('=');
    put(literal.slice(0, at), literal.slice(at + 1), literal);
  }
  for (const env of g.envs ?? []) {
    for (const line of readFileSync(inside(dir, env), 'utf8').split('\n')) {
      const trimmed = line.trim();
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      const at = trimmed.indexOf('=');
      if (at <= 0) throw new KustomizeError(`${env}: not KEY=value: ${trimmed}`);
      put(trimmed.slice(0, at), trimmed.slice(at + 1), env);
    }
  }
  const metadata = { name: g.name, ...(g.options?.labels ? { labels: g.options.labels } : {}) };
  if (kind === 'ConfigMap') return { apiVersion: 'v1', kind, metadata, data };
  const encoded = Object.fromEntries(
    Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
  );
  return { apiVersion: 'v1', kind, metadata, type: g.type ?? 'Opaque', data: encoded };
}

type Op = { op: 'add' | 'replace' | 'remove'; path: string; value?: unknown };

function applyPatch(
  objects: KubeObject[],
  patch: NonNullable<Kustomization['patches']>[number],
  file: string,
): KubeObject[] {
  if (!patch.patch || patch.path || !patch.target?.kind || !patch.target.name) {
    throw new KustomizeError(`${file}: only inline JSON 6902 patches with a kind/name target`);
  }
  const ops = parse(patch.patch) as Op[];
  if (!Array.isArray(ops)) throw new KustomizeError(`${file}: a patch must be a JSON 6902 list`);
  return objects.map((o) =>
    o.kind === patch.target!.kind && o.metadata.name === patch.target!.name
      ? ops.reduce((doc, op) => applyOp(doc, op, file), o)
      : o,
  );
}

function applyOp<T>(doc: T, op: Op, file: string): T {
  const copy = structuredClone(doc) as Record<string, unknown>;
  const keys = op.path
    .split('/')
    .slice(1)
    .map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'));
  const last = keys.pop()!;
  let parent: unknown = copy;
  for (const key of keys) {
    parent = (parent as Record<string, unknown>)?.[key];
    if (parent === undefined) throw new KustomizeError(`${file}: ${op.path}: no ${key}`);
  }
  if (Array.isArray(parent)) {
    const container = parent as unknown[];
    const index = last === '-' ? container.length : Number(last);
    if (op.op === 'add') container.splice(index, 0, op.value);
    else if (index >= container.length) throw new KustomizeError(`${file}: ${op.path}: no ${last}`);
    else if (op.op === 'replace') container[index] = op.value;
    else container.splice(index, 1);
  } else {
    const container = parent as Record<string, unknown>;
    if (op.op !== 'add' && !(last in container)) {
      throw new KustomizeError(`${file}: ${op.path}: no ${last}`);
    }
    if (op.op === 'remove') delete container[last];
    else container[last] = op.value;
  }
  return copy as T;
}

function assertUnique(objects: KubeObject[], file: string): void {
  const seen = new Set<string>();
  for (const o of objects) {
    const id = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    if (seen.has(id)) throw new KustomizeError(`${file}: ${id} appears twice`);
    seen.add(id);
  }
}
