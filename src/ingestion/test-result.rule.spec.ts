import type { TestResultEvent } from './domain-events.js';
import {
  applyTestResultEvent,
  chainTestTotals,
  type ChainTestResult,
  type TestResultState,
} from './test-result.rule.js';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute));
const event = (outcome?: TestResultEvent['outcome']): TestResultEvent => ({
  type: 'testResult',
  envelope: { source: 'ci', eventId: 'e' },
  level: 'CASE',
  resultId: 'case-1',
  chainId: 'chain',
  name: 'Login Test',
  outcome,
});
const fold = (steps: [TestResultEvent, Date][]): TestResultState =>
  steps.reduce<TestResultState | null>((s, [e, when]) => applyTestResultEvent(s, e, when), null)!;

describe('applyTestResultEvent', () => {
  it('keeps an outcome whatever order its started and finished reports come in', () => {
    const started: [TestResultEvent, Date] = [event(), at(1)];
    const finished: [TestResultEvent, Date] = [event('FAILED'), at(2)];
    expect(fold([started, finished])).toEqual(fold([finished, started]));
    expect(fold([finished, started]).outcome).toBe('FAILED');
  });

  it('lets a newer outcome replace an older one, the worse on a tie', () => {
    expect(
      fold([
        [event('FAILED'), at(2)],
        [event('PASSED'), at(3)],
      ]).outcome,
    ).toBe('PASSED');
    expect(
      fold([
        [event('PASSED'), at(3)],
        [event('FAILED'), at(2)],
      ]).outcome,
    ).toBe('PASSED');
    const tie = (a: TestResultEvent, b: TestResultEvent) =>
      fold([
        [a, at(2)],
        [b, at(2)],
      ]).outcome;
    expect(tie(event('PASSED'), event('FAILED'))).toBe('FAILED');
    expect(tie(event('FAILED'), event('PASSED'))).toBe('FAILED');
  });
});

describe('chainTestTotals', () => {
  const r = (
    level: ChainTestResult['level'],
    resultId: string,
    outcome: ChainTestResult['outcome'],
    more: Partial<ChainTestResult> = {},
  ): ChainTestResult => ({ level, resultId, suiteRunId: null, name: null, outcome, ...more });

  it('is null until a result has an outcome', () => {
    expect(chainTestTotals([])).toBeNull();
    expect(chainTestTotals([r('SUITE', 's', null), r('CASE', 'c', null)])).toBeNull();
  });

  it("counts a suite's cases once, and a suite without reported cases as one test", () => {
    const totals = chainTestTotals([
      r('SUITE', 'auth', 'FAILED', { name: 'Auth TestSuite' }),
      r('CASE', 'login', 'PASSED', { suiteRunId: 'auth' }),
      r('CASE', 'logout', 'FAILED', { suiteRunId: 'auth' }),
      r('SUITE', 'smoke', 'PASSED', { name: 'Smoke' }),
      r('CASE', 'loose', 'SKIPPED'),
      r('CASE', 'orphan', 'PASSED', { suiteRunId: 'never-reported' }),
      r('CASE', 'running', null, { suiteRunId: 'auth' }),
    ]);
    expect(totals).toEqual({
      passed: 3,
      failed: 1,
      skipped: 1,
      suites: [
        { name: 'Auth TestSuite', passed: 1, failed: 1, skipped: 0, durationSeconds: null },
        { name: 'Smoke', passed: 1, failed: 0, skipped: 0, durationSeconds: null },
        { name: 'never-reported', passed: 1, failed: 0, skipped: 0, durationSeconds: null },
      ],
    });
  });

  it('does not depend on the order of the results', () => {
    const results = [
      r('CASE', 'b', 'PASSED', { suiteRunId: 's2' }),
      r('SUITE', 's1', 'FAILED', { name: 'Same' }),
      r('SUITE', 's2', 'PASSED', { name: 'Same' }),
    ];
    expect(chainTestTotals(results)).toEqual(chainTestTotals([...results].reverse()));
  });
});
