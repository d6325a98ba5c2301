import { type DynamicModule, Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { ScheduleModule } from '@nestjs/schedule';
import { AuthModule } from './auth/auth.module.js';
import { graphqlOptions } from './common/graphql/graphql.options.js';
import { ConfigModule } from './config/config.module.js';
import type { AppConfig } from './config/config.schema.js';
import type { OpenedDatabase } from './database/data-source.js';
import { DatabaseModule } from './database/database.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { ServerInfoResolver } from './server-info/server-info.resolver.js';

/** Feature modules; each is a folder under src/ and can be removed with its line here. */
const FEATURES = [ObservabilityModule, AuthModule];

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, db: OpenedDatabase): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot(db),
        GraphQLModule.forRoot(graphqlOptions()),
        ...(config.schedulerEnabled ? [ScheduleModule.forRoot()] : []),
        ...FEATURES,
      ],
      providers: [ServerInfoResolver],
    };
  }
}
