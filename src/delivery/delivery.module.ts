import { Module } from '@nestjs/common';
import { GateModule } from '../gate/gate.module.js';
import { DeliveryLoaders } from './delivery.loaders.js';
import { DeliveryRepository } from './delivery.repository.js';
import { DeliveryResolver } from './delivery.resolver.js';
import { DeliveryService } from './delivery.service.js';
import { DeploymentResolver } from './deployment.resolver.js';
import { IncidentCauseResolver, IncidentResolver } from './incident.resolver.js';

/** The delivery domain's read side: services, deployments, pipeline runs, incidents. */
@Module({
  imports: [GateModule],
  providers: [
    DeliveryRepository,
    DeliveryService,
    DeliveryLoaders,
    DeliveryResolver,
    DeploymentResolver,
    IncidentResolver,
    IncidentCauseResolver,
  ],
  exports: [DeliveryService, DeliveryLoaders],
})
export class DeliveryModule {}
