import type { TestLevel, TestOutcome, TestResultEvent } from './domain-events.js';
import { latest, pick } from './lattice.rule.js';
import type { TestSuiteState } from './pipeline-run.state.js';

/** The part of a test_results row that events decide. */
export interface TestResultState {
  readonly chainId: string;
  readonly suiteRunId: string | null;
  readonly name: string | null;
  readonly outcome: TestOutcome | null;
  /** Occurrence time of the event that decided the outcome. */
  readonly outcomeAt: Date | null;
  readonly lastEventAt: Date;
}

/** On a tie between two outcomes reported at one instant, the worse one stays. */
const OUTCOME_TIE_BREAK: readonly TestOutcome[] = ['PASSED', 'SKIPPED', 'FAILED'];

/**
 * The state after `event` (null: first sight). An outcome is never undone by a later
 * queued/started report; between two outcomes (a test run again under the same id) the newer
 * one wins, the worse on a tie. Descriptive fields: a newer event replaces, an older fills gaps.
 */
export function applyTestResultEvent(
  current: TestResultState | null,
  event: TestResultEvent,
  at: Date,
): TestResultState {
  const outcome = event.outcome ?? null;
  if (!current) {
    return {
      chainId: event.chainId,
      suiteRunId: event.suiteRunId ?? null,
      name: event.name ?? null,
      outcome,
      outcomeAt: outcome ? at : null,
      lastEventAt: at,
    };
  }
  const newer = at.getTime() > current.lastEventAt.getTime();
  const takeOutcome =
    outcome !== null &&
    (current.outcome === null ||
      current.outcomeAt === null ||
      at.getTime() > current.outcomeAt.getTime() ||
      (at.getTime() === current.outcomeAt.getTime() &&
        OUTCOME_TIE_BREAK.indexOf(outcome) > OUTCOME_TIE_BREAK.indexOf(current.outcome)));
  return {
    chainId: pick(current.chainId, event.chainId, newer) ?? current.chainId,
    suiteRunId: pick(current.suiteRunId, event.suiteRunId, newer),
    name: pick(current.name, event.name, newer),
    outcome: takeOutcome ? outcome : current.outcome,
    outcomeAt: takeOutcome ? at : current.outcomeAt,
    lastEventAt: latest(current.lastEventAt, at),
  };
}

export function sameTestResultState(a: TestResultState, b: TestResultState): boolean {
  return (
    a.chainId === b.chainId &&
    a.suiteRunId === b.suiteRunId &&
    a.name === b.name &&
    a.outcome === b.outcome &&
    (a.outcomeAt?.getTime() ?? null) === (b.outcomeAt?.getTime() ?? null) &&
    a.lastEventAt.getTime() === b.lastEventAt.getTime()
  );
}

/** One stored result of a chain, as the totals read it. */
export interface ChainTestResult {
  readonly level: TestLevel;
  readonly resultId: string;
  readonly suiteRunId: string | null;
  readonly name: string | null;
  readonly outcome: TestOutcome | null;
}

export interface ChainTestTotals {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly suites: TestSuiteState[];
}

/**
 * A chain's test totals, each test counted once: every case run with an outcome counts as one
 * test; a suite run counts its case runs (those naming it as their `testSuiteRun`), and only a
 * suite run none of whose cases reported an outcome counts as one test of its own outcome
 * (CDEvents suite runs carry an outcome, never counts). A case naming a suite run that never
 * reported is listed under that suite run's id. null when no result of the chain has an outcome
 * yet. Suites sorted by name, then id.
 */
export function chainTestTotals(results: readonly ChainTestResult[]): ChainTestTotals | null {
  const counts = () => ({ passed: 0, failed: 0, skipped: 0 });
  const add = (c: ReturnType<typeof counts>, outcome: TestOutcome) => {
    if (outcome === 'PASSED') c.passed++;
    else if (outcome === 'FAILED') c.failed++;
    else c.skipped++;
  };
  const total = counts();
  const suites = new Map<
    string,
    { name: string; outcome: TestOutcome | null; cases: number } & ReturnType<typeof counts>
  >();
  const suite = (id: string) => {
    let s = suites.get(id);
    if (!s) suites.set(id, (s = { name: id, outcome: null, cases: 0, ...counts() }));
    return s;
  };
  let any = false;
  for (const r of results) {
    if (r.level !== 'SUITE') continue;
    const s = suite(r.resultId);
    s.name = r.name ?? r.resultId;
    s.outcome = r.outcome;
  }
  for (const r of results) {
    if (r.level !== 'CASE' || r.outcome === null) continue;
    any = true;
    add(total, r.outcome);
    if (r.suiteRunId !== null) {
      const s = suite(r.suiteRunId);
      s.cases++;
      add(s, r.outcome);
    }
  }
  for (const s of suites.values()) {
    if (s.cases === 0 && s.outcome !== null) {
      any = true;
      add(total, s.outcome);
      add(s, s.outcome);
    }
  }
  if (!any) return null;
  return {
    ...total,
    suites: [...suites.entries()]
      .filter(([, s]) => s.cases > 0 || s.outcome !== null)
      .sort(([ia, a], [ib, b]) => compare(a.name, b.name) || compare(ia, ib))
      .map(([, s]) => ({
        name: s.name,
        passed: s.passed,
        failed: s.failed,
        skipped: s.skipped,
        durationSeconds: null,
      })),
  };
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
