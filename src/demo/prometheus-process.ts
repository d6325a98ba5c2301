/**
 * Real Prometheus and Alertmanager processes (Debian packages `prometheus` and
 * `prometheus-alertmanager`; PROMETHEUS_BIN, PROMTOOL_BIN and ALERTMANAGER_BIN name other
 * binaries), for `npm run demo`, the soak benchmark and the integration and e2e tests. Each server
 * runs on a free loopback port with temporary config and data directories, which stop() removes.
 * Processes still running when this process exits are killed.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunningPrometheus {
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM, then SIGKILL) and removes its directories. */
  stop(): Promise<void>;
  /** Stops the server only; its data is kept for start(). */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same data (after kill()). */
  start(): Promise<void>;
  /** kill() then start(). */
  restart(): Promise<void>;
  /** Instant query; the sample values of the result vector. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: number }[]>;
  /** Instant query of a range selector (`x[5m]`): the raw samples of each series. */
  samples(
    promql: string,
  ): Promise<{ metric: Record<string, string>; points: { t: number; v: number }[] }[]>;
}

export interface RunningAlertmanager {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
  /** GET /api/v2/alerts (active alerts by default). */
  alerts(filter?: { active?: boolean }): Promise<GettableAlert[]>;
}

export interface GettableAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL?: string;
  readonly status: { readonly state: 'active' | 'suppressed' | 'unprocessed' };
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Whether a `prometheus` binary can be run (`prometheus --version`). */
export function prometheusAvailable(bin = process.env.PROMETHEUS_BIN ?? 'prometheus'): boolean {
  const probe = spawnSync(bin, ['--version'], { stdio: 'ignore', timeout: 10_000 });
  return probe.error === undefined && probe.status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface PrometheusOptions {
  /** host:port of each target to scrape (job "demo"). */
  readonly scrapeTargets: readonly string[];
  readonly scrapeInterval?: string;
  /** Contents of rule files (YAML), evaluated every scrape interval. */
  readonly ruleFiles?: readonly string[];
  /**
   * History loaded before the start: OpenMetrics text with timestamps (seconds) and `# EOF`,
   * turned into blocks by `promtool tsdb create-blocks-from openmetrics` (PROMTOOL_BIN).
   */
  readonly backfill?: string;
  /** Like `backfill`, from a file (histories too large to hold as one string). */
  readonly backfillFile?: string;
  /**
   * `--storage.tsdb.retention.time` (default 1d). Prometheus deletes the blocks that end more than
   * this before its newest block: a longer history, or an old one beside fresh samples, needs more.
   */
  readonly retention?: string;
  /** An Alertmanager (its URL) that the rules' alerts are sent to, re-sent every second. */
  readonly alertmanagerUrl?: string;
}

export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  const bin = process.env.PROMETHEUS_BIN ?? 'prometheus';
  const dir = mkdtempSync(join(tmpdir(), 'sw-prometheus-'));
  const interval = options.scrapeInterval ?? '1s';
  const rules = (options.ruleFiles ?? []).map((content, i) => {
    const file = join(dir, `rules-${i}.yml`);
    writeFileSync(file, content);
    return file;
  });
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global:',
      `  scrape_interval: ${interval}`,
      `  evaluation_interval: ${interval}`,
      ...(rules.length ? ['rule_files:', ...rules.map((r) => `  - ${JSON.stringify(r)}`)] : []),
      ...(options.alertmanagerUrl
        ? [
            'alerting:',
            '  alertmanagers:',
            `    - static_configs: [{ targets: [${JSON.stringify(new URL(options.alertmanagerUrl).host)}] }]`,
          ]
        : []),
      'scrape_configs:',
      '  - job_name: demo',
      `    scrape_interval: ${interval}`,
      `    scrape_timeout: ${interval}`,
      '    static_configs:',
      `      - targets: [${options.scrapeTargets.map((t) => JSON.stringify(t)).join(', ')}]`,
      '',
    ].join('\n'),
  );
  if (options.backfill !== undefined) writeFileSync(join(dir, 'backfill.om'), options.backfill);
  const backfill =
    options.backfillFile ?? (options.backfill !== undefined ? join(dir, 'backfill.om') : null);
  if (backfill !== null) {
    execFileSync(
      process.env.PROMTOOL_BIN ?? 'promtool',
      ['tsdb', 'create-blocks-from', 'openmetrics', backfill, join(dir, 'data')],
      { stdio: 'pipe' },
    );
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--web.enable-lifecycle',
    `--storage.tsdb.retention.time=${options.retention ?? '1d'}`,
    '--log.level=warn',
    ...(options.alertmanagerUrl ? ['--rules.alert.resend-delay=1s'] : []),
  ];
  let child: ChildProcess | undefined;
  const start = async () => {
    child = await spawnReady(bin, args, `${url}/-/ready`);
  };
  const kill = async () => {
    if (child) await terminate(child);
    child = undefined;
  };
  await start().catch((error: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    url,
    port,
    start,
    kill,
    restart: async () => {
      await kill();
      await start();
    },
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
    async query(promql) {
      const result = await instantQuery<{ value: [number, string] }>(url, promql);
      return result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    async samples(promql) {
      const result = await instantQuery<{ values: [number, string][] }>(url, promql);
      return result.map((r) => ({
        metric: r.metric,
        points: r.values.map(([t, v]) => ({ t, v: Number(v) })),
      }));
    },
  };
}

async function instantQuery<T>(
  url: string,
  promql: string,
): Promise<(T & { metric: Record<string, string> })[]> {
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data?: { result: (T & { metric: Record<string, string> })[] };
  };
  if (body.status !== 'success') throw new Error(`query failed: ${body.error ?? res.status}`);
  return body.data?.result ?? [];
}

