import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An incident that names the version it affects (a CDEvents `artifactId`, an alert's `version`
 * label) is caused by the latest deployment of that version of its service that had started by
 * the incident. The version is kept, so that a deployment arriving after the incident (events
 * come in any order) still becomes its cause: each deployment of a service and version looks up
 * the incidents that name them.
 */
export class IncidentVersionCauses1766700000000 implements MigrationInterface {
  name = 'IncidentVersionCauses1766700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE incident_version_causes (
         incident_id     bigint NOT NULL CONSTRAINT fk_incident_version_causes_incident
                           REFERENCES incidents (id) ON DELETE CASCADE,
         service_id      bigint NOT NULL CONSTRAINT fk_incident_version_causes_service
                           REFERENCES services (id) ON DELETE CASCADE,
         environment_id  bigint,
         version         text NOT NULL,
         at              timestamptz NOT NULL,
         CONSTRAINT pk_incident_version_causes PRIMARY KEY (incident_id, service_id, version)
       )`,
    );
    await q.query(
      `CREATE INDEX ix_incident_version_causes_version ON incident_version_causes (service_id, version)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE incident_version_causes`);
  }
}
