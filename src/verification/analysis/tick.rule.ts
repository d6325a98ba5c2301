/**
 * Per-tick classification (rollback-anchors.md §5.3): each SLI compares the new version's bad
 * ratio with its baseline over one window; each threshold check compares one number with its
 * conditions; the tick takes the worst outcome. Pure: counts in, evidence out.
 */
import type { AnalysisParameters, SliSpec, ThresholdCheckSpec } from '../verification-policy.js';
import { holds, parseCondition } from '../verification-policy.js';
import { conditionalBinomialPValue } from './binomial.calculator.js';

export interface Counts {
  /** Events in the window (e.g. requests). */
  readonly total: number;
  /** Bad events in the window (errors, slow requests). */
  readonly bad: number;
}

/**
 * Why a side gave no counts (docs/verification.md "Counting"): no series; the bad-event query
 * returns none; the series reported before but have no sample in the window (a scrape gap, never
 * "0 requests"); samples stamped in the future; the canary and baseline read the same series; a
 * template of an earlier release that cannot be converted; Prometheus refused the query; it is
 * unavailable; a placeholder could not be filled.
 */
export const READING_ISSUES = [
  'NO_SERIES',
  'NO_BAD_SERIES',
  'SCRAPE_GAP',
  'FUTURE_SAMPLE',
  'SIDES_OVERLAP',
  'LEGACY_TEMPLATE',
  'QUERY_FAILED',
  'PROMETHEUS_UNAVAILABLE',
  'TEMPLATE',
] as const;
export type ReadingIssue = (typeof READING_ISSUES)[number];

/** A query result: counts, an absent series (no data), or a failed query; coded when known. */
export type Reading =
  | { readonly kind: 'OK'; readonly counts: Counts }
  | { readonly kind: 'NO_DATA'; readonly code?: ReadingIssue; readonly message?: string }
  | { readonly kind: 'ERROR'; readonly message: string; readonly code?: ReadingIssue };

/** The issue behind a blind side, for the evidence. */
export interface SideIssue {
  readonly side: 'canary' | 'baseline';
  readonly code: ReadingIssue;
  readonly message: string;
}

export type BaselineKind = 'CONCURRENT' | 'PRE_DEPLOY';

export const TICK_CLASSIFICATIONS = [
  'PASS',
  'INSUFFICIENT',
  'NO_DATA',
  'ERROR',
  'BASELINE_DEGRADED',
  'REGRESSION',
  'CRITICAL',
] as const;
export type TickClassification = (typeof TICK_CLASSIFICATIONS)[number];
export type Severity = 'SEVERE' | 'MILD';

export interface SliTickInput {
  readonly sli: Pick<SliSpec, 'name' | 'objective'>;
  readonly canary: Reading;
  readonly baseline: Reading;
  readonly baselineKind: BaselineKind;
  /** Trailing settle window of the canary and baseline (severity pair and bake-end test). */
  readonly canarySettle?: Reading;
  readonly baselineSettle?: Reading;
  /** The window before the deploy, for the pre-existing incident guard. */
  readonly preDeploy?: Reading;
}

export interface SideStats {
  readonly total: number;
  readonly bad: number;
  readonly ratio: number;
  readonly burnRate: number;
}

export interface SettleEvidence {
  readonly canary: SideStats | null;
  readonly baseline: SideStats | null;
  readonly pValue: number | null;
  /** The regression test holds over the settle window. */
  readonly significant: boolean;
}

export interface SliEvidence {
  readonly name: string;
  /** A per-route judgement: the route (`http_route`, or "other"); absent on the aggregate. */
  readonly route?: string;
  /** The SLI's objective (burn rate = bad ratio / (1 − objective)). */
  readonly objective: number;
  readonly classification: TickClassification;
  readonly severity: Severity | null;
  /** The baseline (or the window before the deploy) burns the budget: a pre-existing incident. */
  readonly baselineDegraded: boolean;
  readonly reason: string;
  /** Why a side was not read (NO_DATA / ERROR with a code), null otherwise. */
  readonly issue: SideIssue | null;
  readonly baselineKind: BaselineKind;
  readonly canary: SideStats | null;
  readonly baseline: SideStats | null;
  readonly preDeploy: SideStats | null;
  readonly pValue: number | null;
  /** r_canary / r_baseline (null when the baseline ratio is 0). */
  readonly ratio: number | null;
  /** r_canary − r_baseline. */
  readonly delta: number | null;
  readonly settle: SettleEvidence | null;
}