/** `config`: the alertmanager.yml to run with (default: every alert to a receiver without integrations). */
export async function startAlertmanager(
  options: { readonly config?: string } = {},
): Promise<RunningAlertmanager> {
  const bin = process.env.ALERTMANAGER_BIN ?? 'prometheus-alertmanager';
  const dir = mkdtempSync(join(tmpdir(), 'sw-alertmanager-'));
  writeFileSync(
    join(dir, 'alertmanager.yml'),
    options.config ??
      [
        'route:',
        '  receiver: blackhole',
        '  group_wait: 1s',
        'receivers:',
        '  - name: blackhole',
        '',
      ].join('\n'),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess;
  try {
    child = await spawnReady(
      bin,
      [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        // An empty address turns clustering (gossip on :9094) off.
        '--cluster.listen-address=',
        '--log.level=warn',
      ],
      `${url}/-/ready`,
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    port,
    stop: async () => {
      await terminate(child);
      rmSync(dir, { recursive: true, force: true });
    },
    async alerts(filter = {}) {
      const active = filter.active ?? true;
      const res = await fetch(`${url}/api/v2/alerts?active=${active}`);
      if (!res.ok) throw new Error(`GET /api/v2/alerts answered ${res.status}`);
      return (await res.json()) as GettableAlert[];
    },
  };
}

/** Spawns a server and resolves once `readyUrl` answers 200 (or rejects with its output). */
async function spawnReady(bin: string, args: string[], readyUrl: string): Promise<ChildProcess> {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  // Set by the event handlers (an object, so that TypeScript does not narrow them away).
  const status: { spawnError?: Error; exited?: string } = {};
  child.once('error', (error) => {
    status.spawnError = error;
  });
  child.once('exit', (code, signal) => {
    status.exited = `exited with ${signal ?? code}`;
    running.delete(child);
  });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (status.spawnError) {
      throw new Error(
        `cannot run ${bin}: ${status.spawnError.message} (install the Debian package: apt-get install -y prometheus prometheus-alertmanager)`,
      );
    }
    if (status.exited) throw new Error(`${bin} ${status.exited}:\n${output}`);
    try {
      const res = await fetch(readyUrl, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await terminate(child);
  throw new Error(`${bin} was not ready within 30 s:\n${output}`);
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    running.delete(child);
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
  running.delete(child);
}
