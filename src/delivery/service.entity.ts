import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A service as its workload reports OpenTelemetry `service.name` / `service.namespace`. */
@Entity({ name: 'services' })
@Index('uq_services_name_namespace', ['name', 'namespace'], { unique: true })
export class ServiceEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  /** '' when the workload sets none. */
  @Column({ type: 'text', default: '' })
  namespace!: string;

  @Column({ type: 'text', nullable: true })
  team!: string | null;

  @Column({ type: 'text', nullable: true })
  repository!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
