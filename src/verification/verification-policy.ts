/**
 * A verification policy: which signals prove a release healthy, how strict the verdict is, what
 * happens when it fails. Pure types, defaults and shape checks; the Prometheus check of every query
 * lives in VerificationPolicyService. Defaults follow rollback-anchors.md §5.5, except the tick
 * interval (30 s instead of 60 s) so that a critical regression is rolled back within ~90 s, and
 * the k-of-n rules, replaced by tolerances in time (docs/verification.md "Decision rules").
 */
import type { AlertChannel, RollbackTarget } from '../remediation/remediation-action.js';
import {
  isLegacyTemplate,
  LEGACY_TEMPLATE_HELP,
  promqlString,
  scanCounterTemplate,
  TARGET_LABEL,
} from './counter-template.rule.js';
import { DEFAULT_SLIS } from './default-slis.js';

export const VERIFICATION_MODES = ['ENFORCE', 'ADVISE', 'DRY_RUN'] as const;
/** ENFORCE rolls back and alerts; ADVISE only alerts; DRY_RUN only records the evidence. */
export type VerificationMode = (typeof VERIFICATION_MODES)[number];

/**
 * One SLI: a proportion of bad events. Both templates are per-series counter expressions (one
 * cumulative counter per target, no increase()/rate(), no {{window}}, no aggregation): each
 * window is read at its two boundaries and what every series gained is added up
 * (docs/verification.md "Counting").
 */
export interface SliSpec {
  /** Short identifier, e.g. `errors`, `latency`. */
  readonly name: string;
  /** SLO target of the good ratio, e.g. 0.999 (burn rate = bad ratio / (1 - objective)). */
  readonly objective: number;
  /** PromQL template: the counters of all events. Never `or vector(0)`: absent = no data. */
  readonly totalQuery: string;
  /** PromQL template: the counters of bad events (`or vector(0)`: none yet means none). */
  readonly badQuery: string;
}

/**
 * An Argo-style absolute check beside the SLIs: a PromQL template giving one number and
 * conditions such as `result >= 0.95`. Without failureCondition a measurement fails when
 * successCondition is false; without successCondition it passes when failureCondition is false;
 * with both and neither true it is inconclusive. No value is "no data", never a failure.
 */
export interface ThresholdCheckSpec {
  readonly name: string;
  readonly query: string;
  readonly successCondition?: string;
  readonly failureCondition?: string;
  /** Evaluated and recorded, never counted towards the verdict (Argo `dryRun`). */
  readonly dryRun?: boolean;
}

export interface VerificationTiming {
  /** Time between ticks (at run time at least windowSeconds and the counters' refresh interval). */
  readonly intervalSeconds: number;
  /**
   * Length of a tick's window. Windows tile (each starts where the last counted one ended), so a
   * tick comes when its window is this long; at least one refresh interval of the counters.
   */
  readonly windowSeconds: number;
  /** After the deploy finished: REGRESSION ticks are recorded but not counted; CRITICAL is. */
  readonly warmUpSeconds: number;
  /** Verification time before HEALTHY (and before a DEGRADED ticket). */
  readonly bakeSeconds: number;
  /** From here (at most bakeSeconds) HEALTHY when the sequential test accepts every SLI. */
  readonly earlyHealthySeconds: number;
  /** Then HEALTHY_LOW_CONFIDENCE or UNVERIFIED (low traffic), or INCONCLUSIVE. */
  readonly maxVerificationSeconds: number;
  /** Trailing window for the severity pair and the bake-end test. */
  readonly settleWindowSeconds: number;
  /** Baseline window before the deploy when the previous version no longer serves. */
  readonly preDeployWindowSeconds: number;
  /** No second automatic rollback of the same service and environment within this time. */
  readonly cooldownSeconds: number;
  /** A rollback must verify healthy within this time, else ReleaseRollbackNotRecovered. */
  readonly rollbackVerifyTimeoutSeconds: number;
  /**
   * After a HEALTHY verdict, the release's SLIs are watched for burn-rate regressions until this
   * long after the deploy finished (the DORA attribution window: 24 h); 0 turns the watch off.
   */
  readonly lateWatchSeconds: number;
  /** Time between two checks of the late watch. */
  readonly lateWatchIntervalSeconds: number;
}

