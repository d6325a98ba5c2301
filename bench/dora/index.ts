/**
 * `npm run bench -- dora`: DORA reports over two years of a 500-service organisation (1M
 * deployments, 5M changes, incidents) in real PostgreSQL, in a fresh database `sw_bench_dora` on
 * the server of BENCH_DATABASE_URL (else DATABASE_URL, else postgres://postgres@127.0.0.1:5432).
 * Measures p50/p95 of the org-wide 90-day report and of one service's two-year weekly series
 * through dora_report (what GraphQL and Grafana run), beside the straightforward computation of
 * the same definitions over the raw tables in the same run, checks that both give the same
 * figures, and writes bench/results/dora.json. BENCH_DORA_REUSE=1 keeps an existing database.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { closeDatabase, openDatabase } from '../../src/database/data-source.js';
import { runMigrations } from '../../src/database/migrator.js';
import { BASELINE_REPORT } from './baseline.js';
import { BENCH_DAYS, BENCH_START, DEPLOYMENTS, GENERATE, SERVICES } from './generate.js';

const DATABASE = 'sw_bench_dora';
const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const BASELINE_RUNS = Number(process.env.BENCH_BASELINE_RUNS ?? 5);
const TIMEZONE = 'Europe/Berlin';
/** The dashboard's "now": the end of the generated history, at an arbitrary minute. */
const NOW = new Date(
  Date.parse(BENCH_START) + BENCH_DAYS * 86_400_000 - 8 * 3_600_000 - 23 * 60_000,
);
const NINETY_DAYS_AGO = new Date(NOW.getTime() - 90 * 86_400_000);
const SERVICE = 'svc-042';
const TARGET_P95_MS = 100;

const root = ['../..', '../../..']
  .map((up) => join(import.meta.dirname, up))
  .find((dir) => existsSync(join(dir, 'package.json')))!;

function serverUrl(): string {
  return (
    process.env.BENCH_DATABASE_URL ??
    process.env.DATABASE_URL ??
    'postgres://postgres@127.0.0.1:5432/postgres'
  );
}

function databaseUrl(): string {
  const url = new URL(serverUrl());
  url.pathname = `/${DATABASE}`;
  return url.toString();
}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  process.stdout.write(`  ${label} ... `);
  const start = performance.now();
  const value = await fn();
  const ms = performance.now() - start;
  console.log(`${(ms / 1000).toFixed(1)} s`);
  return { value, ms };
}

const round = (x: number): number => Math.round(x * 10) / 10;

