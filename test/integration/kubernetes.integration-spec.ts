/**
 * deploy/kubernetes rendered offline (test/support/kubernetes/render.ts, the Kustomize subset the
 * install uses) and every object validated against pinned schemas (validate.ts); the rendered
 * PrometheusRule passes the real `promtool check rules`. Bad installs are refused with a line
 * naming the object and the key.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { kubernetesAssets } from '../../scripts/kubernetes-assets.js';
import { render, type KubeObject } from '../support/kubernetes/render.js';
import { validate } from '../support/kubernetes/validate.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

let work: string;
/** A copy of deploy/kubernetes with each overlay's *.env made from its *.env.example. */
function freshCopy(): string {
  const dir = mkdtempSync(join(work, 'k8s-'));
  cpSync(join(ROOT, 'deploy', 'kubernetes'), dir, { recursive: true });
  for (const overlay of ['cloudnativepg', 'external-postgres']) {
    for (const env of ['secrets.env', 'grafana-reader.env']) {
      try {
        cpSync(
          join(dir, 'overlays', overlay, `${env}.example`),
          join(dir, 'overlays', overlay, env),
        );
      } catch {
        // this overlay has no such file
      }
    }
  }
  return dir;
}

/** Adds components or patches to an overlay's kustomization.yaml, as a user would. */
function extend(dir: string, extra: { components?: string[]; patches?: unknown[] }): void {
  const file = join(dir, 'kustomization.yaml');
  const k = parse(readFileSync(file, 'utf8')) as Record<string, unknown[] | undefined>;
  for (const [key, values] of Object.entries(extra)) k[key] = [...(k[key] ?? []), ...values];
  writeFileSync(file, stringify(k));
}

interface PodSpec {
  securityContext: { runAsNonRoot?: boolean };
  containers: {
    readinessProbe: { httpGet: { path: string } };
    livenessProbe: { httpGet: { path: string } };
    securityContext: { readOnlyRootFilesystem?: boolean };
    resources: { limits: { memory?: string } };
    env: { name: string; valueFrom: { secretKeyRef: unknown } }[];
  }[];
}
const podSpec = (o: KubeObject) => (o.spec as { template: { spec: PodSpec } }).template.spec;

