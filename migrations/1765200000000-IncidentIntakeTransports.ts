import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Raw events from the incident intake endpoints (Alertmanager, PagerDuty, Opsgenie, incident.io,
 * Grafana OnCall) are stored under their own transport.
 */
export class IncidentIntakeTransports1765200000000 implements MigrationInterface {
  name = 'IncidentIntakeTransports1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE raw_events DROP CONSTRAINT ck_raw_events_transport`);
    await q.query(
      `ALTER TABLE raw_events ADD CONSTRAINT ck_raw_events_transport CHECK (transport IN
         ('graphql','github','gitlab','cloudevents','cli',
          'alertmanager','pagerduty','opsgenie','incident_io','grafana_oncall'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DELETE FROM raw_events WHERE transport IN
         ('alertmanager','pagerduty','opsgenie','incident_io','grafana_oncall')`,
    );
    await q.query(`ALTER TABLE raw_events DROP CONSTRAINT ck_raw_events_transport`);
    await q.query(
      `ALTER TABLE raw_events ADD CONSTRAINT ck_raw_events_transport
         CHECK (transport IN ('graphql','github','gitlab','cloudevents','cli'))`,
    );
  }
}
