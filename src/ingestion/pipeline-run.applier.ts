import { Injectable } from '@nestjs/common';
import { occurredAt, type Applied, type ApplyContext, type Indexed } from './apply-context.js';
import type { PipelineRunEvent, RunOutcome, RunStatus } from './domain-events.js';
import { applyKeyed, type KeyedStateSpec } from './keyed-state.js';
import {
  applyPipelineRunEvent,
  samePipelineRunState,
  type PipelineRunState,
  type TestSuiteState,
} from './pipeline-run.state.js';
import { keyOf, type KeyedTable, type Row, rowDate, rowText } from './recordset.js';

export const PIPELINE_RUNS_TABLE: KeyedTable = {
  table: 'pipeline_runs',
  key: [
    ['source', 'text'],
    ['run_id', 'text'],
    ['attempt', 'integer'],
  ],
  columns: [
    ['source', 'text'],
    ['run_id', 'text'],
    ['attempt', 'integer'],
    ['pipeline_name', 'text'],
    ['repository', 'text'],
    ['ref', 'text'],
    ['commit_sha', 'text'],
    ['status', 'text'],
    ['outcome', 'text'],
    ['queued_at', 'timestamptz'],
    ['started_at', 'timestamptz'],
    ['finished_at', 'timestamptz'],
    ['url', 'text'],
    ['tests_passed', 'integer'],
    ['tests_failed', 'integer'],
    ['tests_skipped', 'integer'],
    ['test_suites', 'jsonb'],
    ['chain_id', 'text'],
    ['tests_from_chain', 'boolean'],
    ['status_at', 'timestamptz'],
    ['last_event_at', 'timestamptz'],
  ],
};

const int = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

const SPEC: KeyedStateSpec<PipelineRunState, { event: PipelineRunEvent; at: Date }> = {
  table: PIPELINE_RUNS_TABLE,
  fromRow: (r) => ({
    pipelineName: r.pipeline_name as string,
    repository: rowText(r.repository),
    ref: rowText(r.ref),
    commitSha: rowText(r.commit_sha),
    status: r.status as RunStatus,
    outcome: rowText(r.outcome) as RunOutcome | null,
    queuedAt: rowDate(r.queued_at),
    startedAt: rowDate(r.started_at),
    finishedAt: rowDate(r.finished_at),
    url: rowText(r.url),
    testsPassed: int(r.tests_passed),
    testsFailed: int(r.tests_failed),
    testsSkipped: int(r.tests_skipped),
    testSuites: (r.test_suites as TestSuiteState[] | null) ?? [],
    chainId: rowText(r.chain_id),
    testsFromChain: r.tests_from_chain === true,
    statusAt: rowDate(r.status_at)!,
    lastEventAt: rowDate(r.last_event_at)!,
  }),
  toRow: (key, s) => ({
    ...key,
    pipeline_name: s.pipelineName,
    repository: s.repository,
    ref: s.ref,
    commit_sha: s.commitSha,
    status: s.status,
    outcome: s.outcome,
    queued_at: s.queuedAt,
    started_at: s.startedAt,
    finished_at: s.finishedAt,
    url: s.url,
    tests_passed: s.testsPassed,
    tests_failed: s.testsFailed,
    tests_skipped: s.testsSkipped,
    test_suites: s.testSuites,
    chain_id: s.chainId,
    tests_from_chain: s.testsFromChain,
    status_at: s.statusAt,
    last_event_at: s.lastEventAt,
  }),
  merge: (current, { event, at }) => applyPipelineRunEvent(current, event, at),
  same: samePipelineRunState,
};

/** Applies pipeline run events: one state machine per (source, run id, attempt). */
@Injectable()
export class PipelineRunApplier {
  async apply(ctx: ApplyContext, items: readonly Indexed<PipelineRunEvent>[]): Promise<Applied> {
    const applied: Applied = { entityIds: new Map(), transitions: [] };
    if (items.length === 0) return applied;
    const key = (e: PipelineRunEvent): Row => ({
      source: e.envelope.source,
      run_id: e.runId,
      attempt: e.attempt ?? 1,
    });
    const results = await applyKeyed(
      ctx.manager,
      SPEC,
      items.map((i) => ({
        key: key(i.event),
        event: { event: i.event, at: occurredAt(ctx, i.event) },
      })),
    );
    for (const i of items)
      applied.entityIds.set(i.index, results.get(keyOf(PIPELINE_RUNS_TABLE, key(i.event)))!.id);
    return applied;
  }
}
