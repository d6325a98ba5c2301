/**
 * The labelled scenario corpus through a REAL Prometheus (issue 16 parts 2 and 9): every case of
 * src/verification/analysis/scenario-corpus.ts as the simulator scrapes it (TrafficSimulator:
 * per pod series, samples at 15, 30 and 60 s with each pod's own phase and a ±0.25 s jitter, a
 * series from its first request), written as OpenMetrics (test/integration/scraped-corpus.ts) and
 * turned into blocks by `promtool tsdb create-blocks-from openmetrics`; each deploy recorded through
 * the GraphQL API 0, 0.37 and 0.81 of an interval off the scrape grid (the hour-long cases at one
 * offset per interval) and judged by `backtestPolicy` with the default policy in ENFORCE mode.
 *
 * Each run twice: on expected traffic (the labels are about the signal, as in
 * scenario-corpus.spec.ts), where every verdict must be one its label allows, critical
 * regressions rolled back within 90 s of onset (150 s at a 60 s scrape) and healthy releases of
 * ≥ 10 requests/s HEALTHY within 300 s (judgeCorpusOutcome); and on seeded Poisson traffic, where
 * no release that is not a regression may be rolled back and every critical one must be in time
 * (the other verdicts on noise are rates, which bench/detection measures). Every run, both ways:
 * the same samples replayed on the simulator give the same ticks (windows, the counts of every
 * side, classifications, states), so that the bench's figures, measured on the simulator, hold
 * for a real Prometheus. One Prometheus holds every interval (a job per interval, a service per
 * run). The per-route cases (ROUTE_CORPUS, series labelled `http_route`) run at 15 and 30 s
 * scrapes, one offset: a few backtests, the simulator's route spec and the bench do the rest.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPrometheus, type RunningPrometheus } from '../../src/demo/prometheus-process.js';
import {
  CORPUS,
  CORPUS_SCRAPE_JITTER_SECONDS,
  ROUTE_CORPUS,
  SCRAPE_INTERVALS,
  SCRAPE_OFFSETS,
  corpusTraffic,
  isRegression,
  judgeCorpusOutcome,
  type CorpusCase,
  type CorpusRun,
} from '../../src/verification/analysis/scenario-corpus.js';
import { replayVerification } from '../../src/verification/analysis/tick-evaluator.js';
import { TrafficSimulator } from '../../src/verification/analysis/traffic-simulator.js';
import { replayedTickModels } from '../../src/verification/verification-tick.mapper.js';
import { defaultPolicySpec } from '../../src/verification/verification-policy.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import {
  CORPUS_VERSIONS,
  instanceOf,
  writeScrapedHistory,
  type ScrapedService,
} from './scraped-corpus.js';

/** The scrape grid of every run's first old pod: a fixed past instant; each deploy is off it. */
const GRID = Date.parse('2026-11-20T10:00:00Z') / 1000;
const NAMESPACE = 'corpus';
const ENVIRONMENT = 'production';
const SPEC = { ...defaultPolicySpec([]), mode: 'ENFORCE' as const };
/** Backtests in flight at once (the test app and Prometheus share the machine). */
const CONCURRENCY = 3;

interface CorpusRunCase {
  readonly corpusCase: CorpusCase;
  readonly run: CorpusRun;
  readonly traffic: Traffic;
  /** Unix seconds. */
  readonly deployAt: number;
  readonly scraped: ScrapedService;
}

/**
 * The deploy's offsets from the scrape grid: every offset for the CI-sized cases; the hour-long
 * ones (low traffic, 1 % canary) at one offset off the grid per interval.
 */
const offsetsOf = (c: CorpusCase, k: number): readonly number[] =>
  c.ci && !c.routes ? SCRAPE_OFFSETS : [SCRAPE_OFFSETS[1 + (k % 2)]];

/** Every case of the corpus at every interval; the per-route cases (CI-sized) at 15 and 30 s. */
const CASES: readonly { corpusCase: CorpusCase; intervals: readonly number[] }[] = [
  ...CORPUS.map((corpusCase) => ({ corpusCase, intervals: SCRAPE_INTERVALS })),
  ...ROUTE_CORPUS.filter((c) => c.ci).map((corpusCase) => ({ corpusCase, intervals: [15, 30] })),
];

/** Expected traffic (the labels are about the signal) and seeded Poisson traffic (the noise). */
const TRAFFIC = ['expected', 'poisson'] as const;
type Traffic = (typeof TRAFFIC)[number];

const RUNS: CorpusRunCase[] = CASES.flatMap(({ corpusCase, intervals }, i) =>
  intervals.flatMap((interval, k) =>
    offsetsOf(corpusCase, k).flatMap((share) =>
      TRAFFIC.map((traffic) => {
        const offset = Math.round(share * interval);
        const run = {
          scrapeIntervalSeconds: interval,
          offsetSeconds: offset,
          seed: traffic === 'poisson' ? 10_000 * (i + 1) + 100 * interval + offset : null,
        };
        const deployAt = GRID + offset;
        return {
          corpusCase,
          run,
          traffic,
          deployAt,
          scraped: {
            service: `case${i}-${interval}s-${offset}-${traffic}`,
            namespace: NAMESPACE,
            environment: ENVIRONMENT,
            job: `corpus-${interval}s`,
            traffic: new TrafficSimulator(corpusTraffic(corpusCase, run), at(deployAt)),
          },
        };
      }),
    ),
  ),
);