export interface AnalysisParameters {
  /** Requests per side per window below which a window is no evidence (data gate). */
  readonly minRequests: number;
  /** Canary bad events needed before a REGRESSION claim. */
  readonly minBadEvents: number;
  /** One-sided significance level of the conditional binomial test. */
  readonly alpha: number;
  /** r_canary must be at least this multiple of r_baseline. */
  readonly allowedIncrease: number;
  /** r_canary − r_baseline must be at least max(this, 1 − objective). */
  readonly minAbsDelta: number;
  readonly criticalAbsRatio: number;
  readonly criticalIncrease: number;
  readonly criticalBurnRate: number;
  /** Burn rate from which a regression is severe (rollback) and a baseline is degraded. */
  readonly pageBurnRate: number;
  /** Consecutive CRITICAL windows covering this long ⇒ FAILED (a shorter critical burst is tolerated). */
  readonly criticalSustainSeconds: number;
  /**
   * A severe regression seen this long (first to latest severe window, the latest still severe)
   * while burning the budget at pageBurnRate over that time ⇒ FAILED; a shorter burst is a transient.
   */
  readonly severeSustainSeconds: number;
  /**
   * Sequential healthy test: the highest chance of passing early a release whose bad ratio
   * exceeds its baseline's by pageBurnRate × (1 − objective).
   */
  readonly sequentialBeta: number;
  readonly passK: number;
  readonly minEvaluatedTicks: number;
  /** More consecutive blind ticks (errors / no data) than this ⇒ INCONCLUSIVE. */
  readonly consecutiveErrorLimit: number;
  /**
   * Per-route SLIs (`http_route`): at most this many routes are judged apiece in a tick, the
   * busiest on the new version; the rest fold into "other". 0: no per-route judgement.
   */
  readonly maxRoutes: number;
  /** A route is judged apiece when it served this many events on both sides of a window. */
  readonly routeMinRequests: number;
}

/** Everything a verification needs; snapshotted into each release verification. */
/** A check with its optional fields spelled out (null conditions, dryRun false): as shown and compared. */
export const checkWithDefaults = (c: ThresholdCheckSpec) => ({
  name: c.name,
  query: c.query,
  successCondition: c.successCondition ?? null,
  failureCondition: c.failureCondition ?? null,
  dryRun: c.dryRun ?? false,
});

export interface PolicySpec {
  readonly mode: VerificationMode;
  readonly slis: readonly SliSpec[];
  readonly checks: readonly ThresholdCheckSpec[];
  readonly timing: VerificationTiming;
  readonly analysis: AnalysisParameters;
  readonly alertChannels: readonly AlertChannel[];
  /**
   * A late regression (after HEALTHY) requests a rollback (ENFORCE mode, the usual guards);
   * false (the default): it is attributed and alerted, never rolled back.
   */
  readonly lateRegressionRollback: boolean;
  /**
   * Multi-target releases: the Prometheus label that carries a deployment's target (`region`,
   * `k8s_cluster_name`). A targeted deployment's queries then read only the series with
   * `<targetLabel>="<target>"`, for the new version and the baseline alike. Absent or null: the
   * queries read every target's series (docs/verification.md "Multi-target releases (waves)").
   */
  readonly targetLabel?: string | null;
}

/** The longest a verification may run (a day): older releases are history, never verified. */
export const MAX_VERIFICATION_SECONDS = 86_400;

export const DEFAULT_TIMING: VerificationTiming = {
  intervalSeconds: 30,
  windowSeconds: 30,
  warmUpSeconds: 60,
  bakeSeconds: 600,
  earlyHealthySeconds: 300,
  maxVerificationSeconds: 3600,
  settleWindowSeconds: 300,
  preDeployWindowSeconds: 1800,
  cooldownSeconds: 3600,
  rollbackVerifyTimeoutSeconds: 600,
  lateWatchSeconds: 86_400,
  lateWatchIntervalSeconds: 300,
};

/** Stored timings (policies, verification snapshots) with the fields added since filled in. */
export const timingWithDefaults = (t: Partial<VerificationTiming>): VerificationTiming => ({
  ...DEFAULT_TIMING,
  ...t,
});

export const DEFAULT_ANALYSIS: AnalysisParameters = {
  minRequests: 100,
  minBadEvents: 5,
  alpha: 0.01,
  allowedIncrease: 1.5,
  minAbsDelta: 0.001,
  criticalAbsRatio: 0.05,
  criticalIncrease: 10,
  criticalBurnRate: 14.4,
  pageBurnRate: 6,
  criticalSustainSeconds: 60,
  severeSustainSeconds: 180,
  sequentialBeta: 0.01,
  passK: 3,
  minEvaluatedTicks: 5,
  consecutiveErrorLimit: 4,
  maxRoutes: 50,
  routeMinRequests: 100,
};