function quantile(sorted: number[], q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

interface Measured {
  readonly name: string;
  readonly runs: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly maxMs: number;
}

async function measure(
  client: pg.Client,
  name: string,
  runs: number,
  sql: string,
  params: unknown[],
): Promise<{ m: Measured; rows: Record<string, unknown>[] }> {
  let rows: Record<string, unknown>[] = [];
  await client.query(sql, params); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    rows = (await client.query(sql, params)).rows as Record<string, unknown>[];
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const m = {
    name,
    runs,
    p50Ms: Math.round(quantile(times, 0.5) * 10) / 10,
    p95Ms: Math.round(quantile(times, 0.95) * 10) / 10,
    maxMs: Math.round(times[times.length - 1] * 10) / 10,
  };
  console.log(`  ${name}: p50 ${m.p50Ms} ms, p95 ${m.p95Ms} ms (${runs} runs)`);
  return { m, rows };
}

/** The figures both computations give, for comparison. */
function comparable(rows: Record<string, unknown>[]): unknown[] {
  return rows.map((r) => [
    r.label,
    r.deployments,
    r.deployment_days,
    r.failed,
    r.reworked,
    r.lead_times,
    r.lead_time_p50_seconds,
    r.lead_time_p75_seconds,
    r.lead_time_p90_seconds,
    r.recoveries,
    r.recovery_p50_seconds,
  ]);
}

async function prepare(): Promise<Record<string, number>> {
  const admin = new pg.Client({ connectionString: serverUrl() });
  await admin.connect();
  const exists =
    (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE])).rowCount === 1;
  const reuse = exists && process.env.BENCH_DORA_REUSE === '1';
  if (!reuse) {
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${DATABASE}`);
  }
  await admin.end();
  const db = await openDatabase({
    databaseUrl: databaseUrl(),
    dataDir: 'memory://',
    databasePoolSize: 1,
  });
  await runMigrations(db.dataSource);
  await closeDatabase(db);
  if (reuse) {
    console.log(`reusing ${DATABASE}`);
    return {};
  }
  const client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  const seconds: Record<string, number> = {};
  console.log(`generating ${SERVICES} services x ${BENCH_DAYS} days in ${DATABASE}:`);
  await client.query('SET session_replication_role = replica');
  for (const step of GENERATE) {
    seconds[step.label] = round((await timed(step.label, () => client.query(step.sql))).ms / 1000);
  }
  await client.query('SET session_replication_role = DEFAULT');
  seconds.analyze = round((await timed('ANALYZE', () => client.query('ANALYZE'))).ms / 1000);
  const rebuild = await timed('dora_rebuild() (facts and rollups)', () =>
    client.query('SELECT dora_rebuild()'),
  );
  seconds.rebuild = round(rebuild.ms / 1000);
  // Steady state: autovacuum keeps visibility maps current, so index-only scans stay index-only.
  seconds.vacuum = round(
    (await timed('VACUUM ANALYZE', () => client.query('VACUUM ANALYZE'))).ms / 1000,
  );
  await client.end();
  return seconds;
}

export async function main(): Promise<void> {
  const generation = await prepare();
  const client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  const sizes = (
    await client.query(`
      SELECT (SELECT count(*) FROM deployments)::int AS deployments,
             (SELECT count(*) FROM deployment_changes)::int AS changes,
             (SELECT count(*) FROM incidents)::int AS incidents,
             (SELECT count(*) FROM dora_rollup)::int AS rollup_rows,
             (SELECT count(*) FROM dora_rollup_lead_bins)::int AS rollup_bin_rows,
             pg_size_pretty(pg_database_size(current_database())) AS database_size`)
  ).rows[0] as Record<string, unknown>;
  console.log('data:', sizes);

  const org = [NINETY_DAYS_AGO, NOW, TIMEZONE, 'week'];
  const series = [new Date(BENCH_START), NOW, TIMEZONE, 'week'];
  const report = `SELECT * FROM dora_report($1, $2, $3, $4, 'production', $5)`;
  console.log('measuring:');
  const orgReport = await measure(
    client,
    'org-wide 90-day weekly report (dora_report)',
    RUNS,
    report,
    [...org, null],
  );
  const orgExplicit = await measure(
    client,
    'org-wide 90-day weekly report, EXPLICIT and CONFIRMED only',
    RUNS,
    `SELECT * FROM dora_report($1, $2, $3, $4, 'production', $5,
                               p_attributions => ARRAY['EXPLICIT', 'CONFIRMED'])`,
    [...org, null],
  );
  const orgBaseline = await measure(
    client,
    'org-wide 90-day weekly report (raw tables)',
    BASELINE_RUNS,
    BASELINE_REPORT,
    [...org, null],
  );
  const svcReport = await measure(
    client,
    `${SERVICE} 2-year weekly series (dora_report)`,
    RUNS,
    report,
    [...series, [SERVICE]],
  );
  const svcBaseline = await measure(
    client,
    `${SERVICE} 2-year weekly series (raw tables)`,
    BASELINE_RUNS,
    BASELINE_REPORT,
    [...series, [SERVICE]],
  );

  const same = {
    orgWide:
      JSON.stringify(comparable(orgReport.rows)) === JSON.stringify(comparable(orgBaseline.rows)),
    service:
      JSON.stringify(comparable(svcReport.rows)) === JSON.stringify(comparable(svcBaseline.rows)),
  };
  if (!same.orgWide || !same.service) {
    console.error('MISMATCH between dora_report and the raw-table computation', same);
    console.error(JSON.stringify(comparable(orgReport.rows).slice(0, 3)));
    console.error(JSON.stringify(comparable(orgBaseline.rows).slice(0, 3)));
  }

  // Live maintenance: one production deployment with 6 changes arrives, then dora_refresh().
  await client.query(
    `
    INSERT INTO changes (repository, sha, committed_at)
    SELECT 'acme/svc-7', lpad(to_hex(4000000000 + i), 12, '0'), $1::timestamptz - i * interval '1 hour'
    FROM generate_series(1, 6) i ON CONFLICT DO NOTHING`,
    [NOW],
  );
  const refreshTimes: number[] = [];
  for (let i = 0; i < 10; i++) {
    await client.query('BEGIN');
    const [{ id }] = (
      await client.query(
        `INSERT INTO deployments (source, external_id, service_id, environment_id, status, finished_at,
                                  status_at, last_event_at, changeset_status)
         VALUES ('bench-live', $1, 8, 1, 'SUCCEEDED', $2, $2, $2, 'FROM_EVENT') RETURNING id`,
        [`live-${Date.now()}-${i}`, new Date(NOW.getTime() + i * 60_000)],
      )
    ).rows as { id: string }[];
    await client.query(
      `INSERT INTO deployment_changes (deployment_id, change_id, lead_time_seconds)
       SELECT $1, c.id, 3600 * row_number() OVER () FROM changes c WHERE c.repository = 'acme/svc-7'
       ORDER BY c.id DESC LIMIT 6`,
      [id],
    );
    await client.query('COMMIT');
    const start = performance.now();
    await client.query('SELECT dora_refresh()');
    refreshTimes.push(performance.now() - start);
  }
  await client.query(`DELETE FROM deployments WHERE source = 'bench-live'`);
  await client.query('SELECT dora_refresh()');
  refreshTimes.sort((a, b) => a - b);
  const refresh = {
    name: 'dora_refresh() after one live deployment',
    runs: refreshTimes.length,
    p50Ms: Math.round(quantile(refreshTimes, 0.5) * 10) / 10,
    p95Ms: Math.round(quantile(refreshTimes, 0.95) * 10) / 10,
    maxMs: Math.round(refreshTimes[refreshTimes.length - 1] * 10) / 10,
  };
  await client.end();

  const ratio = (base: Measured, fast: Measured): number =>
    Math.round((base.p50Ms / fast.p50Ms) * 10) / 10;
  const rows = [
    { ...orgReport.m, speedupVsRaw: ratio(orgBaseline.m, orgReport.m) },
    { ...orgExplicit.m, speedupVsRaw: ratio(orgBaseline.m, orgExplicit.m) },
    { ...orgBaseline.m, speedupVsRaw: 1 },
    { ...svcReport.m, speedupVsRaw: ratio(svcBaseline.m, svcReport.m) },
    { ...svcBaseline.m, speedupVsRaw: 1 },
    { ...refresh, speedupVsRaw: null },
  ];
  console.log('');
  console.table(rows);
  const meetsTarget = orgReport.m.p95Ms < TARGET_P95_MS && orgExplicit.m.p95Ms < TARGET_P95_MS;
  console.log(
    `org-wide 90-day report p95 ${orgReport.m.p95Ms} ms (filtered by attribution ${orgExplicit.m.p95Ms} ms): ${meetsTarget ? 'meets' : 'MISSES'} the ${TARGET_P95_MS} ms target; ` +
      `same figures as the raw-table computation: ${same.orgWide && same.service ? 'yes' : 'NO'}`,
  );

  const results = {
    measuredAt: new Date().toISOString(),
    database: 'postgres',
    node: process.version,
    data: { ...sizes, services: SERVICES, days: BENCH_DAYS, generatedDeployments: DEPLOYMENTS },
    generationSeconds: generation,
    timezone: TIMEZONE,
    now: NOW.toISOString(),
    targetP95Ms: TARGET_P95_MS,
    meetsTarget,
    sameFiguresAsRaw: same,
    results: rows,
  };
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(root, 'bench', 'results', 'dora.json'),
    `${JSON.stringify(results, null, 2)}\n`,
  );
  if (!same.orgWide || !same.service) process.exitCode = 1;
}