function at(unixSeconds: number): Date {
  return new Date(unixSeconds * 1000);
}

const BACKTEST = `query($input: BacktestPolicyInput!) { backtestPolicy(input: $input) {
  deployments { deploymentId verdict reason wouldRollBack secondsToVerdict
    ticks { at windowStart windowEnd classification stateAfter evidence } } } }`;

interface TickJson {
  at: string;
  windowStart: string;
  windowEnd: string;
  classification: string;
  stateAfter: string;
  evidence: {
    slis: ({ name: string; classification: string; baselineKind: string } & Record<
      'canary' | 'baseline' | 'preDeploy',
      { total: number; bad: number } | null
    > & { issue: { code?: string } | null; refreshIntervalSeconds: number | null })[];
  };
}

interface BacktestRow {
  deploymentId: string;
  verdict: string;
  reason: string;
  wouldRollBack: boolean;
  secondsToVerdict: number | null;
  ticks: TickJson[];
}

/**
 * What a tick read and decided, comparable between Prometheus and the simulator: windows,
 * classification, state, and per SLI the counts of every side (to 9 significant digits: on
 * expected traffic Prometheus subtracts floats in its own order).
 */
function tickDigest(tick: TickJson): string {
  const n = (x: number) => Number(x.toPrecision(9));
  const side = (c: { total: number; bad: number } | null) => (c ? [n(c.total), n(c.bad)] : null);
  return JSON.stringify([
    tick.at,
    tick.windowStart,
    tick.windowEnd,
    tick.classification,
    tick.stateAfter,
    tick.evidence.slis.map((s) => [
      s.name,
      s.classification,
      s.baselineKind,
      side(s.canary),
      side(s.baseline),
      side(s.preDeploy),
      s.issue?.code ?? null,
      s.refreshIntervalSeconds,
    ]),
  ]);
}

