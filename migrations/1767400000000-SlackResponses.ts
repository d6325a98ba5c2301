import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Slack, both ways. The message of an advised rollback is replaced with its outcome after a
 * button click, through the remediation outbox as a fifth kind of entry, SLACK_RESPONSE (POST to
 * the interaction's response_url, retried). The slash command for deploy locks keeps the
 * signature of each request it acted on for a while, so that a replay within Slack's five-minute
 * signing window is refused (older requests are refused by their timestamp already).
 */
export class SlackResponses1767400000000 implements MigrationInterface {
  name = 'SlackResponses1767400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE remediation_outbox DROP CONSTRAINT ck_remediation_outbox_kind,
         ADD CONSTRAINT ck_remediation_outbox_kind
           CHECK (kind IN ('ROLLBACK','ALERT','PUBLISH','GITHUB_PROTECTION','SLACK_RESPONSE'))`,
    );
    await q.query(
      `CREATE TABLE slack_command_requests (
         request_key text PRIMARY KEY,
         received_at timestamptz NOT NULL
       )`,
    );
    await q.query(
      `CREATE INDEX ix_slack_command_requests_received ON slack_command_requests (received_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE slack_command_requests`);
    await q.query(`DELETE FROM remediation_outbox WHERE kind = 'SLACK_RESPONSE'`);
    await q.query(
      `ALTER TABLE remediation_outbox DROP CONSTRAINT ck_remediation_outbox_kind,
         ADD CONSTRAINT ck_remediation_outbox_kind
           CHECK (kind IN ('ROLLBACK','ALERT','PUBLISH','GITHUB_PROTECTION'))`,
    );
  }
}
