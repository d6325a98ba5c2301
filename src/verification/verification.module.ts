import { type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { RemediationModule } from '../remediation/remediation.module.js';
import { RawBodyMiddleware } from '../webhooks/raw-body.middleware.js';
import { BacktestService } from './backtest.service.js';
import { SlackInteractionsController } from './decisions/slack-interactions.controller.js';
import { VerificationDecisionsRepository } from './decisions/verification-decisions.repository.js';
import { VerificationDecisionsResolver } from './decisions/verification-decisions.resolver.js';
import { VerificationDecisionsService } from './decisions/verification-decisions.service.js';
import { LateWatchRepository } from './late-watch/late-watch.repository.js';
import { LateWatchResolver } from './late-watch/late-watch.resolver.js';
import { LateWatchService } from './late-watch/late-watch.service.js';
import { prometheusClientProvider } from './prometheus.provider.js';
import { ReleaseVerificationResolver } from './release-verification.resolver.js';
import { VerdictService } from './verdict.service.js';
import { VerificationRepository } from './verification.repository.js';
import { VerificationScheduler } from './verification.scheduler.js';
import { VerificationService } from './verification.service.js';
import { VerificationStarter } from './verification-starter.service.js';
import { FreezeWindowsRepository } from '../gate/freezes/freeze-windows.repository.js';
import { PolicyFilesResolver } from './policy-files/policy-files.resolver.js';
import { PolicyFilesService } from './policy-files/policy-files.service.js';
import { VerificationPolicyResolver } from './verification-policy.resolver.js';
import { VerificationPolicyService } from './verification-policy.service.js';
import { VerificationReadService } from './verification-read.service.js';
import { VerificationCoverageService } from './verification-coverage.service.js';

/**
 * Release verification: policies (GraphQL, admin), the Prometheus client, the tick scheduler and
 * the verdict state machine; verdicts feed the remediation outbox and, through the ingestion
 * write path, the deployment status and incidents (DORA). Needs IngestionModule (global).
 */
@Module({
  imports: [RemediationModule],
  controllers: [SlackInteractionsController],
  providers: [
    prometheusClientProvider,
    VerificationRepository,
    VerificationPolicyService,
    VerificationService,
    VerificationStarter,
    VerdictService,
    VerificationReadService,
    VerificationCoverageService,
    BacktestService,
    VerificationScheduler,
    VerificationPolicyResolver,
    PolicyFilesService,
    PolicyFilesResolver,
    // Stateless (the DataSource only): policy apply writes freeze windows from files.
    FreezeWindowsRepository,
    ReleaseVerificationResolver,
    VerificationDecisionsRepository,
    VerificationDecisionsService,
    VerificationDecisionsResolver,
    LateWatchRepository,
    LateWatchService,
    LateWatchResolver,
  ],
  exports: [
    VerificationService,
    LateWatchService,
    VerificationPolicyService,
    VerificationDecisionsService,
    prometheusClientProvider,
  ],
})
export class VerificationModule implements NestModule {
  /** Slack posts its interactions form-encoded: read as bytes, for the signature (raw body). */
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(RawBodyMiddleware)
      .forRoutes({ path: 'webhooks/slack/interactions', method: RequestMethod.POST });
  }
}
