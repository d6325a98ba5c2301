import type { PipelineRunEvent, RunOutcome, RunStatus } from './domain-events.js';
import {
  earliest,
  latest,
  mergeFinish,
  nextStatusAt,
  pick,
  precedence,
  type Ranked,
} from './lattice.rule.js';
import { sameTime } from './deployment.state.js';

export interface TestSuiteState {
  readonly name: string;
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly durationSeconds: number | null;
}

/** The part of a pipeline_runs row that events decide. */
export interface PipelineRunState {
  readonly pipelineName: string;
  readonly repository: string | null;
  readonly ref: string | null;
  readonly commitSha: string | null;
  readonly status: RunStatus;
  readonly outcome: RunOutcome | null;
  readonly queuedAt: Date | null;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly url: string | null;
  readonly testsPassed: number | null;
  readonly testsFailed: number | null;
  readonly testsSkipped: number | null;
  readonly testSuites: readonly TestSuiteState[];
  /** The CDEvents chain whose test results are the run's totals (docs/integrations.md). */
  readonly chainId: string | null;
  /**
   * The totals are its chain's test results, not ones sent with the run: totals sent with the
   * run replace them, and a chain never replaces those.
   */
  readonly testsFromChain: boolean;
  readonly statusAt: Date;
  readonly lastEventAt: Date;
}

/** `QUEUED`, `RUNNING`, or `FINISHED:<outcome>`: the outcome is part of the terminal status. */
type Phase = string;
const phaseOf = (status: RunStatus, outcome: RunOutcome | null | undefined): Phase =>
  status === 'FINISHED' ? `FINISHED:${outcome ?? ''}` : status;

const OUTCOME_TIE_BREAK = ['', 'SUCCESS', 'SKIPPED', 'CANCELLED', 'TIMEOUT', 'ERROR', 'FAILURE'];

/** QUEUED < RUNNING < FINISHED (any outcome); a newer FINISHED may change the outcome. */
export const RUN_LATTICE: Ranked<Phase> = {
  rank: (p) => (p === 'QUEUED' ? 0 : p === 'RUNNING' ? 1 : 2),
  swappableRank: 2,
  tieBreak: (p) => OUTCOME_TIE_BREAK.indexOf(p.slice('FINISHED:'.length)),
};

/** The state after `event` (null: first sight), with the same rules as deployments. */
export function applyPipelineRunEvent(
  current: PipelineRunState | null,
  event: PipelineRunEvent,
  occurredAt: Date,
): PipelineRunState {
  const finished = event.status === 'FINISHED';
  const impliedFinish = event.finishedAt ?? (finished ? occurredAt : null);
  const outcome = finished ? (event.outcome ?? null) : null;
  const suites = (event.tests?.suites ?? []).map((s) => ({
    name: s.name,
    passed: s.passed,
    failed: s.failed,
    skipped: s.skipped,
    durationSeconds: s.durationSeconds ?? null,
  }));
  if (!current) {
    return guardOrder({
      pipelineName: event.pipelineName,
      repository: event.repository ?? null,
      ref: event.ref ?? null,
      commitSha: event.commitSha ?? null,
      status: event.status,
      outcome,
      queuedAt: event.queuedAt ?? null,
      startedAt: event.startedAt ?? null,
      finishedAt: impliedFinish,
      url: event.url ?? null,
      testsPassed: event.tests?.passed ?? null,
      testsFailed: event.tests?.failed ?? null,
      testsSkipped: event.tests?.skipped ?? null,
      testSuites: suites,
      chainId: event.chainId ?? null,
      testsFromChain: false,
      statusAt: occurredAt,
      lastEventAt: occurredAt,
    });
  }
  const newer = occurredAt.getTime() > current.lastEventAt.getTime();
  const winner = precedence(
    RUN_LATTICE,
    { status: phaseOf(current.status, current.outcome), statusAt: current.statusAt },
    { status: phaseOf(event.status, outcome), occurredAt },
  );
  const swap = winner === 'INCOMING' && current.status === 'FINISHED';
  // Test results belong to the FINISHED event that decides the outcome; others only fill a gap
  // (or replace totals taken from the run's chain: totals sent with the run come first).
  const takeTests =
    event.tests !== undefined &&
    ((winner === 'INCOMING' && finished) || current.testsPassed === null || current.testsFromChain);
  return guardOrder({
    pipelineName: pick(current.pipelineName, event.pipelineName, newer) ?? current.pipelineName,
    repository: pick(current.repository, event.repository, newer),
    ref: pick(current.ref, event.ref, newer),
    commitSha: pick(current.commitSha, event.commitSha, newer),
    status: winner === 'INCOMING' ? event.status : current.status,
    outcome: winner === 'INCOMING' ? outcome : current.outcome,
    queuedAt: earliest(current.queuedAt, event.queuedAt),
    startedAt: earliest(current.startedAt, event.startedAt),
    finishedAt: mergeFinish(current, winner, swap, impliedFinish, occurredAt),
    url: pick(current.url, event.url, newer),
    testsPassed: takeTests ? event.tests.passed : current.testsPassed,
    testsFailed: takeTests ? event.tests.failed : current.testsFailed,
    testsSkipped: takeTests ? event.tests.skipped : current.testsSkipped,
    testSuites: takeTests ? suites : current.testSuites,
    chainId: pick(current.chainId, event.chainId, newer),
    testsFromChain: takeTests ? false : current.testsFromChain,
    statusAt: nextStatusAt(current, winner, occurredAt),
    lastEventAt: latest(current.lastEventAt, occurredAt),
  });
}

function guardOrder(s: PipelineRunState): PipelineRunState {
  return s.startedAt && s.finishedAt && s.startedAt > s.finishedAt ? { ...s, startedAt: null } : s;
}

export function samePipelineRunState(a: PipelineRunState, b: PipelineRunState): boolean {
  return (
    a.pipelineName === b.pipelineName &&
    a.repository === b.repository &&
    a.ref === b.ref &&
    a.commitSha === b.commitSha &&
    a.status === b.status &&
    a.outcome === b.outcome &&
    sameTime(a.queuedAt, b.queuedAt) &&
    sameTime(a.startedAt, b.startedAt) &&
    sameTime(a.finishedAt, b.finishedAt) &&
    a.url === b.url &&
    a.testsPassed === b.testsPassed &&
    a.testsFailed === b.testsFailed &&
    a.testsSkipped === b.testsSkipped &&
    JSON.stringify(a.testSuites) === JSON.stringify(b.testSuites) &&
    a.chainId === b.chainId &&
    a.testsFromChain === b.testsFromChain &&
    sameTime(a.statusAt, b.statusAt) &&
    sameTime(a.lastEventAt, b.lastEventAt)
  );
}