/** Stored analysis parameters with those added since they were saved (e.g. maxRoutes) filled in. */
export const analysisWithDefaults = (a: Partial<AnalysisParameters>): AnalysisParameters => ({
  ...DEFAULT_ANALYSIS,
  ...a,
});

export { DEFAULT_LATENCY_BUCKET, DEFAULT_SLIS } from './default-slis.js';

export function defaultPolicySpec(alertChannels: readonly AlertChannel[]): PolicySpec {
  return {
    mode: 'ADVISE',
    slis: DEFAULT_SLIS,
    checks: [],
    timing: DEFAULT_TIMING,
    analysis: DEFAULT_ANALYSIS,
    alertChannels,
    lateRegressionRollback: false,
  };
}

/** A policy as stored: the spec plus its identity and rollback target. */
export interface StoredPolicy {
  readonly id: string | null;
  readonly service: string;
  readonly namespace: string;
  readonly environment: string;
  readonly spec: PolicySpec;
  readonly rollbackTarget: RollbackTarget | null;
  /** True for the built-in default (no row). */
  readonly isDefault: boolean;
}

// ---------------------------------------------------------------------------------------------
// Shape checks (pure). Each problem is `{ field, message }`; the service refuses a policy with any.

export interface PolicyProblem {
  readonly field: string;
  readonly message: string;
}

const NAME = /^[a-z][a-z0-9_]{0,39}$/;

