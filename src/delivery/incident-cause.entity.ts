import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A deployment (by natural key) that caused an incident, and how that is known. */
@Entity({ name: 'incident_causes' })
export class IncidentCauseEntity {
  @PrimaryColumn({ name: 'incident_id', type: 'bigint' })
  incidentId!: string;

  @PrimaryColumn({ name: 'deployment_source', type: 'text' })
  deploymentSource!: string;

  @PrimaryColumn({ name: 'deployment_external_id', type: 'text' })
  deploymentExternalId!: string;

  @Column({ type: 'text', default: 'EXPLICIT' })
  attribution!: 'EXPLICIT' | 'INFERRED' | 'CONFIRMED';
}