/** Runs `work` on every item, at most `limit` at once, keeping the order. */
async function pool<T, R>(items: readonly T[], limit: number, work: (x: T) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

describe('labelled scenario corpus through a real Prometheus and backtestPolicy', () => {
  let dir: string;
  let prometheus: RunningPrometheus;
  let t: TestApp;
  const deployments = new Map<string, string>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sw-corpus-'));
    const file = join(dir, 'corpus.om');
    writeScrapedHistory(
      file,
      RUNS.map((r) => r.scraped),
    );
    // Hour-long cases carry a day of history before their deploy: a 1 d retention (the
    // harness' default) would delete its oldest block.
    prometheus = await startPrometheus({ scrapeTargets: [], backfillFile: file, retention: '10y' });
    // Its own in-memory embedded database whatever TEST_DATABASE_URL says: the deployments are
    // only stored to be backtested, the same on either database, and this file, the suite's
    // longest, runs once in CI (DATABASE_INDEPENDENT in jest.config.ts).
    t = await startTestApp({ PROMETHEUS_URL: prometheus.url, DATABASE_URL: undefined });
    for (const { scraped, deployAt } of RUNS) {
      const res = await t.gql(
        `mutation($input: DeploymentInput!) { recordDeployment(input: $input) { result entityId } }`,
        {
          input: {
            source: 'ci',
            eventId: `${scraped.service}-deploy`,
            deploymentId: `${scraped.service}-${CORPUS_VERSIONS.NEW}`,
            service: scraped.service,
            namespace: scraped.namespace,
            environment: scraped.environment,
            version: CORPUS_VERSIONS.NEW,
            previousVersion: CORPUS_VERSIONS.OLD,
            status: 'SUCCEEDED',
            finishedAt: at(deployAt).toISOString(),
          },
        },
      );
      const outcome = res.data?.recordDeployment as { result: string; entityId: string } | null;
      if (outcome?.result !== 'ACCEPTED') {
        throw new Error(`recordDeployment refused: ${JSON.stringify(res)}`);
      }
      deployments.set(scraped.service, outcome.entityId);
    }
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await prometheus?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('holds the simulated scrapes sample for sample, each deploy off its grid', async () => {
    for (const { scraped, corpusCase, deployAt, run } of RUNS) {
      const series = scraped.traffic.storedSeries();
      // Past the last scrape (a jitter may put it after the end of the case).
      const end = deployAt + corpusCase.afterSeconds + run.scrapeIntervalSeconds;
      const selector = `http_server_request_duration_seconds_count{service_name="${scraped.service}"}`;
      const [stored] = await prometheus.query(`sum(count_over_time(${selector}[2d] @ ${end}))`);
      expect(stored?.value ?? 0).toBe(series.reduce((n, s) => n + s.times.length, 0));
      const first = series[0];
      if (!first) continue;
      // The first old pod's raw samples: the same instants (to the millisecond) and values.
      const route = first.route === null ? '' : `,http_route="${first.route}"`;
      const [raw] = await prometheus.samples(
        `http_server_request_duration_seconds_count{instance="${instanceOf(scraped, first.version, first.pod)}",http_response_status_code="${first.code}"${route}}[2d] @ ${end}`,
      );
      expect(raw.points).toEqual([...first.times].map((ts, i) => ({ t: ts, v: first.count[i] })));
      // Its last scrape before the deploy is `offset` earlier (± jitter; a deploy on the grid
      // may see the scrape just after it, one interval later).
      const before = [...first.times].filter((ts) => ts <= deployAt).at(-1)!;
      const behind = deployAt - before;
      const off = Math.min(
        Math.abs(behind - run.offsetSeconds),
        Math.abs(behind - run.offsetSeconds - run.scrapeIntervalSeconds),
      );
      expect(off).toBeLessThanOrEqual(CORPUS_SCRAPE_JITTER_SECONDS + 0.001);
    }
  });

  /** Each run's backtest through Prometheus, and the same samples replayed on the simulator. */
  async function judge(runs: readonly CorpusRunCase[]) {
    const rows = await pool(runs, CONCURRENCY, async ({ scraped }) => {
      const res = await t.gql(BACKTEST, {
        input: {
          service: scraped.service,
          namespace: scraped.namespace,
          environment: scraped.environment,
          deploymentIds: [deployments.get(scraped.service)],
          policy: { mode: 'ENFORCE' },
        },
      });
      expect(res.errors).toBeUndefined();
      const [row] = (res.data!.backtestPolicy as { deployments: BacktestRow[] }).deployments;
      return row;
    });
    const problems: string[] = [];
    for (const [i, { corpusCase: c, run, deployAt, scraped }] of runs.entries()) {
      const row = rows[i];
      const where = `${c.name} (deploy ${run.offsetSeconds} s off the grid)`;
      if (row.wouldRollBack && !isRegression(c)) {
        problems.push(`${where}: false rollback after ${row.secondsToVerdict} s (${row.reason})`);
      }
      // The simulator, replayed as the backtest replays (the same present, a known previous version).
      const now = new Date();
      const simulated = await replayVerification(scraped.traffic, {
        spec: SPEC,
        kind: 'RELEASE',
        deployStartedAt: at(deployAt),
        deployFinishedAt: at(deployAt),
        hasPreviousVersion: true,
        until: now,
        now,
      });
      const simulatedTicks = JSON.parse(
        JSON.stringify(replayedTickModels(simulated)),
      ) as TickJson[];
      const ours = row.ticks.map(tickDigest);
      const theirs = simulatedTicks.map(tickDigest);
      const differs = ours.findIndex((d, k) => d !== theirs[k]);
      if (ours.length !== theirs.length || differs >= 0) {
        problems.push(
          `${where}: Prometheus ${row.verdict} after ${row.secondsToVerdict} s, ${ours.length} ticks; the simulator ${simulated.decision.state} after ${simulated.ticks.length} ticks; first different tick: ${ours[differs] ?? '-'} vs ${theirs[differs] ?? '-'}`,
        );
      }
    }
    return { rows, problems };
  }

  const offsetsAt = (interval: number): string =>
    SCRAPE_OFFSETS.map((x) => Math.round(x * interval)).join('/');
  const runsOf = (interval: number, traffic: Traffic) =>
    RUNS.filter((r) => r.run.scrapeIntervalSeconds === interval && r.traffic === traffic);

  for (const interval of SCRAPE_INTERVALS) {
    it(`judges every case right at a ${interval} s scrape, deploys ${offsetsAt(interval)} s off the grid, as the simulator does`, async () => {
      const runs = runsOf(interval, 'expected');
      const { rows, problems } = await judge(runs);
      for (const [i, { corpusCase: c, run }] of runs.entries()) {
        const row = rows[i];
        const outcome = { state: row.verdict, decidedAfterSeconds: row.secondsToVerdict };
        for (const p of judgeCorpusOutcome(c, run, outcome)) {
          problems.push(
            `${c.name} (deploy ${run.offsetSeconds} s off the grid): ${p} (${row.reason})`,
          );
        }
      }
      expect(problems).toEqual([]);
    }, 600_000);

    it(`on Poisson traffic at a ${interval} s scrape: as the simulator, no false rollback, critical regressions in time`, async () => {
      const runs = runsOf(interval, 'poisson');
      const { rows, problems } = await judge(runs);
      for (const [i, { corpusCase: c, run }] of runs.entries()) {
        if (!c.critical) continue;
        const row = rows[i];
        const outcome = { state: row.verdict, decidedAfterSeconds: row.secondsToVerdict };
        for (const p of judgeCorpusOutcome(c, run, outcome)) {
          problems.push(
            `${c.name} (deploy ${run.offsetSeconds} s off the grid): ${p} (${row.reason})`,
          );
        }
      }
      expect(problems).toEqual([]);
    }, 600_000);
  }
});