const kinds = (objects: KubeObject[]) => objects.map((o) => o.kind).sort();
const find = (objects: KubeObject[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name)!;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'shipwatch-k8s-'));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('deploy/kubernetes overlays', () => {
  it.each([
    ['external-postgres', []],
    ['external-postgres', ['ingress', 'migration-job']],
    ['cloudnativepg', []],
    ['cloudnativepg', ['ingress', 'migration-job', 'cnpg-backups']],
  ])('%s with components %j renders and every object is valid', async (overlay, components) => {
    const dir = join(freshCopy(), 'overlays', overlay);
    if (components.length > 0) {
      extend(dir, { components: components.map((c) => `../../components/${c}`) });
    }
    const objects = render(dir);
    expect(await validate(objects)).toEqual([]);
    expect(kinds(objects)).toEqual(
      expect.arrayContaining([
        'ConfigMap',
        'Deployment',
        'Namespace',
        'NetworkPolicy',
        'PodDisruptionBudget',
        'PrometheusRule',
        'Secret',
        'Service',
        'ServiceAccount',
        'ServiceMonitor',
      ]),
    );
    expect(
      objects.filter((o) => o.kind !== 'Namespace' && o.metadata.namespace !== 'shipwatch'),
    ).toEqual([]);
    const pod = podSpec(find(objects, 'Deployment', 'shipwatch'));
    const container = pod.containers[0];
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(container.resources.limits.memory).toBeDefined();
    const dashboards = find(objects, 'ConfigMap', 'shipwatch-grafana-dashboards');
    expect(dashboards.metadata.labels?.grafana_dashboard).toBe('1');
    const database =
      overlay === 'cloudnativepg'
        ? { name: 'shipwatch-db-app', key: 'uri' }
        : { name: 'shipwatch-secrets', key: 'DATABASE_URL' };
    const databaseUrl = (o: KubeObject) =>
      podSpec(o).containers[0].env.find((e) => e.name === 'DATABASE_URL')?.valueFrom.secretKeyRef;
    expect(databaseUrl(find(objects, 'Deployment', 'shipwatch'))).toEqual(database);
    expect(objects.filter((o) => o.kind === 'Job').map(databaseUrl)).toEqual(
      components.includes('migration-job') ? [database] : [],
    );
    expect(
      objects
        .filter((o) => o.kind === 'Cluster')
        .map((o) => (o.spec as { instances: number }).instances),
    ).toEqual(overlay === 'cloudnativepg' ? [3] : []);
  });

  it('refuses an install whose Secret lacks a key a pod needs (external-postgres without DATABASE_URL)', async () => {
    const dir = join(freshCopy(), 'overlays', 'external-postgres');
    writeFileSync(join(dir, 'secrets.env'), 'SHIPWATCH_BOOTSTRAP_TOKEN=a-token\n');
    expect(await validate(render(dir))).toEqual([
      'Deployment shipwatch/shipwatch: env DATABASE_URL reads key DATABASE_URL of shipwatch-secrets, which has no such key (it has SHIPWATCH_BOOTSTRAP_TOKEN)',
    ]);
  });

  it("refuses Grafana's reader Secret without a password", async () => {
    const dir = join(freshCopy(), 'overlays', 'cloudnativepg');
    writeFileSync(join(dir, 'grafana-reader.env'), 'username=grafana_reader\n');
    expect(await validate(render(dir))).toEqual([
      'Secret shipwatch/shipwatch-grafana-reader: a basic-auth Secret needs the key password',
    ]);
  });

  it('refuses zero replicas', async () => {
    const dir = join(freshCopy(), 'overlays', 'external-postgres');
    extend(dir, {
      patches: [
        {
          target: { kind: 'Deployment', name: 'shipwatch' },
          patch: stringify([{ op: 'replace', path: '/spec/replicas', value: 0 }]),
        },
      ],
    });
    expect(await validate(render(dir))).toEqual([
      'Deployment shipwatch/shipwatch: replicas is 0: nothing would serve',
    ]);
  });

  it('refuses a field the schema does not know or a value of the wrong type', async () => {
    const dir = join(freshCopy(), 'overlays', 'cloudnativepg');
    extend(dir, {
      patches: [
        {
          target: { kind: 'Cluster', name: 'shipwatch-db' },
          patch: stringify([{ op: 'add', path: '/spec/instaces', value: 3 }]),
        },
        {
          target: { kind: 'Deployment', name: 'shipwatch' },
          patch: stringify([{ op: 'replace', path: '/spec/replicas', value: 'two' }]),
        },
      ],
    });
    const problems = await validate(render(dir));
    expect(problems).toEqual([
      expect.stringMatching(/^Deployment shipwatch\/shipwatch: .*replicas/),
      expect.stringMatching(
        /^Cluster shipwatch\/shipwatch-db: \/spec must NOT have additional properties .*instaces/,
      ),
    ]);
  });
});

describe('deploy/kubernetes/base copies', () => {
  it('are what npm run kubernetes:assets makes from deploy/prometheus/rules and grafana/dashboards', () => {
    for (const [path, text] of kubernetesAssets(ROOT)) {
      expect({ path, text: readFileSync(join(ROOT, path), 'utf8') }).toEqual({ path, text });
    }
  });

  it('the rendered PrometheusRule passes promtool check rules', async () => {
    const rule = find(render(join(freshCopy(), 'base')), 'PrometheusRule', 'shipwatch');
    const file = join(work, 'rules.yml');
    writeFileSync(file, stringify(rule.spec));
    const { stdout } = await run('promtool', ['check', 'rules', file]);
    expect(stdout).toMatch(/SUCCESS: \d+ rules found/);
  });
});
