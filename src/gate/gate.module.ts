import { Module } from '@nestjs/common';
import { VerificationModule } from '../verification/verification.module.js';
import { FreezeWindowsRepository } from './freezes/freeze-windows.repository.js';
import { FreezeWindowsResolver } from './freezes/freeze-windows.resolver.js';
import { FreezeWindowsService } from './freezes/freeze-windows.service.js';
import { FrozenDeploymentsLoader } from './freezes/frozen-deployments.loader.js';
import { GateRepository } from './gate.repository.js';
import { GateResolver } from './gate.resolver.js';
import { GateService } from './gate.service.js';
import { DeployLocksRepository } from './locks/deploy-locks.repository.js';
import { DeployLocksResolver } from './locks/deploy-locks.resolver.js';
import { DeployLocksService } from './locks/deploy-locks.service.js';

/** The pre-deploy gate (deploymentGate, `shipwatch gate`), deploy locks and freeze windows: pure rules, facts from the database and Prometheus. */
@Module({
  imports: [VerificationModule],
  providers: [
    GateRepository,
    GateService,
    GateResolver,
    DeployLocksRepository,
    DeployLocksService,
    DeployLocksResolver,
    FreezeWindowsRepository,
    FreezeWindowsService,
    FreezeWindowsResolver,
    FrozenDeploymentsLoader,
  ],
  exports: [GateService, DeployLocksRepository, FreezeWindowsRepository, FrozenDeploymentsLoader],
})
export class GateModule {}
