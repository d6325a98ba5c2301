/**
 * bench/detection: the labelled scenario corpus (src/verification/analysis/scenario-corpus.ts)
 * with seeded random traffic, at scrape intervals of 15, 30 and 60 s and several offsets of the
 * deploy from the scrape grid, fed tick by tick through the production analysis code
 * (replayVerification) with the default policy, beside Flagger's default rule and Argo Rollouts'
 * documented example evaluated on the same series. Per scrape interval: detection delay of the
 * regressions that must be rolled back (median, worst), missed regressions, false rollbacks,
 * time to HEALTHY of healthy releases, and the verdicts that differ from the labels.
 * Targets: critical regressions rolled back within 90 s of onset (150 s at a 60 s scrape),
 * healthy releases of ≥ 10 requests/s HEALTHY within 300 s, zero false rollbacks. Then the
 * per-route cases (ROUTE_CORPUS) the same way, per case: a regression confined to one route at
 * 2 % of the traffic rolled back within 180 s of onset, and healthy releases with 50 routes
 * judged apiece rolled back no more often than with one route. Then the workers (WORKER_CORPUS):
 * a queue consumer on the `messaging` preset and a worker judged by its own counters, healthy
 * ones HEALTHY, a failure rate jumping to 10 % rolled back within the critical deadline, a worker
 * without metrics UNVERIFIED; Flagger's default has no metric for a worker (its built-in checks
 * read HTTP request metrics of a mesh or ingress), Argo's example condition is evaluated on the
 * worker's counters. Last the late regressions (late.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CORPUS,
  EARLY_HEALTHY_SECONDS,
  ROUTE_CORPUS,
  LATE_ONSET_AFTER_VERDICT_SECONDS,
  ROUTE_DEADLINE_SECONDS,
  SCRAPE_INTERVALS,
  WORKER_CORPUS,
  SCRAPE_OFFSETS,
  corpusTraffic,
  criticalDeadlineSeconds,
  isRegression,
  lateCorpus,
  type CorpusCase,
} from '../../src/verification/analysis/scenario-corpus.js';
import { replayVerification } from '../../src/verification/analysis/tick-evaluator.js';
import { TrafficSimulator } from '../../src/verification/analysis/traffic-simulator.js';
import { defaultPolicySpec } from '../../src/verification/verification-policy.js';
import { argoDocumentedExample, flaggerDefault } from './competitors.js';
import { watchRun } from './late.js';

/** Seeds per case and scrape interval (offsets cycle through SCRAPE_OFFSETS). */
const SEEDS = Number(process.env.DETECTION_SEEDS ?? 12);
const DEPLOY = new Date('2026-11-20T10:00:00Z');
const SPEC = { ...defaultPolicySpec([]), mode: 'ENFORCE' as const };
/** How long the anchors' analyses run on releases that are not rolled back. */
const ANALYSIS_SECONDS = 20 * 60;
/** Flagger's default promotion: its analysis passes after 5 one-minute checks. */
const FLAGGER_PROMOTION_SECONDS = 300;

type RuleName = 'shipwatch' | 'flagger' | 'argo';
const RULES: RuleName[] = ['shipwatch', 'flagger', 'argo'];

interface RunOutcome {
  /** Seconds after the deploy of the rollback decision, or null. */
  readonly rollbackAt: number | null;
  /** Seconds after the deploy of a HEALTHY (promotion) decision, or null. */
  readonly healthyAt: number | null;
  readonly verdict: string;
}

/** Flagger's default for a worker: its built-in checks read HTTP request metrics; none to read. */
const NO_METRIC = 'NO_METRIC';

