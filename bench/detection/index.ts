/**
 * bench/detection: how fast each rule decides to roll back after a degradation starts, and how
 * often it rolls back a release that did not degrade, on the same seeded simulated traffic fed
 * tick by tick through the production analysis code (replayVerification). Shipwatch's default
 * policy is compared with Flagger's default rule and Argo Rollouts' documented example, evaluated
 * on the same data in the same run. Prometheus is modelled with a 15 s scrape interval.
 * Targets: critical regressions rolled back within 90 s of onset; zero false rollbacks.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { replayVerification } from '../../src/verification/analysis/tick-evaluator.js';
import {
  TrafficSimulator,
  type Rates,
  type TrafficScenario,
  type Version,
} from '../../src/verification/analysis/traffic-simulator.js';
import { defaultPolicySpec } from '../../src/verification/verification-policy.js';
import { argoDocumentedExample, flaggerDefault, type RuleOutcome } from './competitors.js';

const SEEDS = 20;
const DEPLOY = new Date('2026-11-20T10:00:00Z');
const SPEC = { ...defaultPolicySpec([]), mode: 'ENFORCE' as const };
/** How long the anchors' analyses run on healthy releases (a typical progressive delivery). */
const ANALYSIS_SECONDS = 20 * 60;
const RPS = 10_000 / 60; // 10k requests per minute, canary 10 %

interface Case {
  readonly name: string;
  readonly kind: 'degradation' | 'healthy';
  /** Seconds after the deploy at which the degradation starts (per seed). */
  readonly onset?: (seed: number) => number;
  readonly scenario: (seed: number) => TrafficScenario;
}

const base = (seed: number, over: Partial<TrafficScenario>): TrafficScenario => ({
  seed,
  beforeSeconds: 3600,
  afterSeconds: 3700,
  rps: RPS,
  newShare: 0.1,
  rates: () => ({ error: 0.001, slow: 0.005 }),
  scrapeIntervalSeconds: 15,
  ...over,
});

const degraded =
  (onset: number, bad: (t: number) => Rates) =>
  (v: Version, t: number): Rates =>
    v === 'NEW' && t >= onset ? bad(t) : { error: 0.001, slow: 0.005 };

function degradations(onset: (seed: number) => number, label: string): Case[] {
  return [
    {
      name: `error spike 8 % (${label})`,
      kind: 'degradation',
      onset,
      scenario: (seed) =>
        base(seed, { rates: degraded(onset(seed), () => ({ error: 0.08, slow: 0.005 })) }),
    },
    {
      name: `latency regression 8 % slow (${label})`,
      kind: 'degradation',
      onset,
      scenario: (seed) =>
        base(seed, { rates: degraded(onset(seed), () => ({ error: 0.001, slow: 0.08 })) }),
    },
    {
      name: `flapping pod 2 %/0.1 % per minute (${label})`,
      kind: 'degradation',
      onset,
      scenario: (seed) =>
        base(seed, {
          rates: degraded(onset(seed), (t) => ({
            error: Math.floor((t - onset(seed)) / 60) % 2 === 0 ? 0.02 : 0.001,
            slow: 0.005,
          })),
        }),
    },
  ];
}

const HEALTHY: Case[] = [
  { name: 'healthy', kind: 'healthy', scenario: (seed) => base(seed, {}) },
  {
    name: 'noisy (0.05–0.4 % per minute, both versions)',
    kind: 'healthy',
    scenario: (seed) => {
      const levels = [0.0005, 0.001, 0.002, 0.004, 0.0008, 0.003];
      return base(seed, {
        rates: (_v, t) => ({
          error: levels[Math.abs(Math.floor(t / 60) * 7 + seed) % levels.length],
          slow: 0.005,
        }),
      });
    },
  },
  {
    name: 'low traffic (3 rpm, all at once)',
    kind: 'healthy',
    scenario: (seed) =>
      base(seed, {
        beforeSeconds: 24 * 3600,
        rps: 3 / 60,
        newShare: 1,
        rates: () => ({ error: 0.005, slow: 0.005 }),
      }),
  },
  {
    name: 'no data (series absent)',
    kind: 'healthy',
    scenario: (seed) => base(seed, { absent: ['NEW', 'OLD'] }),
  },
  {
    name: 'pre-existing incident (5 % on both since -20 min)',
    kind: 'healthy',
    scenario: (seed) =>
      base(seed, { rates: (_v, t) => ({ error: t >= -1200 ? 0.05 : 0.001, slow: 0.005 }) }),
  },
];

const CASES: Case[] = [
  ...degradations(() => 0, 'from the deploy'),
  // Mid-bake, at every offset within a tick interval (the worst case is just after a tick).
  ...degradations((seed) => 240 + ((seed * 7) % 30), 'onset +4 min, any phase'),
  ...HEALTHY,
];

type RuleName = 'shipwatch' | 'flagger' | 'argo';
const RULES: RuleName[] = ['shipwatch', 'flagger', 'argo'];

