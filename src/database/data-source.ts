import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/config.schema.js';
import { EmbeddedPostgres } from './embedded-postgres.js';
import { MIGRATIONS } from '../../migrations/index.js';
import { ENTITIES } from './entities.js';
import { QueryLogger } from './query-logger.js';

export interface OpenedDatabase {
  readonly dataSource: DataSource;
  /** The embedded server, when DATABASE_URL is unset. */
  readonly embedded?: EmbeddedPostgres;
  /** Where the data lives, for logs (never includes a password). */
  readonly description: string;
}

/** The one DataSource factory, used by the app, the migration command, tests and benchmarks. */
export async function openDatabase(
  config: Pick<AppConfig, 'databaseUrl' | 'dataDir' | 'databasePoolSize'> &
    Partial<Pick<AppConfig, 'databaseSlowQueryMs'>>,
): Promise<OpenedDatabase> {
  const embedded = config.databaseUrl ? undefined : await EmbeddedPostgres.start(config.dataDir);
  const url = config.databaseUrl ?? embedded!.url;
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    logging: ['error'],
    logger: new QueryLogger(),
    // TypeORM calls QueryLogger.logQuerySlow past this; 0 or unset: never.
    maxQueryExecutionTime: config.databaseSlowQueryMs || undefined,
    poolSize: embedded ? 1 : config.databasePoolSize,
    extra: { application_name: 'shipwatch', connectionTimeoutMillis: 10_000 },
  });
  try {
    await dataSource.initialize();
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
  const description = embedded
    ? `embedded PostgreSQL (PGlite) in ${config.dataDir}`
    : `PostgreSQL at ${redactUrl(url)}`;
  return { dataSource, embedded, description };
}

export async function closeDatabase(db: OpenedDatabase): Promise<void> {
  if (db.dataSource.isInitialized) await db.dataSource.destroy();
  await db.embedded?.stop();
}

export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