const stats = (c: Counts, objective: number): SideStats => {
  const ratio = c.total > 0 ? c.bad / c.total : 0;
  return { total: c.total, bad: c.bad, ratio, burnRate: ratio / (1 - objective) };
};

const okCounts = (r: Reading | undefined): Counts | null => (r?.kind === 'OK' ? r.counts : null);

const pct = (x: number): string => `${(x * 100).toFixed(x < 0.01 ? 3 : 2)}%`;
const num = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(1));

export interface RegressionTest {
  readonly pValue: number;
  /** Significant and worth it: the effect below holds and p < alpha. */
  readonly holds: boolean;
  /** The observed effect alone: enough bad events, ratio and absolute delta (whatever p). */
  readonly effect: boolean;
}

/** §5.3 step 4: significant, enough bad events, ratio and absolute delta. */
export function regressionTest(
  canary: Counts,
  baseline: Counts,
  objective: number,
  p: AnalysisParameters,
): RegressionTest {
  const rc = canary.total > 0 ? canary.bad / canary.total : 0;
  const rb = baseline.total > 0 ? baseline.bad / baseline.total : 0;
  const pValue = conditionalBinomialPValue({
    canaryBad: canary.bad,
    canaryTotal: canary.total,
    baselineBad: baseline.bad,
    baselineTotal: baseline.total,
  });
  const minDelta = Math.max(p.minAbsDelta, 1 - objective);
  const effect =
    Math.round(canary.bad) >= p.minBadEvents &&
    rc >= p.allowedIncrease * rb &&
    rc - rb >= minDelta - 1e-12;
  return { pValue, holds: effect && pValue < p.alpha, effect };
}

/** A side whose burn rate says the budget is burning at page speed, with enough evidence. */
function degraded(c: Counts | null, objective: number, p: AnalysisParameters): boolean {
  if (!c || c.total < p.minRequests || Math.round(c.bad) < p.minBadEvents) return false;
  return stats(c, objective).burnRate >= p.pageBurnRate;
}

