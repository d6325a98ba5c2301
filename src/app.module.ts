import { type DynamicModule, Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { ScheduleModule } from '@nestjs/schedule';
import { AuthModule } from './auth/auth.module.js';
import { CatalogModule } from './catalog/catalog.module.js';
import { CliDistributionModule } from './cli/distribution/cli-distribution.module.js';
import { graphqlOptions } from './common/graphql/graphql.options.js';
import { ConfigModule } from './config/config.module.js';
import type { AppConfig } from './config/config.schema.js';
import type { OpenedDatabase } from './database/data-source.js';
import { DatabaseModule } from './database/database.module.js';
import { DeliveryModule } from './delivery/delivery.module.js';
import { DoraModule } from './dora/dora.module.js';
import { GateModule } from './gate/gate.module.js';
import { IngestionModule } from './ingestion/ingestion.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { RemediationModule } from './remediation/remediation.module.js';
import { TriageModule } from './triage/triage.module.js';
import { ServerInfoResolver } from './server-info/server-info.resolver.js';
import { VerificationModule } from './verification/verification.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';

/** Feature modules; each is a folder under src/ and can be removed with its line here. */
const FEATURES = [
  ObservabilityModule,
  AuthModule,
  RemediationModule,
  IngestionModule,
  DeliveryModule,
  WebhooksModule,
  VerificationModule,
  DoraModule,
  TriageModule,
  CatalogModule,
  GateModule,
  CliDistributionModule,
];

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, db: OpenedDatabase): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot(db),
        GraphQLModule.forRoot(graphqlOptions(config)),
        ...(config.schedulerEnabled ? [ScheduleModule.forRoot()] : []),
        ...FEATURES,
      ],
      providers: [ServerInfoResolver],
    };
  }
}
