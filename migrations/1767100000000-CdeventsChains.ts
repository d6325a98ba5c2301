import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * CDEvents test results and changes known by their subject (docs/integrations.md, CDEvents).
 * A pipeline run keeps its CDEvents chain (`context.chainId`); test suite and case runs are kept
 * one row per (source, level, result id) with their chain, and the runs of a chain total them
 * (`tests_from_chain`: the totals are the chain's, not ones sent with the run). A change whose
 * merge and commit come in separate events keeps both by (source, change id) until the merge can
 * be recorded.
 */
export class CdeventsChains1767100000000 implements MigrationInterface {
  name = 'CdeventsChains1767100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE pipeline_runs ADD COLUMN chain_id text`);
    await q.query(
      `ALTER TABLE pipeline_runs ADD COLUMN tests_from_chain boolean NOT NULL DEFAULT false`,
    );
    await q.query(
      `CREATE INDEX ix_pipeline_runs_chain ON pipeline_runs (chain_id) WHERE chain_id IS NOT NULL`,
    );
    await q.query(
      `CREATE TABLE test_results (
         id             bigserial PRIMARY KEY,
         source         text NOT NULL,
         level          text NOT NULL CONSTRAINT ck_test_results_level CHECK (level IN ('SUITE', 'CASE')),
         result_id      text NOT NULL,
         chain_id       text NOT NULL,
         suite_run_id   text,
         name           text,
         outcome        text CONSTRAINT ck_test_results_outcome
                          CHECK (outcome IN ('PASSED', 'FAILED', 'SKIPPED')),
         outcome_at     timestamptz,
         last_event_at  timestamptz NOT NULL,
         created_at     timestamptz NOT NULL DEFAULT now(),
         updated_at     timestamptz NOT NULL DEFAULT now(),
         CONSTRAINT uq_test_results_natural UNIQUE (source, level, result_id)
       )`,
    );
    await q.query(`CREATE INDEX ix_test_results_chain ON test_results (chain_id)`);
    await q.query(
      `CREATE TABLE change_subjects (
         id             bigserial PRIMARY KEY,
         source         text NOT NULL,
         change_id      text NOT NULL,
         repository     text NOT NULL,
         commit_sha     text,
         commit_at      timestamptz,
         merged_at      timestamptz,
         last_event_at  timestamptz NOT NULL,
         created_at     timestamptz NOT NULL DEFAULT now(),
         updated_at     timestamptz NOT NULL DEFAULT now(),
         CONSTRAINT uq_change_subjects_natural UNIQUE (source, change_id)
       )`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE change_subjects`);
    await q.query(`DROP TABLE test_results`);
    await q.query(`DROP INDEX ix_pipeline_runs_chain`);
    await q.query(`ALTER TABLE pipeline_runs DROP COLUMN tests_from_chain`);
    await q.query(`ALTER TABLE pipeline_runs DROP COLUMN chain_id`);
  }
}
