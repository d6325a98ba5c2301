import type { MigrationInterface, QueryRunner } from 'typeorm';

const BEFORE = `'graphql','github','gitlab','cloudevents','cli',
          'alertmanager','pagerduty','opsgenie','incident_io','grafana_oncall'`;

/** Raw events of Flux's notification-controller (/webhooks/flux) are stored under their own transport. */
export class FluxTransport1766300000000 implements MigrationInterface {
  name = 'FluxTransport1766300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE raw_events DROP CONSTRAINT ck_raw_events_transport`);
    await q.query(
      `ALTER TABLE raw_events ADD CONSTRAINT ck_raw_events_transport
         CHECK (transport IN (${BEFORE},'flux'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM raw_events WHERE transport = 'flux'`);
    await q.query(`ALTER TABLE raw_events DROP CONSTRAINT ck_raw_events_transport`);
    await q.query(
      `ALTER TABLE raw_events ADD CONSTRAINT ck_raw_events_transport CHECK (transport IN (${BEFORE}))`,
    );
  }
}
