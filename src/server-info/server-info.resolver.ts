import { Inject } from '@nestjs/common';
import { Query, Resolver } from '@nestjs/graphql';
import { Public } from '../auth/auth.decorators.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.schema.js';
import { ServerInfo } from './models/server-info.model.js';

@Resolver(() => ServerInfo)
export class ServerInfoResolver {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Public()
  @Query(() => ServerInfo, {
    description: 'The running version and database kind (no token needed)',
  })
  serverInfo(): ServerInfo {
    return { version: this.config.version, database: this.config.databaseKind };
  }
}
