/**
 * Per-route SLIs (docs/verification.md "Per-route judgement"): besides the service aggregate, each
 * SLI judges every route (OpenTelemetry's `http.route`, the `http_route` label) that served
 * enough on both sides of a window, so that a release breaking one low-volume route is seen
 * although the aggregate hardly moves. Routes below the traffic floor, and those beyond the
 * busiest `maxRoutes`, fold into one "other" group, judged like a route when it passes the floor.
 *
 * Family-wise error: the routes of one SLI judged in one tick are a family, tested with
 * Holm–Bonferroni at the policy's `alpha` (the k-th smallest p-value must be below
 * alpha / (m − k + 1), stopping at the first that is not): a route is REGRESSION or CRITICAL only
 * when its test is rejected in that step-down; otherwise it passes with the reason saying so.
 * The aggregate is judged as before, outside the family. A route's degraded baseline is shown,
 * never a pre-existing incident of the service (that is the aggregate's call). Pure.
 */
import { DEFAULT_ANALYSIS, type AnalysisParameters, type SliSpec } from '../verification-policy.js';
import { classifySli, type BaselineKind, type Counts, type SliEvidence } from './tick.rule.js';

/** The group the routes below the floor (or beyond maxRoutes) fold into. */
export const OTHER_ROUTES = 'other';

export interface RouteCounts {
  readonly route: string;
  readonly canary: Counts;
  readonly baseline: Counts;
}

const ZERO: Counts = { total: 0, bad: 0 };
const add = (a: Counts, b: Counts): Counts => ({ total: a.total + b.total, bad: a.bad + b.bad });

/** The policy's route parameters (snapshots of policies saved before them take the defaults). */
export function routeParameters(p: AnalysisParameters): { maxRoutes: number; floor: number } {
  return {
    maxRoutes: p.maxRoutes ?? DEFAULT_ANALYSIS.maxRoutes,
    floor: p.routeMinRequests ?? DEFAULT_ANALYSIS.routeMinRequests,
  };
}

/**
 * The groups judged in a window: each route with at least `routeMinRequests` events on both
 * sides, the busiest `maxRoutes` of them on the new version (ties by name), and "other" (every
 * other route of either side, added up) when it passes the floor too. None when the series carry
 * fewer than two routes or no route passes the floor: the aggregate already says it all.
 */
export function routeGroups(
  canary: ReadonlyMap<string, Counts>,
  baseline: ReadonlyMap<string, Counts>,
  p: AnalysisParameters,
): RouteCounts[] {
  const { maxRoutes, floor } = routeParameters(p);
  if (maxRoutes === 0 || new Set([...canary.keys(), ...baseline.keys()]).size < 2) return [];
  const judged = [...canary.keys()]
    .filter((r) => canary.get(r)!.total >= floor && (baseline.get(r)?.total ?? 0) >= floor)
    .sort((a, b) => canary.get(b)!.total - canary.get(a)!.total || (a < b ? -1 : 1))
    .slice(0, maxRoutes);
  if (judged.length === 0) return [];
  const apiece = new Set(judged);
  const fold = (side: ReadonlyMap<string, Counts>) =>
    [...side].filter(([r]) => !apiece.has(r)).reduce((sum, [, c]) => add(sum, c), ZERO);
  const groups = judged.map((route) => ({
    route,
    canary: canary.get(route)!,
    baseline: baseline.get(route)!,
  }));
  const other = { route: OTHER_ROUTES, canary: fold(canary), baseline: fold(baseline) };
  if (other.canary.total >= floor && other.baseline.total >= floor) groups.push(other);
  return groups;
}

/**
 * Holm–Bonferroni: which hypotheses are rejected at family-wise level `alpha` (the k-th smallest
 * p-value against alpha / (m − k + 1), stopping at the first one not below it).
 */
export function holmRejected(pValues: readonly number[], alpha: number): boolean[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const rejected = new Array<boolean>(m).fill(false);
  for (const [k, { p, i }] of order.entries()) {
    if (!(p < alpha / (m - k))) break;
    rejected[i] = true;
  }
  return rejected;
}

/** The name of a route's SLI in the evidence and the verdict: `errors /pay`, `latency other`. */
export const routeSliName = (sli: string, route: string): string => `${sli} ${route}`;

/** Each group of one SLI in one window, classified as the aggregate is, under Holm–Bonferroni. */
export function judgeRoutes(
  sli: Pick<SliSpec, 'name' | 'objective'>,
  groups: readonly RouteCounts[],
  baselineKind: BaselineKind,
  p: AnalysisParameters,
): SliEvidence[] {
  const { floor } = routeParameters(p);
  const params = { ...p, minRequests: floor };
  const evidence = groups.map((g) =>
    classifySli(
      {
        sli: { name: routeSliName(sli.name, g.route), objective: sli.objective },
        canary: { kind: 'OK', counts: g.canary },
        baseline: { kind: 'OK', counts: g.baseline },
        baselineKind,
      },
      params,
    ),
  );
  const m = evidence.length;
  const rejected = holmRejected(
    evidence.map((e) => e.pValue ?? 1),
    p.alpha,
  );
  return evidence.map((e, i) => {
    const route = { ...e, route: groups[i].route, baselineDegraded: false };
    const flagged = e.classification === 'CRITICAL' || e.classification === 'REGRESSION';
    if (flagged && !rejected[i]) {
      return {
        ...route,
        classification: 'PASS',
        severity: null,
        reason: `pass: not significant among ${m} routes (Holm–Bonferroni at ${p.alpha}): ${e.reason}`,
      };
    }
    if (e.classification === 'BASELINE_DEGRADED') {
      return { ...route, classification: 'PASS', reason: `pass (${e.reason})` };
    }
    return {
      ...route,
      reason: flagged ? `${e.reason}; significant among ${m} routes (Holm–Bonferroni)` : e.reason,
    };
  });
}
