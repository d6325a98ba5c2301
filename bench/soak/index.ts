/**
 * `npm run bench -- soak`: Shipwatch under sustained load against a real PostgreSQL and a real
 * Prometheus. For SOAK_SECONDS (default 600) a child process sends SOAK_RATE events per second
 * (default 1,000: ingestEvents batches, single mutations, signed GitHub webhooks) while every
 * 20 s a release of an instrumented demo service is deployed to production, so that verification
 * ticks run live (scheduler on) against Prometheus the whole time.
 *
 * Reported: events/s achieved, errors, p50/p99 latency (overall, per kind, and per third of the
 * run), verification ticks and verdicts, and memory (RSS and heap after a full GC) at the start
 * (after warm-up), the middle and the end, with ratios against the start (the baseline of this
 * run). Written to bench/results/soak.json; the exit code is 1 when there were errors or memory
 * grew by more than SOAK_MAX_GROWTH (default 1.25x heap after GC).
 *
 * Environment: SOAK_SECONDS, SOAK_RATE, SOAK_DATABASE_URL (a PostgreSQL server URL; a scratch
 * database is created on it and dropped; default postgres://postgres@127.0.0.1:5432/postgres),
 * PROMETHEUS_BIN. A smoke run: SOAK_SECONDS=30 npm run bench -- soak
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import pg from 'pg';
import { createApp } from '../../src/app.factory.js';
import { loadConfig } from '../../src/config/config.schema.js';
import { startDemoApp } from '../../src/demo/demo-app.js';
import { prometheusAvailable, startPrometheus } from '../../src/demo/prometheus-process.js';
import { JsonLogger } from '../../src/observability/json-logger.js';
import type { Kind, LoadMessage, LoadOptions, LoadSummary, Sample } from './load.js';

const TOKEN = `soak-${randomBytes(8).toString('hex')}`;
const GITHUB_SECRET = `soak-github-${randomBytes(8).toString('hex')}`;
const DEMO_SERVICE = 'soak-demo';
const DEPLOY_EVERY_MS = 20_000;

interface MemoryPoint {
  readonly at: string;
  readonly seconds: number;
  readonly rssMiB: number;
  readonly heapUsedMiB: number;
  readonly heapAfterGcMiB: number;
}

const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** A full GC, when the runtime lets us trigger one (flag set at runtime, as `npm run bench` adds none). */
function collector(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[i] * 10) / 10;
}

function latency(samples: readonly Sample[]): { count: number; p50Ms: number; p99Ms: number } {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  return { count: ms.length, p50Ms: percentile(ms, 50), p99Ms: percentile(ms, 99) };
}

