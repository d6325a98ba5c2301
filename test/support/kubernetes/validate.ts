/**
 * Validates rendered Kubernetes objects the way kubeconform does, offline, against pinned
 * schemas: core objects through the `kubernetes-models` classes (the Kubernetes OpenAPI schemas
 * compiled for ajv), Prometheus Operator objects through `@kubernetes-models/prometheus-operator`,
 * CloudNativePG objects against the operator's CRD schemas vendored in deploy/kubernetes/schemas
 * (strict: an unknown field is an error). Then what no schema sees: every Secret/ConfigMap key a
 * pod reads exists, selectors select the pods, a Deployment runs at least one replica.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import type { KubeObject } from './render.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

type Model = new (data: unknown) => { validate(): void };

async function modelFor(o: KubeObject): Promise<Model | undefined> {
  const [group, version] = o.apiVersion.includes('/')
    ? o.apiVersion.split('/')
    : ['', o.apiVersion];
  const module =
    group === 'monitoring.coreos.com'
      ? `@kubernetes-models/prometheus-operator/${o.apiVersion}`
      : group === ''
        ? `kubernetes-models/${version}`
        : `kubernetes-models/${o.apiVersion}`;
  try {
    const exports = (await import(module)) as Record<string, Model | undefined>;
    return exports[o.kind];
  } catch {
    return undefined;
  }
}

/** OpenAPI structural schemas allow unknown fields only where they say so; kubeconform -strict. */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) out[key] = strict(value);
  if (
    out.properties &&
    out.additionalProperties === undefined &&
    out['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    out.additionalProperties = false;
  }
  if (out['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  return out;
}

const crdValidators = new Map<string, ValidateFunction>();
function crdValidator(o: KubeObject): ValidateFunction | undefined {
  if (o.apiVersion !== 'postgresql.cnpg.io/v1') return undefined;
  const key = o.kind.toLowerCase();
  if (!crdValidators.has(key)) {
    const file = join(ROOT, 'deploy', 'kubernetes', 'schemas', `postgresql.cnpg.io_v1_${key}.json`);
    const schema = strict(JSON.parse(readFileSync(file, 'utf8')));
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    crdValidators.set(key, ajv.compile(schema as object));
  }
  return crdValidators.get(key);
}

/** Secrets an operator makes at run time: CloudNativePG's `<cluster>-app` for the owner. */
function operatorSecrets(objects: KubeObject[]): Map<string, Set<string>> {
  const made = new Map<string, Set<string>>();
  for (const o of objects) {
    if (o.apiVersion === 'postgresql.cnpg.io/v1' && o.kind === 'Cluster') {
      const keys = ['username', 'password', 'dbname', 'host', 'port', 'uri', 'jdbc-uri', 'pgpass'];
      made.set(`${o.metadata.name}-app`, new Set(keys));
    }
  }
  return made;
}

function keysOf(o: KubeObject): Set<string> {
  return new Set([
    ...Object.keys((o.data as Record<string, string> | undefined) ?? {}),
    ...Object.keys((o.stringData as Record<string, string> | undefined) ?? {}),
  ]);
}

function matches(selector: Record<string, string> | undefined, labels: Record<string, string>) {
  return (
    !!selector &&
    Object.keys(selector).length > 0 &&
    Object.entries(selector).every(([k, v]) => labels[k] === v)
  );
}

interface PodSpec {
  containers: {
    name: string;
    env?: {
      name: string;
      valueFrom?: Record<string, { name: string; key: string; optional?: boolean }>;
    }[];
    envFrom?: Record<string, { name: string; optional?: boolean }>[];
  }[];
}

function podOf(o: KubeObject): { spec: PodSpec; labels: Record<string, string> } | undefined {
  const spec = o.spec as {
    template?: { metadata?: { labels?: Record<string, string> }; spec: PodSpec };
  };
  if ((o.kind === 'Deployment' || o.kind === 'Job') && spec.template) {
    return { spec: spec.template.spec, labels: spec.template.metadata?.labels ?? {} };
  }
  return undefined;
}

/** Every problem found, one line each naming the object; empty when all is valid. */
export async function validate(objects: KubeObject[]): Promise<string[]> {
  const problems: string[] = [];
  const name = (o: KubeObject) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  for (const o of objects) {
    const crd = crdValidator(o);
    if (crd) {
      if (!crd(o)) {
        for (const e of crd.errors ?? []) {
          problems.push(
            `${name(o)}: ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`,
          );
        }
      }
      continue;
    }
    const Model = await modelFor(o);
    if (!Model) {
      problems.push(`${name(o)}: no schema for ${o.apiVersion} ${o.kind}`);
      continue;
    }
    try {
      new Model(o).validate();
    } catch (error) {
      problems.push(`${name(o)}: ${(error as Error).message}`);
    }
  }

  const secrets = new Map<string, Set<string>>(operatorSecrets(objects));
  const configMaps = new Map<string, Set<string>>();
  for (const o of objects) {
    if (o.kind === 'Secret') secrets.set(o.metadata.name, keysOf(o));
    if (o.kind === 'ConfigMap') configMaps.set(o.metadata.name, keysOf(o));
    if (o.kind === 'Secret' && o.type === 'kubernetes.io/basic-auth') {
      for (const key of ['username', 'password']) {
        if (!keysOf(o).has(key))
          problems.push(`${name(o)}: a basic-auth Secret needs the key ${key}`);
      }
    }
  }
  const refs = { secretKeyRef: secrets, configMapKeyRef: configMaps };
  for (const o of objects) {
    const pod = podOf(o);
    if (!pod) continue;
    for (const c of pod.spec.containers) {
      for (const env of c.env ?? []) {
        for (const [kind, known] of Object.entries(refs)) {
          const ref = env.valueFrom?.[kind];
          if (!ref || ref.optional) continue;
          const keys = known.get(ref.name);
          if (!keys)
            problems.push(
              `${name(o)}: env ${env.name} reads ${kind} ${ref.name}, which is not in the install`,
            );
          else if (!keys.has(ref.key))
            problems.push(
              `${name(o)}: env ${env.name} reads key ${ref.key} of ${ref.name}, which has no such key (it has ${[...keys].join(', ') || 'none'})`,
            );
        }
      }
      for (const from of c.envFrom ?? []) {
        for (const [field, known] of [
          ['secretRef', secrets],
          ['configMapRef', configMaps],
        ] as const) {
          const ref = from[field];
          if (ref && !ref.optional && !known.has(ref.name)) {
            problems.push(`${name(o)}: envFrom ${field} ${ref.name} is not in the install`);
          }
        }
      }
    }
    if (o.kind === 'Deployment') {
      const replicas = (o.spec as { replicas?: number }).replicas ?? 1;
      if (replicas < 1) problems.push(`${name(o)}: replicas is ${replicas}: nothing would serve`);
    }
  }
  for (const role of objects.flatMap((o) =>
    o.kind === 'Cluster'
      ? ((o.spec as { managed?: { roles?: { name: string; passwordSecret?: { name: string } }[] } })
          .managed?.roles ?? [])
      : [],
  )) {
    if (role.passwordSecret && !secrets.has(role.passwordSecret.name)) {
      problems.push(
        `Cluster role ${role.name}: passwordSecret ${role.passwordSecret.name} is not in the install`,
      );
    }
  }
  const pods = objects.map(podOf).filter((p) => p !== undefined);
  const services = objects.filter((o) => o.kind === 'Service');
  for (const o of objects) {
    const spec = o.spec as {
      selector?: Record<string, string> & { matchLabels?: Record<string, string> };
      podSelector?: { matchLabels?: Record<string, string> };
    };
    const selector =
      o.kind === 'Service'
        ? spec.selector
        : o.kind === 'PodDisruptionBudget'
          ? spec.selector?.matchLabels
          : o.kind === 'NetworkPolicy'
            ? spec.podSelector?.matchLabels
            : undefined;
    if (selector && !pods.some((p) => matches(selector, p.labels))) {
      problems.push(`${name(o)}: its selector matches no pod of the install`);
    }
    if (o.kind === 'ServiceMonitor') {
      const wanted = spec.selector?.matchLabels;
      if (!services.some((s) => matches(wanted, s.metadata.labels ?? {}))) {
        problems.push(`${name(o)}: its selector matches no Service of the install`);
      }
    }
  }
  return problems;
}