export function classifySli(input: SliTickInput, p: AnalysisParameters): SliEvidence {
  const { sli } = input;
  const preDeployCounts = okCounts(input.preDeploy);
  const base = {
    name: sli.name,
    objective: sli.objective,
    baselineKind: input.baselineKind,
    preDeploy: preDeployCounts ? stats(preDeployCounts, sli.objective) : null,
  };
  const blank = {
    ...base,
    issue: null,
    severity: null,
    canary: null,
    baseline: null,
    pValue: null,
    ratio: null,
    delta: null,
    settle: null,
  };
  const preDeployDegraded = degraded(preDeployCounts, sli.objective, p);

  for (const [side, reading] of [
    ['canary', input.canary],
    ['baseline', input.baseline],
  ] as const) {
    if (reading.kind === 'ERROR') {
      return {
        ...blank,
        classification: 'ERROR',
        baselineDegraded: preDeployDegraded,
        issue: reading.code ? { side, code: reading.code, message: reading.message } : null,
        reason: reading.code
          ? `${side} ${reading.code}: ${reading.message}`
          : `${side} query failed: ${reading.message}`,
      };
    }
  }
  for (const [side, reading] of [
    ['canary', input.canary],
    ['baseline', input.baseline],
  ] as const) {
    // A coded absence (a scrape gap, no bad-event series) explains itself.
    if (reading.kind === 'NO_DATA' && reading.code && reading.code !== 'NO_SERIES') {
      const message = reading.message ?? reading.code;
      return {
        ...blank,
        classification: 'NO_DATA',
        baselineDegraded: preDeployDegraded,
        issue: { side, code: reading.code, message },
        reason: `${side} ${reading.code}: ${message}`,
      };
    }
  }
  if (input.canary.kind === 'NO_DATA') {
    const served = okCounts(input.baseline)?.total ?? 0;
    const reason =
      served > 0
        ? `no series for the new version while the baseline served ${num(served)}: check routing and the service_version label`
        : 'no series for the new version';
    return {
      ...blank,
      classification: 'NO_DATA',
      baselineDegraded: preDeployDegraded,
      issue: { side: 'canary', code: 'NO_SERIES', message: reason },
      reason,
    };
  }
  if (input.baseline.kind === 'NO_DATA') {
    return {
      ...blank,
      classification: 'NO_DATA',
      baselineDegraded: preDeployDegraded,
      issue: { side: 'baseline', code: 'NO_SERIES', message: 'no baseline series' },
      reason: 'no baseline series',
    };
  }
  // Both readings are OK here (errors and missing data returned above).
  const canary = okCounts(input.canary)!;
  const baseline = okCounts(input.baseline)!;
  const cs = stats(canary, sli.objective);
  const bs = stats(baseline, sli.objective);
  const baselineDegraded = preDeployDegraded || degraded(baseline, sli.objective, p);
  const settle = settleEvidence(input, p);
  const evidence = {
    ...base,
    issue: null,
    canary: cs,
    baseline: bs,
    ratio: bs.ratio > 0 ? cs.ratio / bs.ratio : null,
    delta: cs.ratio - bs.ratio,
    settle,
    baselineDegraded,
  };

  // 1. Data gate: too little traffic is no evidence either way.
  if (canary.total < p.minRequests || baseline.total < p.minRequests) {
    return {
      ...evidence,
      classification: 'INSUFFICIENT',
      severity: null,
      pValue: null,
      reason: `data gate: ${num(canary.total)} canary and ${num(baseline.total)} baseline events, need ${p.minRequests} each`,
    };
  }
  const test = regressionTest(canary, baseline, sli.objective, p);
  const versus = `${pct(cs.ratio)} bad (${num(canary.bad)}/${num(canary.total)}) vs baseline ${pct(bs.ratio)} (${num(baseline.bad)}/${num(baseline.total)})`;
  const pText = `p=${test.pValue.toPrecision(3)}, burn ${cs.burnRate.toFixed(1)}`;

  // 2. CRITICAL: far beyond the baseline and burning the budget at the fastest page rate.
  const critical =
    Math.round(canary.bad) >= p.minBadEvents &&
    cs.ratio >= Math.max(p.criticalAbsRatio, p.criticalIncrease * bs.ratio) &&
    cs.burnRate >= p.criticalBurnRate;
  if (critical) {
    return {
      ...evidence,
      classification: 'CRITICAL',
      severity: 'SEVERE',
      pValue: test.pValue,
      reason: `critical: ${versus}, ${pText}`,
    };
  }
  // 3. REGRESSION, severe when the window burns at page rate. How long it must last before a
  // rollback (severeSustainSeconds) is the verdict's business, not one window's.
  if (test.holds) {
    const settleBurn = settle?.canary?.burnRate ?? cs.burnRate;
    const severe = cs.burnRate >= p.pageBurnRate;
    return {
      ...evidence,
      classification: 'REGRESSION',
      severity: severe ? 'SEVERE' : 'MILD',
      pValue: test.pValue,
      reason: `${severe ? 'severe' : 'mild'} regression: ${versus}, ${pText}, settle burn ${settleBurn.toFixed(1)}`,
    };
  }
  if (baselineDegraded) {
    return {
      ...evidence,
      classification: 'BASELINE_DEGRADED',
      severity: null,
      pValue: test.pValue,
      reason: `baseline already burning the budget (pre-existing incident): ${versus}`,
    };
  }
  return {
    ...evidence,
    classification: 'PASS',
    severity: null,
    pValue: test.pValue,
    reason: `pass: ${versus}, ${pText}`,
  };
}

function settleEvidence(input: SliTickInput, p: AnalysisParameters): SettleEvidence | null {
  const canary = okCounts(input.canarySettle);
  const baseline = okCounts(input.baselineSettle);
  if (!canary) return null;
  const objective = input.sli.objective;
  if (!baseline || canary.total < p.minRequests || baseline.total < p.minRequests) {
    return {
      canary: stats(canary, objective),
      baseline: baseline ? stats(baseline, objective) : null,
      pValue: null,
      significant: false,
    };
  }
  const test = regressionTest(canary, baseline, objective, p);
  return {
    canary: stats(canary, objective),
    baseline: stats(baseline, objective),
    pValue: test.pValue,
    significant: test.holds,
  };
}

// ---------------------------------------------------------------------------------------------
// Threshold checks

export type CheckReading =
  | { readonly kind: 'OK'; readonly value: number }
  | { readonly kind: 'NO_DATA' }
  | { readonly kind: 'ERROR'; readonly message: string };

export type CheckOutcome = 'PASS' | 'FAIL' | 'INCONCLUSIVE' | 'NO_DATA' | 'ERROR';

export interface CheckEvidence {
  readonly name: string;
  readonly outcome: CheckOutcome;
  readonly value: number | null;
  readonly dryRun: boolean;
  readonly reason: string;
}