async function scratchDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `shipwatch_soak_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export async function main(): Promise<void> {
  const seconds = Number(process.env.SOAK_SECONDS ?? '600');
  const rate = Number(process.env.SOAK_RATE ?? '1000');
  const maxGrowth = Number(process.env.SOAK_MAX_GROWTH ?? '1.25');
  const serverUrl = process.env.SOAK_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  if (!(seconds > 0) || !(rate > 0)) throw new Error('SOAK_SECONDS and SOAK_RATE must be > 0');
  if (!prometheusAvailable()) {
    throw new Error('the soak benchmark needs a `prometheus` binary (apt-get install prometheus)');
  }
  const gc = collector();
  console.log(
    `soak: ${seconds} s at ${rate} events/s against PostgreSQL and Prometheus (heap after GC: ${gc ? 'yes' : 'no, run node with --expose-gc'})`,
  );

  // Everything started is stopped (and the scratch database dropped), even when the run fails.
  const cleanup: (() => Promise<unknown>)[] = [];
  try {
    const db = await scratchDatabase(serverUrl);
    cleanup.push(() => db.drop());
    const demo = await startDemoApp({
      service: DEMO_SERVICE,
      environment: 'production',
      version: '1.0.0',
      requestsPerSecond: 100,
      errorRate: 0.001,
      latencyMs: 20,
    });
    cleanup.push(() => demo.stop());
    const prometheus = await startPrometheus({ scrapeTargets: [demo.target] });
    cleanup.push(() => prometheus.stop());
    let loggedErrors = 0;
    const errorLines: string[] = [];
    // Errors count while the load runs (not during the shutdown at the end).
    let measuring = true;
    const logger = new JsonLogger('warn', (line) => {
      if (measuring && line.includes('"level":"error"')) {
        loggedErrors++;
        if (errorLines.length < 10) errorLines.push(line.slice(0, 400));
      }
    });
    const { app } = await createApp(
      loadConfig(
        {
          DATABASE_URL: db.url,
          HOST: '127.0.0.1',
          PORT: '0',
          PROMETHEUS_URL: prometheus.url,
          SHIPWATCH_BOOTSTRAP_TOKEN: TOKEN,
          GITHUB_WEBHOOK_SECRET: GITHUB_SECRET,
          SHIPWATCH_SCHEDULER: 'on',
          SHIPWATCH_RATE_LIMIT_RPS: '100000',
          SHIPWATCH_RATE_LIMIT_BURST: '100000',
          LOG_LEVEL: 'warn',
        },
        'soak',
      ),
      logger,
    );
    cleanup.push(() => app.close());
    await app.listen(0, '127.0.0.1');
    const { port } = (app.getHttpServer() as Server).address() as { port: number };
    const url = `http://127.0.0.1:${port}`;

    const gql = async (query: string, variables: Record<string, unknown>) => {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
      if (body.errors) throw new Error(`GraphQL: ${JSON.stringify(body.errors)}`);
      return body.data!;
    };

    const memory: MemoryPoint[] = [];
    const started = Date.now();
    const sampleMemory = (at: string) => {
      const before = process.memoryUsage();
      gc?.();
      const after = process.memoryUsage();
      memory.push({
        at,
        seconds: Math.round((Date.now() - started) / 1000),
        rssMiB: mib(after.rss),
        heapUsedMiB: mib(before.heapUsed),
        heapAfterGcMiB: mib(after.heapUsed),
      });
    };

    let deployments = 0;
    let deployTimer: NodeJS.Timeout | undefined;
    const timers: NodeJS.Timeout[] = [];
    let summary: LoadSummary | undefined;
    try {
      // Short verification timings, so that verifications start, tick and finish during the run.
      await gql(
        'mutation($input: SaveVerificationPolicyInput!) { saveVerificationPolicy(input: $input) { id } }',
        {
          input: {
            service: DEMO_SERVICE,
            environment: 'production',
            mode: 'ADVISE',
            timing: {
              intervalSeconds: 5,
              windowSeconds: 5,
              warmUpSeconds: 0,
              bakeSeconds: 15,
              maxVerificationSeconds: 60,
              settleWindowSeconds: 10,
              preDeployWindowSeconds: 15,
              cooldownSeconds: 0,
            },
          },
        },
      );
      const deploy = async () => {
        deployments++;
        const version = `2.${deployments}.0`;
        demo.control({ version });
        const now = new Date().toISOString();
        await gql(
          'mutation($input: DeploymentInput!) { recordDeployment(input: $input) { result } }',
          {
            input: {
              source: 'soak-cd',
              eventId: `release-${deployments}`,
              deploymentId: `release-${deployments}`,
              service: DEMO_SERVICE,
              environment: 'production',
              version,
              status: 'SUCCEEDED',
              startedAt: now,
              finishedAt: now,
            },
          },
        );
      };
      const deployLoop = () => {
        deployTimer = setTimeout(() => {
          deploy().then(deployLoop, (error: unknown) => {
            loggedErrors++;
            errorLines.push(`deploy: ${(error as Error).message}`);
            deployLoop();
          });
        }, DEPLOY_EVERY_MS);
      };
      await deploy();
      deployLoop();

      // Memory: the baseline after a warm-up (10 % of the run, at least 5 s), the middle, the end.
      const warmUp = Math.max(5, seconds * 0.1);
      timers.push(setTimeout(() => sampleMemory('start'), warmUp * 1000));
      timers.push(setTimeout(() => sampleMemory('middle'), (seconds / 2) * 1000));

      const child = fork(join(import.meta.dirname, 'load.js'), ['--soak-load'], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      summary = await new Promise<LoadSummary>((resolve, reject) => {
        child.on('message', (m: LoadMessage) => {
          if (m.type === 'progress') {
            const elapsed = Math.round((Date.now() - started) / 1000);
            console.log(
              `  ${elapsed}s: ${m.events} events sent, ${m.errors} errors, ${m.inFlight} in flight, rss ${mib(process.memoryUsage().rss)} MiB`,
            );
          } else resolve(m.summary);
        });
        child.once('exit', (code) => reject(new Error(`the load generator exited with ${code}`)));
        child.send({
          url,
          token: TOKEN,
          githubSecret: GITHUB_SECRET,
          rate,
          seconds,
          maxInFlight: 256,
        } satisfies LoadOptions);
      });
      sampleMemory('end');
    } finally {
      measuring = false;
      if (deployTimer) clearTimeout(deployTimer);
      timers.forEach(clearTimeout);
    }

    const stats = new pg.Client({ connectionString: db.url });
    await stats.connect();
    const count = async (sql: string) => Number((await stats.query<{ n: string }>(sql)).rows[0].n);
    const ticks = await count('SELECT count(*) AS n FROM verification_ticks');
    const rawEvents = await count('SELECT count(*) AS n FROM raw_events');
    const states = await stats.query<{ state: string; n: string }>(
      'SELECT state, count(*) AS n FROM release_verifications GROUP BY state ORDER BY state',
    );
    await stats.end();

    const s = summary;
    const thirds = [0, 1, 2].map((i) =>
      latency(s.samples.filter((x) => x.at >= (i * seconds) / 3 && x.at < ((i + 1) * seconds) / 3)),
    );
    const byKind = Object.fromEntries(
      (['batch', 'single', 'webhook'] as Kind[]).map((k) => [
        k,
        latency(s.samples.filter((x) => x.kind === k)),
      ]),
    );
    const start = memory.find((m) => m.at === 'start') ?? memory[0];
    const end = memory.find((m) => m.at === 'end') ?? memory[memory.length - 1];
    const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : null);
    const heapGrowth = ratio(end.heapAfterGcMiB, start.heapAfterGcMiB);
    const errors = s.errors + loggedErrors;
    // Every event Shipwatch acknowledged is stored (the soak's own release deployments aside).
    const storedFromLoad = rawEvents - deployments;
    const lost = Math.max(0, s.acknowledged - storedFromLoad);
    const result = {
      benchmark: 'soak',
      when: new Date().toISOString(),
      node: process.version,
      seconds,
      targetEventsPerSecond: rate,
      achievedEventsPerSecond: Math.round(s.events / s.elapsedSeconds),
      events: s.events,
      acknowledged: s.acknowledged,
      rawEventsStored: rawEvents,
      lostAcknowledgedEvents: lost,
      requests: s.requests,
      errors: { total: errors, client: s.errors, logged: loggedErrors },
      errorSamples: [...s.errorSamples, ...errorLines].slice(0, 20),
      latency: { overall: latency(s.samples), byKind, byThird: thirds },
      verification: {
        deployments,
        ticks,
        states: Object.fromEntries(states.rows.map((r) => [r.state, Number(r.n)])),
      },
      memory: {
        gcAvailable: gc !== undefined,
        points: memory,
        ratios: {
          rssEndToStart: ratio(end.rssMiB, start.rssMiB),
          heapAfterGcEndToStart: heapGrowth,
          p99LastThirdToFirstThird: ratio(thirds[2].p99Ms, thirds[0].p99Ms),
        },
      },
      ok: errors === 0 && lost === 0 && (heapGrowth === null || heapGrowth <= maxGrowth),
    };

    console.table(
      memory.map((m) => ({
        point: m.at,
        seconds: m.seconds,
        'rss MiB': m.rssMiB,
        'heap MiB': m.heapUsedMiB,
        'heap after GC MiB': m.heapAfterGcMiB,
      })),
    );
    console.table({
      overall: result.latency.overall,
      ...byKind,
      'first third': thirds[0],
      'middle third': thirds[1],
      'last third': thirds[2],
    });
    console.table({
      'events/s (target)': rate,
      'events/s (achieved)': result.achievedEventsPerSecond,
      errors,
      'acknowledged events lost': lost,
      'verification ticks': result.verification.ticks,
      'heap after GC end/start': heapGrowth,
      'rss end/start': result.memory.ratios.rssEndToStart,
      'p99 last/first third': result.memory.ratios.p99LastThirdToFirstThird,
      ok: result.ok,
    });
    if (result.errorSamples.length > 0) console.log('errors:', result.errorSamples);

    const out = join(import.meta.dirname, '..', '..', '..', 'bench', 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'soak.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote bench/results/soak.json${result.ok ? '' : ' (NOT OK)'}`);
    if (!result.ok) process.exitCode = 1;
  } finally {
    for (const step of cleanup.reverse()) {
      await step().catch((error: unknown) => console.error(`soak cleanup: ${String(error)}`));
    }
  }
}
