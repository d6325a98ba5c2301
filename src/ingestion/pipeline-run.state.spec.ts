import type { PipelineRunEvent, RunOutcome, RunStatus } from './domain-events.js';
import { applyPipelineRunEvent, type PipelineRunState } from './pipeline-run.state.js';

const t = (minute: number) => new Date(Date.UTC(2025, 5, 1, 10, minute));

function event(
  status: RunStatus,
  minute: number,
  extra: Partial<PipelineRunEvent> = {},
): PipelineRunEvent {
  return {
    type: 'pipelineRun',
    envelope: { source: 'ci', eventId: `${status}-${minute}`, occurredAt: t(minute) },
    runId: '1',
    pipelineName: 'ci',
    status,
    ...extra,
  };
}
const finished = (outcome: RunOutcome, minute: number, extra: Partial<PipelineRunEvent> = {}) =>
  event('FINISHED', minute, { outcome, ...extra });
const fold = (events: PipelineRunEvent[]): PipelineRunState =>
  events.reduce<PipelineRunState | null>(
    (s, e) => applyPipelineRunEvent(s, e, e.envelope.occurredAt!),
    null,
  )!;

describe('pipeline run state', () => {
  it('never lets a late RUNNING undo FINISHED, and fills its start', () => {
    const s = fold([finished('SUCCESS', 9), event('RUNNING', 2, { startedAt: t(2) })]);
    expect(s).toMatchObject({
      status: 'FINISHED',
      outcome: 'SUCCESS',
      startedAt: t(2),
      finishedAt: t(9),
    });
  });

  it('lets a newer FINISHED change the outcome (a retried pipeline), with its tests', () => {
    const tests = (failed: number) => ({ passed: 5, failed, skipped: 0 });
    const inOrder = fold([
      finished('FAILURE', 5, { tests: tests(2) }),
      finished('SUCCESS', 9, { tests: tests(0) }),
    ]);
    const reversed = fold([
      finished('SUCCESS', 9, { tests: tests(0) }),
      finished('FAILURE', 5, { tests: tests(2) }),
    ]);
    for (const s of [inOrder, reversed]) {
      expect(s).toMatchObject({
        outcome: 'SUCCESS',
        finishedAt: t(9),
        testsFailed: 0,
        statusAt: t(9),
      });
    }
  });

  it('takes test results from the finishing event over partial ones from a running event', () => {
    const partial = event('RUNNING', 3, { tests: { passed: 1, failed: 0, skipped: 0 } });
    const final = finished('SUCCESS', 8, {
      tests: {
        passed: 9,
        failed: 1,
        skipped: 0,
        suites: [{ name: 'unit', passed: 9, failed: 1, skipped: 0 }],
      },
    });
    expect(fold([partial, final])).toMatchObject({
      testsPassed: 9,
      testSuites: [{ name: 'unit', durationSeconds: null }],
    });
    expect(fold([final, partial])).toMatchObject({ testsPassed: 9 });
  });

  it('keeps the earliest queue and start times', () => {
    const s = fold([
      event('QUEUED', 4, { queuedAt: t(4) }),
      event('QUEUED', 1, { queuedAt: t(1) }),
    ]);
    expect(s.queuedAt).toEqual(t(1));
  });
});

describe('test totals from a CDEvents chain', () => {
  const at = new Date('2026-01-01T12:00:00Z');
  const run: PipelineRunEvent = {
    type: 'pipelineRun',
    envelope: { source: 'ci', eventId: 'e1' },
    runId: 'r',
    pipelineName: 'p',
    status: 'RUNNING',
    chainId: 'chain',
  };
  const fromChain = {
    ...applyPipelineRunEvent(null, run, at),
    testsPassed: 3,
    testsFailed: 0,
    testsSkipped: 0,
    testsFromChain: true,
  };

  it('keeps chain totals through events that send none', () => {
    const after = applyPipelineRunEvent(fromChain, { ...run, status: 'FINISHED' }, at);
    expect([after.testsPassed, after.testsFromChain, after.chainId]).toEqual([3, true, 'chain']);
  });

  it('lets totals sent with the run replace those of its chain, whatever the event decides', () => {
    const queued = {
      ...run,
      status: 'QUEUED' as const,
      tests: { passed: 1, failed: 1, skipped: 0 },
    };
    const after = applyPipelineRunEvent(fromChain, queued, at);
    expect([after.testsPassed, after.testsFailed, after.testsFromChain]).toEqual([1, 1, false]);
  });
});