/** Argo Rollouts' EvaluateResult semantics, except that no value (or NaN) is no data. */
export function evaluateCheck(spec: ThresholdCheckSpec, reading: CheckReading): CheckEvidence {
  const dryRun = spec.dryRun ?? false;
  if (reading.kind === 'ERROR') {
    return { name: spec.name, outcome: 'ERROR', value: null, dryRun, reason: reading.message };
  }
  if (reading.kind === 'NO_DATA' || Number.isNaN(reading.value)) {
    return { name: spec.name, outcome: 'NO_DATA', value: null, dryRun, reason: 'no value' };
  }
  const success = spec.successCondition ? parseCondition(spec.successCondition) : null;
  const failure = spec.failureCondition ? parseCondition(spec.failureCondition) : null;
  const value = reading.value;
  const succeeded = success ? holds(success, value) : false;
  let failed = failure ? holds(failure, value) : false;
  if (success && !failure) failed = !succeeded;
  const outcome: CheckOutcome = failed
    ? 'FAIL'
    : succeeded || (failure && !success)
      ? 'PASS'
      : 'INCONCLUSIVE';
  const conditions = [spec.successCondition && `success: ${spec.successCondition}`]
    .concat(spec.failureCondition ? [`failure: ${spec.failureCondition}`] : [])
    .filter(Boolean)
    .join(', ');
  return {
    name: spec.name,
    outcome,
    value,
    dryRun,
    reason: `result ${value} (${conditions}) ⇒ ${outcome}${dryRun ? ' (dry-run)' : ''}`,
  };
}

// ---------------------------------------------------------------------------------------------
// The tick

export interface TickOutcome {
  readonly classification: TickClassification;
  readonly severity: Severity | null;
  readonly baselineDegraded: boolean;
  /** Some SLI's settle-window test is significant (DEGRADED instead of HEALTHY at bake end). */
  readonly settleSignificant: boolean;
  readonly reason: string;
}

const RANK: Record<TickClassification, number> = {
  PASS: 0,
  INSUFFICIENT: 1,
  NO_DATA: 2,
  ERROR: 3,
  BASELINE_DEGRADED: 4,
  REGRESSION: 5,
  CRITICAL: 7,
};

interface Part {
  readonly classification: TickClassification;
  readonly severity: Severity | null;
  /** The SLI's or check's name. */
  readonly name: string;
  readonly reason: string;
}

function checkPart(c: CheckEvidence): Part | null {
  if (c.dryRun) return null;
  switch (c.outcome) {
    case 'PASS':
      return { classification: 'PASS', severity: null, name: c.name, reason: c.reason };
    case 'FAIL':
      return { classification: 'REGRESSION', severity: 'SEVERE', name: c.name, reason: c.reason };
    case 'INCONCLUSIVE':
      return { classification: 'INSUFFICIENT', severity: null, name: c.name, reason: c.reason };
    case 'NO_DATA':
      return { classification: 'NO_DATA', severity: null, name: c.name, reason: 'no value' };
    case 'ERROR':
      return { classification: 'ERROR', severity: null, name: c.name, reason: c.reason };
  }
}

/** The worst SLI or check outcome; a severe regression outranks a mild one. */
export function aggregateTick(
  slis: readonly SliEvidence[],
  checks: readonly CheckEvidence[],
): TickOutcome {
  const parts: Part[] = [
    ...slis.map((s) => ({
      classification: s.classification,
      severity: s.severity,
      name: s.name,
      reason: s.reason,
    })),
    ...checks.map(checkPart).filter((c): c is Part => c !== null),
  ];
  const score = (p: Part): number =>
    RANK[p.classification] + (p.classification === 'REGRESSION' && p.severity === 'SEVERE' ? 1 : 0);
  const worst = parts.reduce<Part | null>(
    (w, p) => (w === null || score(p) > score(w) ? p : w),
    null,
  );
  const baselineDegraded = slis.some((s) => s.baselineDegraded);
  const settleSignificant = slis.some((s) => s.settle?.significant === true);
  if (!worst) {
    return {
      classification: 'NO_DATA',
      severity: null,
      baselineDegraded,
      settleSignificant,
      reason: 'nothing to evaluate',
    };
  }
  const others = parts.filter((p) => p !== worst && p.classification !== 'PASS');
  return {
    classification: worst.classification,
    severity: worst.severity,
    baselineDegraded,
    settleSignificant,
    reason: tellOnce([worst, ...others]),
  };
}

/**
 * "name: reason" for each part, the worst first, and once for the parts that say the same (an
 * unreachable Prometheus fails every SLI of every preset alike): "errors, latency: …".
 */
function tellOnce(parts: readonly Part[]): string {
  const said = new Map<string, string[]>();
  for (const p of parts) said.set(p.reason, [...(said.get(p.reason) ?? []), p.name]);
  return [...said].map(([reason, names]) => `${names.join(', ')}: ${reason}`).join('; ');
}
