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
import { keyOf, type KeyedTable, type Row } from './recordset.js';

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
    ['status_at', 'timestamptz'],
    ['last_event_at', 'timestamptz'],
  ],
};

const date = (v: unknown): Date | null =>
  v === null || v === undefined ? null : new Date(v as string);
const text = (v: unknown): string | null => (v as string | null | undefined) ?? null;
const int = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

const SPEC: KeyedStateSpec<PipelineRunState, { event: PipelineRunEvent; at: Date }> = {
  table: PIPELINE_RUNS_TABLE,
  fromRow: (r) => ({
    pipelineName: r.pipeline_name as string,
    repository: text(r.repository),
    ref: text(r.ref),
    commitSha: text(r.commit_sha),
    status: r.status as RunStatus,
    outcome: text(r.outcome) as RunOutcome | null,
    queuedAt: date(r.queued_at),
    startedAt: date(r.started_at),
    finishedAt: date(r.finished_at),
    url: text(r.url),
    testsPassed: int(r.tests_passed),
    testsFailed: int(r.tests_failed),
    testsSkipped: int(r.tests_skipped),
    testSuites: (r.test_suites as TestSuiteState[] | null) ?? [],
    statusAt: date(r.status_at)!,
    lastEventAt: date(r.last_event_at)!,
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
