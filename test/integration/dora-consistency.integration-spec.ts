import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { DataSource } from 'typeorm';
import {
  fixtureOps,
  refreshDora,
  type DoraFixture,
  type FixtureDeployment,
  type FixtureIncident,
  type Op,
} from '../factories/dora-factory.js';
import { closeDatabase, openTestDatabase, resetData } from '../support/test-app.js';
import type { OpenedDatabase } from '../../src/database/data-source.js';
import { figuresOfRow, sqlReport, staleFacts } from './dora-support.js';

/**
 * The materialisation is exact: whatever the order events arrive in and whenever the facts are
 * refreshed, the materialised facts equal the definitions computed afresh; the org-wide report
 * (rollups, histogram-then-bin percentiles) equals the scoped report over every service (facts,
 * percentile_cont), and its lead-time percentiles equal percentile_cont over the raw tables.
 */

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const START = Date.parse('2026-03-01T00:00:00Z');
const MINUTE = 60_000;
const iso = (ms: number): string => new Date(ms).toISOString();

function randomFixture(seed: number): DoraFixture {
  const rnd = prng(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const services = ['a', 'b', 'c'];
  const envs = ['prod-eu', 'prod-us', 'staging'];
  const changes = Array.from({ length: 40 }, (_, i) => ({
    sha: `c${String(i).padStart(9, '0')}`,
    committedAt: iso(START - 3 * 86_400_000 + int((10 * 86_400_000) / MINUTE) * MINUTE),
    ...(rnd() < 0.3
      ? { prFirstCommitAt: iso(START - 5 * 86_400_000 + int((5 * 86_400_000) / MINUTE) * MINUTE) }
      : {}),
  }));
  const deployments: FixtureDeployment[] = [];
  for (let i = 0; i < 28; i++) {
    const status = pick([
      'SUCCEEDED',
      'SUCCEEDED',
      'SUCCEEDED',
      'ROLLED_BACK',
      'FAILED',
      'CANCELLED',
      'IN_PROGRESS',
    ] as const);
    const finished = START + int((2 * 86_400_000) / MINUTE) * MINUTE;
    const earlier = deployments.filter((d) => d.finishedAt);
    deployments.push({
      id: `d${i}`,
      service: pick(services),
      environment: pick(envs),
      status,
      kind: pick(['PLANNED', 'PLANNED', 'PLANNED', 'HOTFIX', 'ROLLBACK', 'REVERT'] as const),
      ...(status === 'IN_PROGRESS' ? {} : { finishedAt: iso(finished) }),
      ...(status === 'ROLLED_BACK' ? { statusAt: iso(finished + int(180) * MINUTE) } : {}),
      changes: Array.from({ length: int(4) }, () => pick(changes).sha).filter(
        (s, j, all) => all.indexOf(s) === j,
      ),
      ...(earlier.length > 0 && rnd() < 0.2
        ? { remediates: [{ deployment: pick(earlier).id }] }
        : {}),
    });
  }
  const incidents: FixtureIncident[] = Array.from({ length: 16 }, (_, i) => {
    const detected = START + int((3 * 86_400_000) / MINUTE) * MINUTE;
    const r = rnd();
    return {
      id: `i${i}`,
      services: rnd() < 0.2 ? ['a', 'b'] : [pick(services)],
      ...(rnd() < 0.8 ? { environment: pick(envs) } : {}),
      detectedAt: iso(detected),
      ...(rnd() < 0.5 ? { impactStartedAt: iso(detected - int(60) * MINUTE) } : {}),
      ...(rnd() < 0.6 ? { mitigatedAt: iso(detected + int(600) * MINUTE) } : {}),
      ...(rnd() < 0.6 ? { resolvedAt: iso(detected + int(1200) * MINUTE) } : {}),
      ...(r < 0.3
        ? {
            causedBy: [
              {
                deployment: pick(deployments).id,
                attribution: pick(['EXPLICIT', 'INFERRED', 'CONFIRMED'] as const),
              },
            ],
          }
        : {}),
    };
  });
  return {
    name: `random ${seed}`,
    services: services.map((name, i) => ({ name, team: i < 2 ? 'red' : 'blue' })),
    environments: envs.map((name) => ({
      name,
      tier: name === 'staging' ? 'staging' : 'production',
    })),
    changes,
    deployments,
    incidents,
  };
}

/** Ops in a random order that respects their dependencies, with refreshes in between. */
async function applyShuffled(
  ds: DataSource,
  ops: Op[],
  seed: number,
  refreshChance = 0.4,
): Promise<void> {
  const rnd = prng(seed ^ 0x5bd1e995);
  const ids = new Map<string, string>();
  const done = new Set<string>();
  const pending = [...ops];
  while (pending.length > 0) {
    const ready = pending.filter((op) => op.after.every((k) => done.has(k)));
    const op = ready[Math.floor(rnd() * ready.length)];
    pending.splice(pending.indexOf(op), 1);
    await op.run(ds, ids);
    done.add(op.key);
    if (rnd() < refreshChance) await refreshDora(ds);
  }
  await refreshDora(ds);
}

describe('DORA materialisation is exact', () => {
  let db: OpenedDatabase;
  beforeAll(async () => {
    db = await openTestDatabase();
  });
  afterAll(async () => {
    await closeDatabase(db);
  });

  it('matches the definitions, the scoped report and percentile_cont, in any arrival order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
        await resetData(db);
        await refreshDora(db.dataSource); // rebuilds once (a reset dropped dora_state), then folds changes
        const fixture = randomFixture(seed);
        await applyShuffled(db.dataSource, fixtureOps(fixture), seed);
        expect(await staleFacts(db.dataSource)).toEqual([]);

        const rnd = prng(seed ^ 0x1234567);
        const from = START - 86_400_000 + Math.floor(rnd() * 48 * 60) * MINUTE;
        const to =
          from + (4 + Math.floor(rnd() * 8)) * 86_400_000 + Math.floor(rnd() * 600) * MINUTE;
        for (const [timezone, granularity] of [
          ['UTC', 'WEEK'],
          ['Europe/Berlin', 'DAY'],
          ['Asia/Kolkata', 'DAY'],
          ['America/New_York', 'MONTH'],
        ]) {
          const filter = { from: iso(from), to: iso(to), timezone, granularity };
          const org = (await sqlReport(db.dataSource, filter)).map(figuresOfRow);
          const everyService = (
            await sqlReport(db.dataSource, { ...filter, services: ['a', 'b', 'c'] })
          ).map(figuresOfRow);
          expect(org).toEqual(everyService);
        }

        const [raw]: { q: number[] | null; n: number }[] = await db.dataSource.query(
          `SELECT percentile_cont(ARRAY[0.5, 0.75, 0.9]::float8[]) WITHIN GROUP (ORDER BY dc.lead_time_seconds) AS q,
                  count(dc.lead_time_seconds)::int AS n
           FROM deployment_changes dc
           JOIN deployments d ON d.id = dc.deployment_id
           JOIN environments e ON e.id = d.environment_id
           WHERE e.tier = 'production' AND d.status IN ('SUCCEEDED', 'ROLLED_BACK')
             AND d.finished_at >= $1 AND d.finished_at < $2`,
          [iso(from), iso(to)],
        );
        const [window] = await sqlReport(db.dataSource, {
          from: iso(from),
          to: iso(to),
          timezone: 'Asia/Kolkata',
        });
        expect([
          window.lead_time_p50_seconds,
          window.lead_time_p75_seconds,
          window.lead_time_p90_seconds,
        ]).toEqual(raw.q ?? [null, null, null]);
        expect(window.lead_times).toBe(raw.n);
      }),
      { numRuns: 12 },
    );
  });

  const dir = join(import.meta.dirname, '..', 'fixtures', 'dora');
  const scenarios = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as DoraFixture);

  it.each(scenarios.map((f) => [f.name, f] as const))(
    'keeps the facts of "%s" exact when its events arrive in any order, refreshed after each',
    async (_name, fixture) => {
      for (const seed of [1, 2, 3]) {
        await resetData(db);
        await refreshDora(db.dataSource);
        await applyShuffled(db.dataSource, fixtureOps(fixture), seed, 1);
        expect(await staleFacts(db.dataSource)).toEqual([]);
      }
    },
  );
});
