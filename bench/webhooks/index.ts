/**
 * `npm run bench -- webhooks`: fires bursts of concurrent, authentic webhook deliveries at a
 * real Shipwatch (the database of DATABASE_URL, else embedded in memory) and reports their
 * latency against two baselines measured in the same run: GET /healthz (the HTTP stack) and the
 * same deployments through GraphQL recordDeployment (ingestion's own cost), so that the ratio
 * shows what the webhook layer adds. GitHub gives up on a delivery after 10 s: the figure to
 * watch is the p99/max of the webhook bursts. BENCH_CONCURRENCY sets the burst size (500).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createApp } from '../../src/app.factory.js';
import { loadConfig } from '../../src/config/config.schema.js';
import { closeDatabase } from '../../src/database/data-source.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 500);
const GITHUB_SECRET = 'bench-github-secret';
const GITLAB_TOKEN = 'bench-gitlab-token';
const CE_TOKEN = 'bench-cloudevents-token';
const BOOTSTRAP_TOKEN = 'bench-bootstrap-token';

export interface Request {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

export interface Burst {
  readonly name: string;
  readonly requests: number;
  readonly failed: number;
  readonly statuses: Record<string, number>;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly wallMs: number;
  readonly perSecond: number;
}

/** The repository root, from bench/webhooks (ts) or dist/bench/webhooks (compiled). */
const root = ['../..', '../../..']
  .map((up) => join(import.meta.dirname, up))
  .find((dir) => existsSync(join(dir, 'test', 'fixtures', 'gitlab')))!;
const fromRoot = (...parts: string[]): string => join(root, ...parts);

function deploymentStatus(i: number): Request {
  const id = 9_000_000 + i;
  const payload = {
    action: 'created',
    deployment_status: {
      id: 80_000_000 + i,
      state: 'success',
      created_at: '2026-11-30T10:00:05Z',
      updated_at: '2026-11-30T10:00:05Z',
      log_url: `https://github.com/acme/shop/actions/runs/${id}`,
    },
    deployment: {
      id,
      sha: 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e',
      ref: 'main',
      task: 'deploy',
      payload: { service: `svc-${i % 20}` },
      environment: i % 2 === 0 ? 'production' : 'staging',
      created_at: '2026-11-30T10:00:00Z',
      updated_at: '2026-11-30T10:00:05Z',
    },
    repository: {
      id: 1,
      name: 'shop',
      full_name: 'acme/shop',
      html_url: 'https://github.com/acme/shop',
    },
  };
  const body = JSON.stringify(payload);
  return {
    method: 'POST',
    path: '/webhooks/github',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'deployment_status',
      'x-github-delivery': `bench-${i}`,
      'x-hub-signature-256': `sha256=${createHmac('sha256', GITHUB_SECRET).update(body).digest('hex')}`,
    },
    body,
  };
}

function gitlabPipeline(i: number, template: Record<string, unknown>): Request {
  const payload = structuredClone(template);
  (payload.object_attributes as Record<string, unknown>).id = 500_000 + i;
  return {
    method: 'POST',
    path: '/webhooks/gitlab',
    headers: {
      'content-type': 'application/json',
      'x-gitlab-event': 'Pipeline Hook',
      'x-gitlab-token': GITLAB_TOKEN,
      'idempotency-key': randomUUID(),
    },
    body: JSON.stringify(payload),
  };
}

function cdevent(i: number): Request {
  const id = randomUUID();
  const type = 'dev.cdevents.service.deployed.0.3.0';
  const event = {
    context: {
      specversion: '0.5.1',
      id,
      source: '/bench',
      type,
      timestamp: '2026-11-30T10:00:00Z',
    },
    subject: {
      id: `svc-${i % 20}`,
      content: { environment: { id: 'production' }, artifactId: `pkg:oci/svc@sha256%3A${i}` },
    },
  };
  return {
    method: 'POST',
    path: '/cloudevents',
    headers: {
      authorization: `Bearer ${CE_TOKEN}`,
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-id': id,
      'ce-source': '/bench',
      'ce-type': type,
    },
    body: JSON.stringify(event),
  };
}

