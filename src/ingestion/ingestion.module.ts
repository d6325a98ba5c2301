import { Global, Module } from '@nestjs/common';
import { ChangeApplier } from './change.applier.js';
import { ChangesetRepository } from './changeset.repository.js';
import { PullRequestStartRepository } from './pull-request-start.repository.js';
import { ReleaseTagRepository } from './release-tag.repository.js';
import { ChangesetService } from './changeset.service.js';
import { InferenceRepository } from './inference/inference.repository.js';
import { InferenceService } from './inference/inference.service.js';
import { InferenceRulesResolver } from './inference/inference-rules.resolver.js';
import { InferenceRulesService } from './inference/inference-rules.service.js';
import { ServicePathsResolver } from './paths/service-paths.resolver.js';
import { ServicePathsService } from './paths/service-paths.service.js';
import { DeploymentHooks } from './deployment-hooks.js';
import { DeploymentApplier } from './deployment.applier.js';
import { EventApplier } from './event.applier.js';
import { EventWriter } from './event-writer.js';
import { IncidentApplier } from './incident.applier.js';
import { IngestionRepository } from './ingestion.repository.js';
import { IngestionResolver } from './ingestion.resolver.js';
import { IngestionService } from './ingestion.service.js';
import { PipelineRunApplier } from './pipeline-run.applier.js';
import { TestResultApplier } from './test-result.applier.js';
import { RefCache } from './ref-cache.js';

/**
 * The write path: GraphQL mutations, and `IngestionService` for the webhook adapters and the
 * CLI. Global, so that webhooks and verification inject IngestionService and DeploymentHooks
 * without importing this module.
 */
@Global()
@Module({
  providers: [
    IngestionService,
    EventWriter,
    IngestionRepository,
    EventApplier,
    ChangeApplier,
    PipelineRunApplier,
    TestResultApplier,
    DeploymentApplier,
    IncidentApplier,
    ChangesetService,
    ChangesetRepository,
    PullRequestStartRepository,
    ReleaseTagRepository,
    InferenceService,
    InferenceRepository,
    InferenceRulesService,
    InferenceRulesResolver,
    ServicePathsService,
    ServicePathsResolver,
    DeploymentHooks,
    RefCache,
    IngestionResolver,
  ],
  exports: [IngestionService, DeploymentHooks, ServicePathsService, ChangesetService, RefCache],
})
export class IngestionModule {}
