import { Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'incident_services' })
export class IncidentServiceEntity {
  @PrimaryColumn({ name: 'incident_id', type: 'bigint' })
  incidentId!: string;

  @PrimaryColumn({ name: 'service_id', type: 'bigint' })
  serviceId!: string;
}
