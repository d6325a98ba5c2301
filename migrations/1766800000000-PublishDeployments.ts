import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Published deployments (PUBLISH_DEPLOYMENTS_TO: a PagerDuty change event, a Grafana annotation,
 * a Slack message) go through the remediation outbox as a third kind of entry, PUBLISH.
 */
export class PublishDeployments1766800000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE remediation_outbox DROP CONSTRAINT ck_remediation_outbox_kind,
         ADD CONSTRAINT ck_remediation_outbox_kind CHECK (kind IN ('ROLLBACK','ALERT','PUBLISH'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // Published deployments, delivered or not, are forgotten: the older schema cannot hold them.
    await q.query(`DELETE FROM remediation_outbox WHERE kind = 'PUBLISH'`);
    await q.query(
      `ALTER TABLE remediation_outbox DROP CONSTRAINT ck_remediation_outbox_kind,
         ADD CONSTRAINT ck_remediation_outbox_kind CHECK (kind IN ('ROLLBACK','ALERT'))`,
    );
  }
}
