import { RawEventEntity } from '../ingestion/raw-event.entity.js';
import { ChangeEntity } from './change.entity.js';
import { DeploymentChangeEntity } from './deployment-change.entity.js';
import { DeploymentRemediationEntity } from './deployment-remediation.entity.js';
import { DeploymentEntity } from './deployment.entity.js';
import { EnvironmentEntity } from './environment.entity.js';
import { IncidentCauseEntity } from './incident-cause.entity.js';
import { IncidentServiceEntity } from './incident-service.entity.js';
import { IncidentEntity } from './incident.entity.js';
import { PipelineRunEntity } from './pipeline-run.entity.js';
import { ServiceEntity } from './service.entity.js';

/** The delivery domain's tables (and the raw event store), for src/database/entities.ts. */
export const DELIVERY_ENTITIES = [
  ServiceEntity,
  EnvironmentEntity,
  ChangeEntity,
  PipelineRunEntity,
  DeploymentEntity,
  DeploymentChangeEntity,
  DeploymentRemediationEntity,
  IncidentEntity,
  IncidentServiceEntity,
  IncidentCauseEntity,
  RawEventEntity,
];