export function checkPolicyShape(spec: PolicySpec): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const add = (field: string, message: string): void => {
    problems.push({ field, message });
  };
  if (spec.slis.length === 0 && spec.checks.length === 0) {
    add('slis', 'give at least one SLI or check');
  }
  if (spec.slis.length + spec.checks.length > 20) add('slis', 'at most 20 SLIs and checks');
  const label = spec.targetLabel;
  if (
    label !== undefined &&
    label !== null &&
    !(TARGET_LABEL.test(label) && !label.startsWith('__'))
  )
    add('targetLabel', 'a Prometheus label name (letters, digits and _, not starting with __)');
  const names = new Set<string>();
  spec.slis.forEach((sli, i) => {
    const f = `slis[${i}]`;
    if (!NAME.test(sli.name)) add(`${f}.name`, 'lowercase letters, digits and _, at most 40');
    if (names.has(sli.name)) add(`${f}.name`, `duplicate name ${sli.name}`);
    names.add(sli.name);
    if (!(sli.objective > 0 && sli.objective < 1)) add(`${f}.objective`, 'between 0 and 1');
    for (const key of ['totalQuery', 'badQuery'] as const) {
      // Templates of earlier releases are LEGACY_TEMPLATE (legacyTemplateProblems), not shape.
      if (isLegacyTemplate(sli[key])) continue;
      for (const message of checkCounterTemplate(sli[key])) add(`${f}.${key}`, message);
    }
    if (/or\s+vector\s*\(/.test(sli.totalQuery)) {
      add(
        `${f}.totalQuery`,
        'a denominator must not use `or vector(..)`: absent must mean no data',
      );
    }
  });
  spec.checks.forEach((check, i) => {
    const f = `checks[${i}]`;
    if (!NAME.test(check.name)) add(`${f}.name`, 'lowercase letters, digits and _, at most 40');
    if (names.has(check.name)) add(`${f}.name`, `duplicate name ${check.name}`);
    names.add(check.name);
    for (const message of checkTemplate(check.query)) add(`${f}.query`, message);
    if (!/\{\{\s*window\s*\}\}/.test(check.query)) {
      add(`${f}.query`, 'must use {{window}} (the tick window) in its range selectors');
    }
    if (!check.successCondition && !check.failureCondition) {
      add(f, 'give a successCondition, a failureCondition or both');
    }
    for (const key of ['successCondition', 'failureCondition'] as const) {
      const condition = check[key];
      if (condition !== undefined && parseCondition(condition) === null) {
        add(`${f}.${key}`, 'expected `result <op> <number>` with op one of < <= > >= == !=');
      }
    }
  });
  const t = spec.timing;
  const positive: [keyof VerificationTiming, number][] = [
    ['intervalSeconds', 1],
    ['windowSeconds', 1],
    ['bakeSeconds', 0],
    ['earlyHealthySeconds', 0],
    ['maxVerificationSeconds', 1],
    ['settleWindowSeconds', 1],
    ['preDeployWindowSeconds', 1],
    ['cooldownSeconds', 0],
    ['rollbackVerifyTimeoutSeconds', 1],
    ['warmUpSeconds', 0],
    ['lateWatchSeconds', 0],
    ['lateWatchIntervalSeconds', 60],
  ];
  for (const [key, min] of positive) {
    if (!Number.isInteger(t[key]) || t[key] < min) add(`timing.${key}`, `an integer >= ${min}`);
  }
  if (t.maxVerificationSeconds < t.bakeSeconds) {
    add('timing.maxVerificationSeconds', 'must be at least bakeSeconds');
  }
  if (t.intervalSeconds > 3600) add('timing.intervalSeconds', 'at most 3600');
  if (t.maxVerificationSeconds > MAX_VERIFICATION_SECONDS) {
    add('timing.maxVerificationSeconds', `at most ${MAX_VERIFICATION_SECONDS} (a day)`);
  }
  if (t.lateWatchSeconds > MAX_VERIFICATION_SECONDS) {
    add('timing.lateWatchSeconds', `at most ${MAX_VERIFICATION_SECONDS} (a day)`);
  }
  if (t.lateWatchIntervalSeconds > 3600) add('timing.lateWatchIntervalSeconds', 'at most 3600');
  const a = spec.analysis;
  const ints: (keyof AnalysisParameters)[] = [
    'minRequests',
    'minBadEvents',
    'passK',
    'minEvaluatedTicks',
    'consecutiveErrorLimit',
    'routeMinRequests',
  ];
  for (const key of ints) {
    if (!Number.isInteger(a[key]) || a[key] < (key === 'consecutiveErrorLimit' ? 0 : 1)) {
      add(`analysis.${key}`, 'a positive integer');
    }
  }
  if (!Number.isInteger(a.maxRoutes) || a.maxRoutes < 0 || a.maxRoutes > 200) {
    add('analysis.maxRoutes', 'an integer from 0 to 200');
  }
  for (const key of ['criticalSustainSeconds', 'severeSustainSeconds'] as const) {
    if (!Number.isInteger(a[key]) || a[key] < 0 || a[key] > 3600) {
      add(`analysis.${key}`, 'an integer from 0 to 3600');
    }
  }
  if (!(a.sequentialBeta > 0 && a.sequentialBeta < 0.5)) {
    add('analysis.sequentialBeta', 'between 0 and 0.5');
  }
  if (!(a.alpha > 0 && a.alpha < 0.5)) add('analysis.alpha', 'between 0 and 0.5');
  const ratios: (keyof AnalysisParameters)[] = [
    'allowedIncrease',
    'criticalIncrease',
    'criticalBurnRate',
    'pageBurnRate',
  ];
  for (const key of ratios) if (!(a[key] >= 1)) add(`analysis.${key}`, 'at least 1');
  if (!(a.minAbsDelta >= 0 && a.minAbsDelta < 1)) add('analysis.minAbsDelta', 'in [0, 1)');
  if (!(a.criticalAbsRatio > 0 && a.criticalAbsRatio <= 1)) {
    add('analysis.criticalAbsRatio', 'in (0, 1]');
  }
  if (new Set(spec.alertChannels).size !== spec.alertChannels.length) {
    add('alertChannels', 'duplicate channel');
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Templates

export const PLACEHOLDERS = [
  'service',
  'namespace',
  'environment',
  'version',
  'versionRegex',
  'previousVersion',
  'previousVersionRegex',
  'job',
  'window',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

function checkTemplate(template: string): string[] {
  const problems: string[] = [];
  if (template.trim() === '') return ['must not be empty'];
  if (template.length > 4000) problems.push('at most 4000 characters');
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (!(PLACEHOLDERS as readonly string[]).includes(m[1])) {
      problems.push(`unknown placeholder {{${m[1]}}}; known: ${PLACEHOLDERS.join(', ')}`);
    }
  }
  return problems;
}

/** A sample release to render templates with before reading them. */
const SAMPLE: TemplateContext = {
  service: 'service',
  namespace: 'namespace',
  environment: 'environment',
  version: 'new-version',
  previousVersion: 'previous-version',
  windowSeconds: 60,
};

function checkCounterTemplate(template: string): string[] {
  const problems = checkTemplate(template);
  if (problems.length > 0) return problems;
  return [...scanCounterTemplate(renderTemplate(template, SAMPLE)).problems];
}

/** SLI templates in the form of earlier releases (increase()/rate() over {{window}}). */
export function legacyTemplateProblems(spec: Pick<PolicySpec, 'slis'>): PolicyProblem[] {
  return spec.slis.flatMap((sli, i) =>
    (['totalQuery', 'badQuery'] as const)
      .filter((key) => isLegacyTemplate(sli[key]))
      .map((key) => ({ field: `slis[${i}].${key}`, message: LEGACY_TEMPLATE_HELP })),
  );
}

/**
 * SLI templates that read the same series for the new and the previous version (they ignore
 * {{version}} / {{versionRegex}}): the new version would be compared with itself.
 */
export function overlappingSideProblems(spec: Pick<PolicySpec, 'slis'>): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  spec.slis.forEach((sli, i) => {
    for (const key of ['totalQuery', 'badQuery'] as const) {
      try {
        const canary = renderTemplate(sli[key], SAMPLE);
        const baseline = renderTemplate(sli[key], { ...SAMPLE, version: SAMPLE.previousVersion });
        if (canary === baseline) {
          problems.push({
            field: `slis[${i}].${key}`,
            message:
              'reads the same series for the new and the previous version: select the version with {{versionRegex}} (or {{version}})',
          });
        }
      } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
      }
    }
  });
  return problems;
}