/** The same deployment as deploymentStatus(i), through GraphQL: ingestion's own cost. */
function recordDeployment(i: number, token: string): Request {
  const id = 9_500_000 + i;
  return {
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      query: 'mutation($d: DeploymentInput!) { recordDeployment(input: $d) { result } }',
      variables: {
        d: {
          source: 'bench',
          eventId: `graphql-${i}`,
          deploymentId: String(id),
          service: `svc-${i % 20}`,
          environment: i % 2 === 0 ? 'production' : 'staging',
          version: 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e',
          commitSha: 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e',
          repository: 'acme/shop',
          status: 'SUCCEEDED',
          startedAt: '2026-11-30T10:00:00Z',
          finishedAt: '2026-11-30T10:00:05Z',
          url: `https://github.com/acme/shop/actions/runs/${id}`,
        },
      },
    }),
  };
}

/**
 * Sends the requests all at once from a worker thread, so that the load generator does not
 * compete with the server for its event loop, and returns their latencies.
 */
function burst(base: string, name: string, requests: readonly Request[]): Promise<Burst> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./client.js', import.meta.url), {
      workerData: { base, name, requests },
    });
    worker.once('message', (result: Burst) => resolve(result));
    worker.once('error', reject);
  });
}

const round = (n: number): number => Math.round(n * 10) / 10;

export async function main(): Promise<void> {
  const config = loadConfig(
    {
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: process.env.DATABASE_URL,
      SHIPWATCH_DATA_DIR: 'memory://',
      SHIPWATCH_SCHEDULER: 'off',
      LOG_LEVEL: 'error',
      SHIPWATCH_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
      GITHUB_WEBHOOK_SECRET: GITHUB_SECRET,
      GITLAB_WEBHOOK_TOKEN: GITLAB_TOKEN,
      CLOUDEVENTS_TOKEN: CE_TOKEN,
    },
    'bench',
  );
  const { app, db } = await createApp(config, false);
  try {
    await app.listen(0, '127.0.0.1');
    const { port } = (app.getHttpServer() as { address(): AddressInfo }).address();
    const base = `http://127.0.0.1:${port}`;
    const gitlab = JSON.parse(
      readFileSync(fromRoot('test', 'fixtures', 'gitlab', 'pipeline.json'), 'utf8'),
    ) as Record<string, unknown>;
    const n = CONCURRENCY;
    const range = (k: number) => Array.from({ length: n }, (_, i) => k * n + i);
    const health: Request = { method: 'GET', path: '/healthz', headers: {} };

    // warm-up: compile schemas, fill pools, JIT
    await burst(base, 'warm-up', [
      ...range(90).slice(0, 20).map(deploymentStatus),
      ...range(91)
        .slice(0, 10)
        .map((i) => gitlabPipeline(i, gitlab)),
      ...range(92).slice(0, 10).map(cdevent),
    ]);

    const github = range(0).map(deploymentStatus);
    const results = [
      await burst(
        base,
        'baseline GET /healthz',
        range(0).map(() => health),
      ),
      await burst(
        base,
        'baseline GraphQL recordDeployment',
        range(0).map((i) => recordDeployment(i, BOOTSTRAP_TOKEN)),
      ),
      await burst(base, 'github deployment_status (new)', github),
      await burst(base, 'github redelivery (duplicate)', github),
      await burst(
        base,
        'gitlab Pipeline Hook',
        range(1).map((i) => gitlabPipeline(i, gitlab)),
      ),
      await burst(base, 'cloudevents service.deployed', range(2).map(cdevent)),
    ];
    const [baseline, graphql] = results;
    const table = results.map((r) => ({
      burst: r.name,
      n: r.requests,
      non2xx: r.failed,
      p50_ms: r.p50Ms,
      p95_ms: r.p95Ms,
      p99_ms: r.p99Ms,
      max_ms: r.maxMs,
      per_s: r.perSecond,
      p95_vs_healthz: round(r.p95Ms / Math.max(baseline.p95Ms, 0.1)),
      p95_vs_graphql: round(r.p95Ms / Math.max(graphql.p95Ms, 0.1)),
      statuses: Object.entries(r.statuses)
        .map(([status, count]) => `${status}:${count}`)
        .join(' '),
    }));
    console.log(`database: ${db.description}; ${n} concurrent requests per burst`);
    console.table(table);
    const out = fromRoot('bench', 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(
      join(out, `webhooks-${config.databaseKind}.json`),
      `${JSON.stringify(
        {
          measuredAt: new Date().toISOString(),
          database: config.databaseKind,
          concurrency: n,
          node: process.version,
          bursts: results,
          p95RatioVsHealthz: Object.fromEntries(table.map((r) => [r.burst, r.p95_vs_healthz])),
          p95RatioVsGraphql: Object.fromEntries(table.map((r) => [r.burst, r.p95_vs_graphql])),
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await app.close();
    await closeDatabase(db).catch(() => undefined);
  }
}
