/**
 * `npm run bench -- edge`: what anonymous attackers cost a token holder. A real Shipwatch (the
 * database of DATABASE_URL, else embedded in memory) serves a token holder's reads and GET
 * /healthz from worker threads, first alone (quiet), then while four anonymous clients send what
 * issue 17 found expensive — 22-level fragment bombs, 4.8 MB documents of repeated tokens, and
 * made-up tokens — as fast as they are answered. Reported: the token holder's and /healthz's
 * p50/p99 under the flood as ratios of the quiet run (the goal: p99 within 3×), the server's
 * event-loop delay, and how the attackers were answered. BENCH_SECONDS sets each phase (10).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { createApp } from '../../src/app.factory.js';
import { loadConfig } from '../../src/config/config.schema.js';
import { closeDatabase } from '../../src/database/data-source.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const TOKEN = 'bench-edge-bootstrap-token';

export interface EdgeRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

export interface Latencies {
  readonly requests: number;
  readonly statuses: Record<string, number>;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

const graphql = (query: string, token?: string): EdgeRequest => ({
  method: 'POST',
  path: '/graphql',
  headers: {
    'content-type': 'application/json',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  },
  body: JSON.stringify({ query }),
});

function attacks(): EdgeRequest[] {
  let bomb = 'query { ...F0 }';
  for (let i = 0; i < 22; i++) bomb += ` fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`;
  bomb += ' fragment F22 on Query { serverInfo { version } }';
  const flood = `{ ${'serverInfo '.repeat(Math.floor((4.8 * 1024 * 1024) / 11))}}`;
  return [
    graphql(bomb),
    graphql(flood),
    graphql('{ deployments { edges { cursor } } }', 'sw_made-up-token-0000000000000000000000'),
    graphql(bomb, `sw_${Math.random().toString(36).slice(2)}`),
  ];
}

function run(base: string, requests: EdgeRequest[], loops: number): Promise<Latencies> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./client.js', import.meta.url), {
      workerData: { base, requests, loops, seconds: SECONDS },
    });
    worker.once('message', (m: Latencies) => resolve(m));
    worker.once('error', reject);
  });
}

export async function main(): Promise<void> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: process.env.DATABASE_URL,
    SHIPWATCH_DATA_DIR: 'memory://',
    SHIPWATCH_BOOTSTRAP_TOKEN: TOKEN,
    SHIPWATCH_SCHEDULER: 'off',
    LOG_LEVEL: 'error',
  });
  const { app, db } = await createApp(config, false);
  try {
    await app.listen(0, '127.0.0.1');
    const server = app.getHttpServer() as import('node:http').Server;
    const { port } = server.address() as AddressInfo;
    const base = `http://127.0.0.1:${port}`;
    const reader = [graphql('{ deployments(first: 20) { edges { cursor } } }', TOKEN)];
    const health: EdgeRequest[] = [{ method: 'GET', path: '/healthz', headers: {} }];
    const delay = monitorEventLoopDelay({ resolution: 10 });

    const phase = async (withAttackers: boolean) => {
      delay.reset();
      delay.enable();
      const [holder, healthz, attackers] = await Promise.all([
        run(base, reader, 1),
        run(base, health, 1),
        withAttackers ? run(base, attacks(), 4) : Promise.resolve(undefined),
      ]);
      delay.disable();
      return { holder, healthz, attackers, loopDelayMaxMs: Math.round(delay.max / 1e6) };
    };
    const quiet = await phase(false);
    const flood = await phase(true);
    const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
    const table = {
      'token holder p50 (ms)': [quiet.holder.p50Ms, flood.holder.p50Ms],
      'token holder p99 (ms)': [quiet.holder.p99Ms, flood.holder.p99Ms],
      '/healthz p99 (ms)': [quiet.healthz.p99Ms, flood.healthz.p99Ms],
      'server event-loop delay max (ms)': [quiet.loopDelayMaxMs, flood.loopDelayMaxMs],
    };
    console.table(
      Object.fromEntries(
        Object.entries(table).map(([k, [q, f]]) => [k, { quiet: q, flood: f, ratio: ratio(f, q) }]),
      ),
    );
    console.log(
      `attackers: ${flood.attackers!.requests} requests answered ${JSON.stringify(flood.attackers!.statuses)}; ` +
        `token holder p99 under the flood = ${ratio(flood.holder.p99Ms, quiet.holder.p99Ms)}× quiet (goal ≤ 3×)`,
    );
    const out = join(import.meta.dirname, '..', '..', '..', 'bench', 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(
      join(out, `edge-${config.databaseKind}.json`),
      `${JSON.stringify({ seconds: SECONDS, quiet, flood }, null, 2)}\n`,
    );
  } finally {
    await app.close();
    await closeDatabase(db).catch(() => undefined);
  }
}
