import { type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { RawBodyMiddleware } from '../webhooks/raw-body.middleware.js';
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
import { SlackCommandRequestsRepository } from './locks/slack-command-requests.repository.js';
import { SlackLockCommandsController } from './locks/slack-lock-commands.controller.js';
import { SlackLockCommands } from './locks/slack-lock-commands.service.js';

/** The pre-deploy gate (deploymentGate, `shipwatch gate`), deploy locks (also from a Slack slash command) and freeze windows: pure rules, facts from the database and Prometheus. */
@Module({
  imports: [VerificationModule],
  controllers: [SlackLockCommandsController],
  providers: [
    GateRepository,
    GateService,
    GateResolver,
    DeployLocksRepository,
    DeployLocksService,
    DeployLocksResolver,
    SlackCommandRequestsRepository,
    SlackLockCommands,
    FreezeWindowsRepository,
    FreezeWindowsService,
    FreezeWindowsResolver,
    FrozenDeploymentsLoader,
  ],
  exports: [GateService, DeployLocksRepository, FreezeWindowsRepository, FrozenDeploymentsLoader],
})
export class GateModule implements NestModule {
  /** Slack posts its slash commands form-encoded: read as bytes, for the signature (raw body). */
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(RawBodyMiddleware)
      .forRoutes({ path: 'webhooks/slack/commands', method: RequestMethod.POST });
  }
}