async function runRule(
  rule: RuleName,
  c: Case,
  seed: number,
): Promise<RuleOutcome & { verdict?: string }> {
  const sim = new TrafficSimulator(c.scenario(seed), DEPLOY);
  switch (rule) {
    case 'shipwatch': {
      const r = await replayVerification(sim, {
        spec: SPEC,
        kind: 'RELEASE',
        deployStartedAt: DEPLOY,
        deployFinishedAt: DEPLOY,
        hasPreviousVersion: true,
      });
      const at = r.decidedAt ? (r.decidedAt.getTime() - DEPLOY.getTime()) / 1000 : null;
      return {
        rollbackAt: r.decision.state === 'FAILED' ? at : null,
        reason: r.decision.reason,
        verdict: r.decision.state,
      };
    }
    case 'flagger':
      return flaggerDefault(sim, DEPLOY, c.kind === 'healthy' ? ANALYSIS_SECONDS : 3600);
    case 'argo':
      return argoDocumentedExample(sim, DEPLOY, c.kind === 'healthy' ? ANALYSIS_SECONDS : 3600);
  }
}

interface CaseResult {
  readonly case: string;
  readonly kind: Case['kind'];
  readonly rules: Record<
    RuleName,
    {
      readonly rollbacks: number;
      readonly runs: number;
      /** Degradations: seconds from onset to the rollback decision (detected runs only). */
      readonly detectionSeconds: { median: number | null; max: number | null };
      readonly verdicts?: Record<string, number>;
    }
  >;
}

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function main(): Promise<void> {
  const started = performance.now();
  const results: CaseResult[] = [];
  for (const c of CASES) {
    const rules = {} as CaseResult['rules'];
    for (const rule of RULES) {
      const times: number[] = [];
      const verdicts: Record<string, number> = {};
      let rollbacks = 0;
      for (let seed = 1; seed <= SEEDS; seed++) {
        const outcome = await runRule(rule, c, seed);
        if (outcome.verdict) verdicts[outcome.verdict] = (verdicts[outcome.verdict] ?? 0) + 1;
        if (outcome.rollbackAt === null) continue;
        // A rollback decided before the degradation started is a false rollback.
        const onset = c.onset?.(seed) ?? 0;
        rollbacks++;
        if (c.kind === 'healthy' || outcome.rollbackAt < onset) continue;
        times.push(outcome.rollbackAt - onset);
      }
      rules[rule] = {
        rollbacks,
        runs: SEEDS,
        detectionSeconds: { median: median(times), max: times.length ? Math.max(...times) : null },
        ...(rule === 'shipwatch' ? { verdicts } : {}),
      };
    }
    results.push({ case: c.name, kind: c.kind, rules });
  }
  const falseRollbacks = Object.fromEntries(
    RULES.map((r) => [
      r,
      results.filter((x) => x.kind === 'healthy').reduce((n, x) => n + x.rules[r].rollbacks, 0),
    ]),
  ) as Record<RuleName, number>;
  const criticalMax = Math.max(
    ...results
      .filter((r) => r.case.startsWith('error spike'))
      .map((r) => r.rules.shipwatch.detectionSeconds.max ?? Infinity),
  );

  const fmt = (x: CaseResult, r: RuleName): string => {
    const s = x.rules[r];
    if (x.kind === 'healthy') return `${s.rollbacks}/${s.runs} rolled back`;
    if (s.detectionSeconds.median === null) return `not detected (0/${s.runs})`;
    return `${s.detectionSeconds.median} s (max ${s.detectionSeconds.max}; ${s.rollbacks}/${s.runs})`;
  };
  const ratio = (x: CaseResult, r: RuleName): string => {
    const ours = x.rules.shipwatch.detectionSeconds.median;
    const theirs = x.rules[r].detectionSeconds.median;
    return ours && theirs ? `${(theirs / ours).toFixed(1)}×` : '–';
  };
  const rows = [
    [
      'scenario',
      'Shipwatch default',
      'Flagger (1m, threshold 5)',
      '×',
      'Argo example (5m, ≥0.95, limit 3)',
      '×',
    ],
    ...results.map((x) => [
      x.case,
      fmt(x, 'shipwatch'),
      fmt(x, 'flagger'),
      x.kind === 'degradation' ? ratio(x, 'flagger') : '',
      fmt(x, 'argo'),
      x.kind === 'degradation' ? ratio(x, 'argo') : '',
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const [i, r] of rows.entries()) {
    console.log(r.map((cell, j) => cell.padEnd(widths[j])).join(' | '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  }
  console.log(
    `\nfalse rollbacks over ${HEALTHY.length * SEEDS} healthy runs: Shipwatch ${falseRollbacks.shipwatch}, Flagger ${falseRollbacks.flagger}, Argo ${falseRollbacks.argo}`,
  );
  console.log(
    `error spike rolled back within ${criticalMax} s of onset at worst (target 90 s): ${criticalMax <= 90 ? 'met' : 'MISSED'}; zero false rollbacks: ${falseRollbacks.shipwatch === 0 ? 'met' : 'MISSED'}`,
  );
  const out = {
    generatedAt: new Date().toISOString(),
    seeds: SEEDS,
    scrapeIntervalSeconds: 15,
    policy: { timing: SPEC.timing, analysis: SPEC.analysis },
    targets: {
      criticalRollbackWithinSeconds: 90,
      criticalWorstSeconds: criticalMax,
      falseRollbacks: falseRollbacks.shipwatch,
      met: criticalMax <= 90 && falseRollbacks.shipwatch === 0,
    },
    falseRollbacks,
    cases: results,
    runSeconds: (performance.now() - started) / 1000,
  };
  const dir = join(import.meta.dirname, '..', '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'detection.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(`wrote bench/results/detection.json (${out.runSeconds.toFixed(1)} s)`);
}