/** What a query is about: the release's identity and the side (version) being measured. */
export interface TemplateContext {
  readonly service: string;
  readonly namespace: string;
  readonly environment: string;
  /** The version measured by this query (canary: the new one; baseline: the previous one). */
  readonly version: string | null;
  readonly previousVersion: string | null;
  readonly windowSeconds: number;
}

export { promqlString };

/** Escapes a value as an RE2 literal, then for a PromQL double-quoted string. */
export function promqlRegex(value: string): string {
  return promqlString(value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}

export class TemplateError extends Error {}

/**
 * Fills the placeholders. An unknown version renders `{{versionRegex}}` as `.*` (every version:
 * right for the window before a deploy) and makes `{{version}}` an error.
 */
export function renderTemplate(template: string, ctx: TemplateContext): string {
  const job = ctx.namespace ? `${ctx.namespace}/${ctx.service}` : ctx.service;
  const values: Record<Placeholder, () => string> = {
    service: () => promqlString(ctx.service),
    namespace: () => promqlString(ctx.namespace),
    environment: () => promqlString(ctx.environment),
    job: () => promqlString(job),
    window: () => `${Math.max(1, Math.round(ctx.windowSeconds))}s`,
    version: () => {
      if (ctx.version === null) throw new TemplateError('the version is unknown');
      return promqlString(ctx.version);
    },
    versionRegex: () => (ctx.version === null ? '.*' : promqlRegex(ctx.version)),
    previousVersion: () => {
      if (ctx.previousVersion === null) throw new TemplateError('the previous version is unknown');
      return promqlString(ctx.previousVersion);
    },
    previousVersionRegex: () =>
      ctx.previousVersion === null ? '.*' : promqlRegex(ctx.previousVersion),
  };
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const fill = values[name as Placeholder] as (() => string) | undefined;
    if (!fill) throw new TemplateError(`unknown placeholder {{${name}}}`);
    return fill();
  });
}

// ---------------------------------------------------------------------------------------------
// Check conditions: `result <op> <number>`

export type ConditionOperator = '<' | '<=' | '>' | '>=' | '==' | '!=';
export interface Condition {
  readonly op: ConditionOperator;
  readonly value: number;
}

const CONDITION = /^\s*result\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*$/;

export function parseCondition(text: string): Condition | null {
  const m = CONDITION.exec(text);
  if (!m) return null;
  return { op: m[1] as ConditionOperator, value: Number(m[2]) };
}

export function holds(condition: Condition, result: number): boolean {
  switch (condition.op) {
    case '<':
      return result < condition.value;
    case '<=':
      return result <= condition.value;
    case '>':
      return result > condition.value;
    case '>=':
      return result >= condition.value;
    case '==':
      return result === condition.value;
    case '!=':
      return result !== condition.value;
  }
}
