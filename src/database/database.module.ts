import {
  Global,
  Inject,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { closeDatabase, type OpenedDatabase } from './data-source.js';

const OPENED_DATABASE = Symbol('OPENED_DATABASE');

/**
 * Provides the one DataSource. The database is opened and migrated before Nest is created
 * (see app.factory.ts), so that a failure stops the boot with a clear message.
 */
@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseModule.name);

  constructor(@Inject(OPENED_DATABASE) private readonly db: OpenedDatabase) {}

  static forRoot(db: OpenedDatabase): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: OPENED_DATABASE, useValue: db },
        { provide: DataSource, useValue: db.dataSource },
      ],
      exports: [DataSource],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await closeDatabase(this.db);
    this.logger.log(`closed ${this.db.description}`);
  }
}
