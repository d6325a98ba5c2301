/**
 * The docker compose stack's files, checked without Docker: the real checkers on the shipped
 * configs (promtool, amtool: Debian packages prometheus and prometheus-alertmanager), the alert
 * rules' unit tests, and the wiring between docker-compose.yml, deploy/ and grafana/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { POSTGRES, PROMETHEUS } from '../../grafana/src/common.js';
import { CONFIG_VARIABLES } from '../../src/config/config.schema.js';

const ROOT = join(import.meta.dirname, '..', '..');
const RULES_DIR = join(ROOT, 'deploy', 'prometheus', 'rules');

function yamlFile<T>(...path: string[]): T {
  return parse(readFileSync(join(ROOT, ...path), 'utf8'), { merge: true }) as T;
}

/** Runs a checker; on failure the message carries its output. */
function run(bin: string, args: string[]): string {
  try {
    return execFileSync(bin, args, { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${bin} ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
}

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

interface Compose {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
}

const compose = yamlFile<Compose>('docker-compose.yml');
const services = Object.entries(compose.services);

/** Services whose image has no shell or HTTP client to run a healthcheck with. */
const NO_HEALTHCHECK_POSSIBLE = ['otel-collector'];

interface RuleGroup {
  name: string;
  rules: {
    alert?: string;
    expr: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  }[];
}

describe('docker compose stack', () => {
  describe('docker-compose.yml', () => {
    it('should run the whole stack', () => {
      expect(Object.keys(compose.services).sort()).toEqual(
        [
          'alertmanager',
          'demo',
          'grafana',
          'otel-collector',
          'postgres',
          'prometheus',
          'shipwatch',
        ].sort(),
      );
    });

    it.each(services)('should pin the image of %s', (_name, service) => {
      // Built here (tagged shipwatch:local), or a registry image with an exact version.
      const pinned =
        service.build !== undefined
          ? service.image === 'shipwatch:local'
          : /^[\w./-]+:v?\d+\.\d+(\.\d+)?[\w.-]*$/.test(service.image ?? '') &&
            !service.image!.endsWith(':latest');
      expect({ image: service.image, pinned }).toEqual({ image: service.image, pinned: true });
    });

    it.each(services)('should give %s a healthcheck or a reason why not', (name, service) => {
      const hasCheck = (service.healthcheck?.test.length ?? 0) > 1;
      expect(hasCheck).toBe(!NO_HEALTHCHECK_POSSIBLE.includes(name));
    });

    it.each(services)(
      'should mount only files that exist, or declared named volumes (%s)',
      (_n, s) => {
        const missing = (s.volumes ?? [])
          .map((volume) => volume.split(':')[0])
          .filter((source) =>
            source.startsWith('./')
              ? !existsSync(join(ROOT, source))
              : !Object.keys(compose.volumes).includes(source),
          );
        expect(missing).toEqual([]);
      },
    );

    it('should depend only on services that exist, waiting for health where there is one', () => {
      for (const [, service] of services) {
        for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
          const target = compose.services[dependency];
          expect(target).toBeDefined();
          expect(condition).toBe(target.healthcheck ? 'service_healthy' : 'service_started');
        }
      }
    });

    it('should configure Shipwatch only with variables it declares', () => {
      const declared = Object.values(CONFIG_VARIABLES).map((v) => v.name);
      const env = compose.services.shipwatch.environment ?? {};
      const undeclared = Object.keys(env).filter(
        (name) => !name.startsWith('OTEL_') && !declared.includes(name),
      );
      expect(undeclared).toEqual([]);
      expect(env).toMatchObject({
        PROMETHEUS_URL: 'http://prometheus:9090',
        ALERTMANAGER_URL: 'http://alertmanager:9093',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318',
      });
    });

    it('should run the demo app from the image, on the port Prometheus scrapes', () => {
      const command = compose.services.demo.command as string[];
      expect(command.slice(0, 2)).toEqual(['node', 'dist/src/demo/demo-app.js']);
      expect(existsSync(join(ROOT, 'src', 'demo', 'demo-app.ts'))).toBe(true);
      const port = command[command.indexOf('--port') + 1];
      expect(command[command.indexOf('--host') + 1]).toBe('0.0.0.0');
      const prometheus = yamlFile<{
        scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
      }>('deploy', 'prometheus', 'prometheus.yml');
      const demoJob = prometheus.scrape_configs.find((j) => j.job_name === 'demo');
      expect(demoJob?.static_configs[0].targets).toEqual([`demo:${port}`]);
    });
  });

  describe('Prometheus', () => {
    it('should pass promtool check config (and its rule files)', () => {
      const out = run('promtool', ['check', 'config', 'deploy/prometheus/prometheus.yml']);
      expect(out).toMatch(/SUCCESS: \d+ rule files? found/);
    });

    it('should scrape only hosts of the stack', () => {
      const config = yamlFile<{
        scrape_configs: { static_configs: { targets: string[] }[] }[];
      }>('deploy', 'prometheus', 'prometheus.yml');
      const hosts = config.scrape_configs.flatMap((j) =>
        j.static_configs.flatMap((c) => c.targets.map((t) => t.split(':')[0])),
      );
      for (const host of hosts)
        expect([...Object.keys(compose.services), 'localhost']).toContain(host);
    });

    it('should pass promtool check rules', () => {
      const files = readdirSync(RULES_DIR).map((f) => join('deploy', 'prometheus', 'rules', f));
      expect(files.length).toBeGreaterThan(0);
      expect(run('promtool', ['check', 'rules', ...files])).toContain('SUCCESS');
    });

    it('should pass the alert rules unit tests (promtool test rules)', () => {
      const tests = readdirSync(join(ROOT, 'deploy', 'prometheus', 'tests')).map((f) =>
        join('deploy', 'prometheus', 'tests', f),
      );
      expect(tests.length).toBeGreaterThan(0);
      expect(run('promtool', ['test', 'rules', ...tests])).toContain('SUCCESS');
    });

    it('should label every Shipwatch alert and link its runbook section', () => {
      const groups = readdirSync(RULES_DIR).flatMap(
        (f) => yamlFile<{ groups: RuleGroup[] }>('deploy', 'prometheus', 'rules', f).groups,
      );
      const alerts = groups.flatMap((g) => g.rules).filter((r) => r.alert);
      expect(alerts.length).toBeGreaterThanOrEqual(6);
      for (const rule of alerts) {
        expect({ alert: rule.alert, labels: rule.labels }).toEqual({
          alert: rule.alert,
          labels: { severity: expect.stringMatching(/^(page|ticket)$/), component: 'shipwatch' },
        });
        expect(rule.annotations).toMatchObject({
          summary: expect.any(String),
          description: expect.any(String),
          runbook_url: `docs/operations.md#${rule.alert!.toLowerCase()}`,
        });
        expect(rule.expr).toMatch(/shipwatch|up\{job="shipwatch"\}/);
      }
    });
  });

  describe('Alertmanager', () => {
    it('should pass amtool check-config', () => {
      expect(run('amtool', ['check-config', 'deploy/alertmanager/alertmanager.yml'])).toContain(
        'SUCCESS',
      );
    });
  });

  describe('OpenTelemetry Collector', () => {
    interface Pipeline {
      receivers: string[];
      processors?: string[];
      exporters: string[];
    }
    const config = yamlFile<{
      receivers: Record<string, { protocols?: Record<string, { endpoint: string }> }>;
      processors: Record<string, unknown>;
      exporters: Record<string, { endpoint?: string }>;
      connectors?: Record<string, unknown>;
      extensions?: Record<string, unknown>;
      service: { extensions?: string[]; pipelines: Record<string, Pipeline> };
    }>('deploy', 'otel-collector', 'config.yml');

    it('should take OTLP over gRPC and HTTP', () => {
      expect(config.receivers.otlp.protocols).toEqual({
        grpc: { endpoint: '0.0.0.0:4317' },
        http: { endpoint: '0.0.0.0:4318' },
      });
    });

    it('should define every component its pipelines use', () => {
      const connectors = Object.keys(config.connectors ?? {});
      for (const [name, pipeline] of Object.entries(config.service.pipelines)) {
        for (const r of pipeline.receivers) {
          expect({ name, r, ok: r in config.receivers || connectors.includes(r) }).toMatchObject({
            ok: true,
          });
        }
        for (const p of pipeline.processors ?? [])
          expect(Object.keys(config.processors)).toContain(p);
        for (const e of pipeline.exporters) {
          expect({ name, e, ok: e in config.exporters || connectors.includes(e) }).toMatchObject({
            ok: true,
          });
        }
      }
      for (const ext of config.service.extensions ?? []) {
        expect(Object.keys(config.extensions ?? {})).toContain(ext);
      }
    });

    it('should export metrics to Prometheus on the port Prometheus scrapes', () => {
      expect(config.service.pipelines.metrics.exporters).toContain('prometheus');
      const port = config.exporters.prometheus.endpoint!.split(':')[1];
      const prometheus = readFileSync(join(ROOT, 'deploy', 'prometheus', 'prometheus.yml'), 'utf8');
      expect(prometheus).toContain(`'otel-collector:${port}'`);
    });
  });

  describe('Grafana provisioning', () => {
    const datasources = yamlFile<{
      datasources: { uid: string; type: string; url: string; user?: string }[];
    }>('grafana', 'provisioning', 'datasources', 'datasources.yml').datasources;
    const grafana = compose.services.grafana;

    it('should provision the datasources the dashboards refer to', () => {
      expect(datasources.map((d) => ({ uid: d.uid, type: d.type }))).toEqual([
        PROMETHEUS,
        POSTGRES,
      ]);
    });

    it('should get every ${VARIABLE} of the provisioning files from the grafana service', () => {
      const text = readFileSync(
        join(ROOT, 'grafana', 'provisioning', 'datasources', 'datasources.yml'),
        'utf8',
      );
      const used = [...text.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]);
      expect(used.length).toBeGreaterThan(0);
      for (const name of used) expect(Object.keys(grafana.environment ?? {})).toContain(name);
      expect(grafana.environment?.SHIPWATCH_PROMETHEUS_URL).toBe('http://prometheus:9090');
      // The read-only role created by deploy/postgres/initdb.
      expect(grafana.environment?.SHIPWATCH_GRAFANA_DB_USER).toBe(
        compose.services.postgres.environment?.GRAFANA_DB_USER,
      );
    });

    it('should load the generated dashboards from where compose mounts them', () => {
      const provider = yamlFile<{ providers: { options: { path: string } }[] }>(
        'grafana',
        'provisioning',
        'dashboards',
        'shipwatch.yml',
      ).providers[0];
      const mount = grafana.volumes!.find((v) => v.startsWith('./grafana/dashboards:'))!;
      expect(mount.split(':')[1]).toBe(provider.options.path);
      const home = grafana.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
      expect(home.startsWith(`${provider.options.path}/`)).toBe(true);
      expect(existsSync(join(ROOT, 'grafana', 'dashboards', home.split('/').pop()!))).toBe(true);
    });
  });
});
