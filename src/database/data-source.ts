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
  /** The embedded database lent by another part of this process (OpenOptions.lentEmbedded). */
  readonly lent?: LentEmbedded;
  /** Where the data lives, for logs (never includes a password). */
  readonly description: string;
}

export interface OpenOptions {
  /**
   * An embedded database that another part of this process runs and lends, instead of starting
   * one: the tests keep a few per Jest worker, emptied between apps as a real PostgreSQL is.
   * The app treats it as its own (one connection) and gives it back on close.
   */
  readonly lentEmbedded?: LentEmbedded;
}

/** An embedded database served at `url`, on loan until `release()`. */
export interface LentEmbedded {
  readonly url: string;
  release(): void;
}

/** The one DataSource factory, used by the app, the migration command, tests and benchmarks. */
export async function openDatabase(
  config: Pick<AppConfig, 'databaseUrl' | 'dataDir' | 'databasePoolSize'> &
    Partial<Pick<AppConfig, 'databaseSlowQueryMs'>>,
  options: OpenOptions = {},
): Promise<OpenedDatabase> {
  const lent = config.databaseUrl ? undefined : options.lentEmbedded;
  const embedded =
    config.databaseUrl || lent ? undefined : await EmbeddedPostgres.start(config.dataDir);
  const url = config.databaseUrl ?? lent?.url ?? embedded!.url;
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
    poolSize: config.databaseUrl ? config.databasePoolSize : 1,
    extra: { application_name: 'shipwatch', connectionTimeoutMillis: 10_000 },
  });
  try {
    await dataSource.initialize();
  } catch (error) {
    await embedded?.stop();
    lent?.release();
    throw config.databaseUrl ? new DatabaseUnreachableError(redactUrl(url), error) : error;
  }
  const description =
    embedded || lent
      ? `embedded PostgreSQL (PGlite) in ${config.dataDir}`
      : `PostgreSQL at ${redactUrl(url)}`;
  return { dataSource, embedded, lent, description };
}

/**
 * DATABASE_URL names a database this process cannot open (refused, unknown host, no such database,
 * authentication failed): the message names the setting, the redacted URL and PostgreSQL's or the
 * socket's own reason, so a pod's log says what to fix.
 */
export class DatabaseUnreachableError extends Error {
  constructor(redactedUrl: string, cause: unknown) {
    super(`cannot connect to the database of DATABASE_URL (${redactedUrl}): ${reasonOf(cause)}`, {
      cause,
    });
    this.name = 'DatabaseUnreachableError';
  }
}

/** Node reports a refused dual-stack host name as an AggregateError with an empty message. */
function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && !error.message) {
    return error.errors.map(reasonOf).join('; ') || 'connection failed';
  }
  return error instanceof Error ? error.message : String(error);
}

export async function closeDatabase(db: OpenedDatabase): Promise<void> {
  if (db.dataSource.isInitialized) await db.dataSource.destroy();
  await db.embedded?.stop();
  db.lent?.release();
}

export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
