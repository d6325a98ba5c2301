import { Entity, PrimaryColumn } from 'typeorm';

/** A deployment or incident that a (hotfix, rollback, revert) deployment remediates, by natural key. */
@Entity({ name: 'deployment_remediations' })
export class DeploymentRemediationEntity {
  @PrimaryColumn({ name: 'deployment_id', type: 'bigint' })
  deploymentId!: string;

  @PrimaryColumn({ name: 'target_kind', type: 'text' })
  targetKind!: 'DEPLOYMENT' | 'INCIDENT';

  @PrimaryColumn({ name: 'target_source', type: 'text' })
  targetSource!: string;

  @PrimaryColumn({ name: 'target_external_id', type: 'text' })
  targetExternalId!: string;
}