async function runRule(
  rule: RuleName,
  c: CorpusCase,
  sim: TrafficSimulator,
  worker: boolean,
): Promise<RunOutcome> {
  const horizon = isRegression(c) ? c.afterSeconds : Math.min(ANALYSIS_SECONDS, c.afterSeconds);
  switch (rule) {
    case 'shipwatch': {
      const r = await replayVerification(sim, {
        spec: c.slis ? { ...SPEC, slis: c.slis } : SPEC,
        kind: 'RELEASE',
        deployStartedAt: DEPLOY,
        deployFinishedAt: DEPLOY,
        hasPreviousVersion: c.newShare < 1,
      });
      const since = (d: Date | null) => (d ? (d.getTime() - DEPLOY.getTime()) / 1000 : null);
      const state = r.decision.state;
      // The verdict standing after the watch; HEALTHY when first reached (a watch may overturn it).
      return {
        rollbackAt: state === 'FAILED' ? since(r.decidedAt) : null,
        healthyAt: since(r.healthyAt),
        verdict: state,
      };
    }
    case 'flagger': {
      if (worker) return { rollbackAt: null, healthyAt: null, verdict: NO_METRIC };
      const o = await flaggerDefault(sim, DEPLOY, horizon);
      const promoted = o.rollbackAt === null || o.rollbackAt > FLAGGER_PROMOTION_SECONDS;
      return {
        rollbackAt: o.rollbackAt,
        healthyAt: o.rollbackAt === null ? FLAGGER_PROMOTION_SECONDS : null,
        verdict: promoted ? 'PROMOTED' : 'ROLLED_BACK',
      };
    }
    case 'argo': {
      const o = await argoDocumentedExample(sim, DEPLOY, horizon);
      return {
        rollbackAt: o.rollbackAt,
        healthyAt: null,
        verdict: o.rollbackAt ? 'ABORTED' : 'OK',
      };
    }
  }
}

interface Tally {
  delays: number[];
  criticalDelays: number[];
  missed: number;
  regressionRuns: number;
  falseRollbacks: number;
  healthyRuns: number;
  healthyTimes: number[];
  criticalLate: number;
  wrongVerdicts: Record<string, number>;
  /** Per case: its verdicts (or the anchors' outcomes) and rollback delays from onset. */
  cases: Record<string, { verdicts: Record<string, number>; rollbackDelays: number[] }>;
}

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const worst = (xs: number[]): number | null => (xs.length ? Math.max(...xs) : null);

async function runInterval(
  interval: number,
  corpus: readonly CorpusCase[],
  firstCase = 0,
  worker = false,
): Promise<Record<RuleName, Tally>> {
  const tally = (): Tally => ({
    delays: [],
    criticalDelays: [],
    missed: 0,
    regressionRuns: 0,
    falseRollbacks: 0,
    healthyRuns: 0,
    healthyTimes: [],
    criticalLate: 0,
    wrongVerdicts: {},
    cases: {},
  });
  const tallies: Record<RuleName, Tally> = { shipwatch: tally(), flagger: tally(), argo: tally() };
  for (const [k, c] of corpus.entries()) {
    const i = firstCase + k;
    // The slow cases (an hour of low traffic) get fewer seeds; the per-route cases twice as many
    // (the rate of false rollbacks with 50 routes against one).
    const seeds = c.routes ? 2 * SEEDS : c.ci ? SEEDS : Math.max(2, Math.round(SEEDS / 4));
    for (let s = 0; s < seeds; s++) {
      const offset = Math.round(SCRAPE_OFFSETS[s % SCRAPE_OFFSETS.length] * interval);
      const run = { scrapeIntervalSeconds: interval, offsetSeconds: offset, seed: 100 * i + s + 1 };
      const sim = new TrafficSimulator(corpusTraffic(c, run), DEPLOY);
      for (const rule of RULES) {
        const t = tallies[rule];
        const o = await runRule(rule, c, sim, worker);
        const onset = c.onsetSeconds ?? 0;
        const perCase = (t.cases[c.name] ??= { verdicts: {}, rollbackDelays: [] });
        perCase.verdicts[o.verdict] = (perCase.verdicts[o.verdict] ?? 0) + 1;
        if (o.rollbackAt !== null) perCase.rollbackDelays.push(o.rollbackAt - onset);
        if (isRegression(c)) {
          t.regressionRuns++;
          if (o.rollbackAt === null || o.rollbackAt < onset) t.missed++;
          else {
            t.delays.push(o.rollbackAt - onset);
            if (c.critical) t.criticalDelays.push(o.rollbackAt - onset);
            const deadline = c.deadlineSeconds ?? criticalDeadlineSeconds(interval);
            if (c.critical && o.rollbackAt - onset > deadline) {
              t.criticalLate++;
              if (rule === 'shipwatch') {
                const key = `${c.name} late (${o.rollbackAt - onset} s)`;
                t.wrongVerdicts[key] = (t.wrongVerdicts[key] ?? 0) + 1;
              }
            }
          }
        } else if (o.rollbackAt !== null) {
          t.falseRollbacks++;
        }
        if (c.earlyHealthy) {
          t.healthyRuns++;
          if (o.healthyAt !== null) t.healthyTimes.push(o.healthyAt);
        }
        if (rule === 'shipwatch' && !(c.expected as readonly string[]).includes(o.verdict)) {
          const key = `${c.name} → ${o.verdict}`;
          t.wrongVerdicts[key] = (t.wrongVerdicts[key] ?? 0) + 1;
        }
      }
    }
  }
  return tallies;
}

