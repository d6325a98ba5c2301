import { Injectable } from '@nestjs/common';
import { occurredAt, type Applied, type ApplyContext, type Indexed } from './apply-context.js';
import type { TestLevel, TestOutcome, TestResultEvent } from './domain-events.js';
import { applyKeyed, type KeyedStateSpec } from './keyed-state.js';
import { keyOf, recordset, type KeyedTable, type Row, rowDate, rowText } from './recordset.js';
import {
  applyTestResultEvent,
  chainTestTotals,
  sameTestResultState,
  type TestResultState,
} from './test-result.rule.js';

export const TEST_RESULTS_TABLE: KeyedTable = {
  table: 'test_results',
  key: [
    ['source', 'text'],
    ['level', 'text'],
    ['result_id', 'text'],
  ],
  columns: [
    ['source', 'text'],
    ['level', 'text'],
    ['result_id', 'text'],
    ['chain_id', 'text'],
    ['suite_run_id', 'text'],
    ['name', 'text'],
    ['outcome', 'text'],
    ['outcome_at', 'timestamptz'],
    ['last_event_at', 'timestamptz'],
  ],
};

const SPEC: KeyedStateSpec<TestResultState, { event: TestResultEvent; at: Date }> = {
  table: TEST_RESULTS_TABLE,
  fromRow: (r) => ({
    chainId: r.chain_id as string,
    suiteRunId: rowText(r.suite_run_id),
    name: rowText(r.name),
    outcome: rowText(r.outcome) as TestOutcome | null,
    outcomeAt: rowDate(r.outcome_at),
    lastEventAt: rowDate(r.last_event_at)!,
  }),
  toRow: (key, s) => ({
    ...key,
    chain_id: s.chainId,
    suite_run_id: s.suiteRunId,
    name: s.name,
    outcome: s.outcome,
    outcome_at: s.outcomeAt,
    last_event_at: s.lastEventAt,
  }),
  merge: (current, { event, at }) => applyTestResultEvent(current, event, at),
  same: sameTestResultState,
};

/**
 * Applies test suite and test case results (one row per (source, level, result id)), then gives
 * every pipeline run of the chains they, or the batch's pipeline runs, name the totals of its
 * chain's results (chainTestTotals), unless totals were sent with the run. Either side may come
 * first: whichever arrives second completes the run.
 */
@Injectable()
export class TestResultApplier {
  async apply(
    ctx: ApplyContext,
    items: readonly Indexed<TestResultEvent>[],
    runChains: readonly string[],
  ): Promise<Applied> {
    const applied: Applied = { entityIds: new Map(), transitions: [] };
    const chains = new Set(runChains);
    if (items.length > 0) {
      const key = (e: TestResultEvent): Row => ({
        source: e.envelope.source,
        level: e.level,
        result_id: e.resultId,
      });
      const results = await applyKeyed(
        ctx.manager,
        SPEC,
        items.map((i) => ({
          key: key(i.event),
          event: { event: i.event, at: occurredAt(ctx, i.event) },
        })),
      );
      for (const i of items) {
        const r = results.get(keyOf(TEST_RESULTS_TABLE, key(i.event)))!;
        applied.entityIds.set(i.index, r.id);
        chains.add(r.after.chainId);
        // a result that moved to another chain no longer counts in its former one
        if (r.before) chains.add(r.before.chainId);
      }
    }
    if (chains.size > 0) await this.totalChains(ctx, [...chains].sort());
    return applied;
  }

  private async totalChains(ctx: ApplyContext, chains: readonly string[]): Promise<void> {
    const rows = await ctx.manager.query<
      {
        chain_id: string;
        level: TestLevel;
        result_id: string;
        suite_run_id: string | null;
        name: string | null;
        outcome: TestOutcome | null;
      }[]
    >(
      `SELECT chain_id, level, result_id, suite_run_id, name, outcome
         FROM test_results WHERE chain_id = ANY($1::text[]) ORDER BY id`,
      [chains],
    );
    const totals = chains.flatMap((chainId) => {
      const t = chainTestTotals(
        rows
          .filter((r) => r.chain_id === chainId)
          .map((r) => ({
            level: r.level,
            resultId: r.result_id,
            suiteRunId: r.suite_run_id,
            name: r.name,
            outcome: r.outcome,
          })),
      );
      return t
        ? [
            {
              chain_id: chainId,
              passed: t.passed,
              failed: t.failed,
              skipped: t.skipped,
              suites: JSON.stringify(t.suites),
            },
          ]
        : [];
    });
    if (totals.length === 0) return;
    // Totals sent with a run (tests_from_chain false, tests_passed set) keep precedence.
    await ctx.manager.query(
      `UPDATE pipeline_runs t
          SET tests_passed = v.passed, tests_failed = v.failed, tests_skipped = v.skipped,
              test_suites = v.suites::jsonb, tests_from_chain = true, updated_at = now()
         FROM ${recordset(
           [
             ['chain_id', 'text'],
             ['passed', 'integer'],
             ['failed', 'integer'],
             ['skipped', 'integer'],
             ['suites', 'text'],
           ],
           1,
         )}
        WHERE t.chain_id = v.chain_id
          AND (t.tests_from_chain OR t.tests_passed IS NULL)
          AND (t.tests_passed IS DISTINCT FROM v.passed OR t.tests_failed IS DISTINCT FROM v.failed
               OR t.tests_skipped IS DISTINCT FROM v.skipped OR t.test_suites <> v.suites::jsonb
               OR NOT t.tests_from_chain)`,
      [JSON.stringify(totals)],
    );
  }
}