export async function main(): Promise<void> {
  const started = performance.now();
  const results: Record<string, Record<RuleName, Tally>> = {};
  const routes: Record<string, Record<RuleName, Tally>> = {};
  const workers: Record<string, Record<RuleName, Tally>> = {};
  const late: Record<string, Record<string, LateTally>> = {};
  for (const interval of SCRAPE_INTERVALS) {
    results[interval] = await runInterval(interval, CORPUS);
    routes[interval] = await runInterval(interval, ROUTE_CORPUS, CORPUS.length);
    workers[interval] = await runInterval(
      interval,
      WORKER_CORPUS,
      CORPUS.length + ROUTE_CORPUS.length,
      true,
    );
    late[interval] = await runLate(interval);
  }

  const label: Record<RuleName, string> = {
    shipwatch: 'Shipwatch default',
    flagger: 'Flagger default (1m, ≥99 %, 5 failed checks)',
    argo: 'Argo example (5m, ≥0.95, failureLimit 3)',
  };
  const rows: string[][] = [
    [
      'scrape',
      'rule',
      'critical: detection median / worst',
      'all regressions: median / worst',
      'missed',
      'critical late',
      'false rollbacks',
      'time to HEALTHY median / worst (within 300 s)',
    ],
  ];
  for (const interval of SCRAPE_INTERVALS) {
    for (const rule of RULES) {
      const t = results[interval][rule];
      const within = t.healthyTimes.filter((x) => x <= EARLY_HEALTHY_SECONDS).length;
      rows.push([
        `${interval} s`,
        label[rule],
        `${median(t.criticalDelays) ?? '–'} s / ${worst(t.criticalDelays) ?? '–'} s`,
        `${median(t.delays) ?? '–'} s / ${worst(t.delays) ?? '–'} s`,
        `${t.missed}/${t.regressionRuns}`,
        `${t.criticalLate}`,
        `${t.falseRollbacks}`,
        rule === 'argo'
          ? 'n/a (no promotion rule)'
          : `${median(t.healthyTimes) ?? '–'} s / ${worst(t.healthyTimes) ?? '–'} s (${within}/${t.healthyRuns})`,
      ]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const [i, r] of rows.entries()) {
    console.log(r.map((cell, j) => cell.padEnd(widths[j])).join(' | '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  }
  const printCases = (
    title: string,
    corpus: readonly CorpusCase[],
    byInterval: Record<string, Record<RuleName, Tally>>,
  ) => {
    console.log(`\n${title} (verdicts; rollbacks: delay from onset, median / worst):`);
    for (const interval of SCRAPE_INTERVALS) {
      for (const c of corpus) {
        const cells = RULES.map((rule) => {
          const r = byInterval[interval][rule].cases[c.name];
          const verdicts = Object.entries(r.verdicts).map(([v, n]) => `${v} ${n}`);
          const d = r.rollbackDelays;
          return `${rule}: ${verdicts.join(', ')}${d.length ? ` (${median(d)} / ${worst(d)} s)` : ''}`;
        });
        console.log(`${interval} s | ${c.name} | ${cells.join(' | ')}`);
      }
    }
  };
  printCases('per-route cases', ROUTE_CORPUS, routes);
  printCases(
    'worker cases (flagger NO_METRIC: its default checks read HTTP request metrics; argo: its example condition on the worker counters)',
    WORKER_CORPUS,
    workers,
  );
  console.log(
    `\nlate regressions (errors ${LATE_ONSET_AFTER_VERDICT_SECONDS / 60} min after the bake; a check every ${SPEC.timing.lateWatchIntervalSeconds} s for ${SPEC.timing.lateWatchSeconds / 3600} h; flagger and argo: not watching, their analyses end at promotion):`,
  );
  for (const interval of SCRAPE_INTERVALS) {
    for (const [name, t] of Object.entries(late[interval])) {
      const verdicts = Object.entries(t.verdicts).map(([v, n]) => `${v} ${n}`);
      const found =
        t.onset === null
          ? `late alerts ${t.alerts} of ${t.runs} runs (${t.checks} checks)`
          : `found ${t.delays.length} of ${t.runs}, from onset median ${median(t.delays) ?? '–'} s / worst ${worst(t.delays) ?? '–'} s (${Object.entries(
              t.pairs,
            )
              .map(([p, n]) => `${p} ×${n}`)
              .join(', ')})`;
      console.log(
        `${interval} s | ${name} | shipwatch: at the bake ${verdicts.join(', ')}; ${found} | flagger: not watching | argo: not watching`,
      );
    }
  }
  let met = true;
  for (const interval of SCRAPE_INTERVALS) {
    for (const [what, byRule] of [
      ['per-route', routes],
      ['worker', workers],
    ] as const) {
      const r = byRule[interval].shipwatch;
      met &&= r.falseRollbacks === 0 && r.criticalLate === 0;
      const caseWrong = Object.entries(r.wrongVerdicts);
      console.log(
        `\n${interval} s scrape, ${what} cases: verdicts other than the label or late: ${caseWrong.length === 0 ? 'none' : caseWrong.map(([k, n]) => `${k} ×${n}`).join('; ')}`,
      );
    }
    for (const t of Object.values(late[interval])) {
      met &&= t.alerts === 0;
      met &&= t.onset === null || t.delays.length === t.runs;
      met &&= (t.verdicts.HEALTHY ?? 0) === t.runs;
    }
    const t = results[interval].shipwatch;
    const wrong = Object.entries(t.wrongVerdicts);
    met &&= t.falseRollbacks === 0 && t.criticalLate === 0;
    console.log(
      `\n${interval} s scrape: verdicts other than the label or late: ${wrong.length === 0 ? 'none' : wrong.map(([k, n]) => `${k} ×${n}`).join('; ')}`,
    );
  }
  console.log(
    `\ntargets (critical within ${criticalDeadlineSeconds(30)} s at ≤ 30 s, ${criticalDeadlineSeconds(60)} s at 60 s; a one-route regression within ${ROUTE_DEADLINE_SECONDS} s; zero false rollbacks; every leak found, no late alert on a healthy release): ${met ? 'met' : 'MISSED'}`,
  );
  const out = {
    generatedAt: new Date().toISOString(),
    seedsPerCase: SEEDS,
    scrapeIntervals: SCRAPE_INTERVALS,
    offsets: SCRAPE_OFFSETS,
    policy: { timing: SPEC.timing, analysis: SPEC.analysis },
    met,
    results: Object.fromEntries(
      Object.entries(results).map(([interval, byRule]) => [
        interval,
        Object.fromEntries(
          Object.entries(byRule).map(([rule, t]) => [
            rule,
            {
              criticalDetectionSeconds: {
                median: median(t.criticalDelays),
                worst: worst(t.criticalDelays),
              },
              detectionSeconds: { median: median(t.delays), worst: worst(t.delays) },
              missed: t.missed,
              regressionRuns: t.regressionRuns,
              criticalLate: t.criticalLate,
              falseRollbacks: t.falseRollbacks,
              timeToHealthySeconds: {
                median: median(t.healthyTimes),
                worst: worst(t.healthyTimes),
                within300: t.healthyTimes.filter((x) => x <= EARLY_HEALTHY_SECONDS).length,
                runs: t.healthyRuns,
              },
              wrongVerdicts: t.wrongVerdicts,
            },
          ]),
        ),
      ]),
    ),
    routes: perCase(routes),
    workers: perCase(workers),
    lateRegressions: Object.fromEntries(
      Object.entries(late).map(([interval, byCase]) => [
        interval,
        {
          shipwatch: Object.fromEntries(
            Object.entries(byCase).map(([name, t]) => [
              name,
              {
                runs: t.runs,
                verdictsAtBake: t.verdicts,
                ...(t.onset === null
                  ? { lateAlerts: t.alerts, checks: t.checks }
                  : {
                      onsetSeconds: t.onset,
                      found: t.delays.length,
                      detectionAfterOnsetSeconds: {
                        median: median(t.delays),
                        worst: worst(t.delays),
                      },
                      pairs: t.pairs,
                    }),
              },
            ]),
          ),
          flagger: 'not watching (its analysis ends at promotion)',
          argo: 'not watching (its analysis ends with the rollout)',
        },
      ]),
    ),
    runSeconds: (performance.now() - started) / 1000,
  };
  const dir = join(import.meta.dirname, '..', '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'detection.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(`wrote bench/results/detection.json (${out.runSeconds.toFixed(1)} s)`);
}

/** Per case and rule: verdicts and rollback delays from onset (per-route and worker cases). */
function perCase(byInterval: Record<string, Record<RuleName, Tally>>) {
  return Object.fromEntries(
    Object.entries(byInterval).map(([interval, byRule]) => [
      interval,
      Object.fromEntries(
        Object.entries(byRule).map(([rule, t]) => [
          rule,
          {
            falseRollbacks: t.falseRollbacks,
            criticalLate: t.criticalLate,
            cases: Object.fromEntries(
              Object.entries(t.cases).map(([name, c]) => [
                name,
                {
                  verdicts: c.verdicts,
                  rollbackAfterOnsetSeconds: {
                    median: median(c.rollbackDelays),
                    worst: worst(c.rollbackDelays),
                  },
                },
              ]),
            ),
          },
        ]),
      ),
    ]),
  );
}

interface LateTally {
  onset: number | null;
  runs: number;
  verdicts: Record<string, number>;
  delays: number[];
  pairs: Record<string, number>;
  /** Late regressions found on a release without one (healthy). */
  alerts: number;
  checks: number;
}

/** The late-regression cases at one scrape interval: the verification, then the watch. */
async function runLate(interval: number): Promise<Record<string, LateTally>> {
  const out: Record<string, LateTally> = {};
  const cases = lateCorpus(SPEC.timing.bakeSeconds);
  for (const [k, c] of cases.entries()) {
    const t: LateTally = (out[c.name] = {
      onset: c.onsetSeconds,
      runs: 0,
      verdicts: {},
      delays: [],
      pairs: {},
      alerts: 0,
      checks: 0,
    });
    for (let s = 0; s < SEEDS; s++) {
      const offset = Math.round(SCRAPE_OFFSETS[s % SCRAPE_OFFSETS.length] * interval);
      const seed = 10_000 + 100 * k + s + 1;
      const run = { scrapeIntervalSeconds: interval, offsetSeconds: offset, seed };
      const r = await watchRun(SPEC, c, run, DEPLOY);
      t.runs++;
      t.verdicts[r.verdict] = (t.verdicts[r.verdict] ?? 0) + 1;
      t.checks += r.checks;
      if (r.foundAt === null) continue;
      if (c.onsetSeconds === null || r.foundAt < c.onsetSeconds) t.alerts++;
      else t.delays.push(r.foundAt - c.onsetSeconds);
      if (r.pair) t.pairs[r.pair] = (t.pairs[r.pair] ?? 0) + 1;
    }
  }
  return out;
}
