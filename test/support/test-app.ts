import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { createApp } from '../../src/app.factory.js';
import { loadConfig, type AppConfig } from '../../src/config/config.schema.js';
import {
  closeDatabase,
  openDatabase,
  type LentEmbedded,
  type OpenedDatabase,
  type OpenOptions,
} from '../../src/database/data-source.js';
import { runMigrations } from '../../src/database/migrator.js';
import { migratedTemplateFile } from './pglite-template.js';

export const ADMIN_TOKEN = 'test-bootstrap-token';

/**
 * The database under test: TEST_DATABASE_URL or DATABASE_URL when set (a real PostgreSQL),
 * else an in-memory embedded PostgreSQL (see openOptions).
 */
export function testDatabaseUrl(): string | undefined {
  return process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || undefined;
}

export function testConfig(overrides: Record<string, string | undefined> = {}): AppConfig {
  return loadConfig(
    {
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: testDatabaseUrl(),
      SHIPWATCH_DATA_DIR: 'memory://',
      SHIPWATCH_BOOTSTRAP_TOKEN: ADMIN_TOKEN,
      SHIPWATCH_SCHEDULER: 'off',
      LOG_LEVEL: 'error',
      // Test files send many anonymous requests from 127.0.0.1; the tests of the limit set it low.
      SHIPWATCH_ANONYMOUS_RATE_LIMIT_RPS: '100000',
      SHIPWATCH_ANONYMOUS_RATE_LIMIT_BURST: '100000',
      ...overrides,
    },
    'test',
  );
}

export interface TestApp {
  readonly app: INestApplication;
  readonly db: OpenedDatabase;
  readonly http: App;
  /** POST /graphql with a token (the bootstrap admin token unless another is given). */
  gql(
    query: string,
    variables?: Record<string, unknown>,
    token?: string | null,
  ): Promise<GqlResponse>;
  close(): Promise<void>;
}

export interface GqlResponse {
  status: number;
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } & Record<string, unknown> }[];
}

export async function startTestApp(
  overrides: Record<string, string | undefined> = {},
): Promise<TestApp> {
  const config = testConfig(overrides);
  const { app, db } = await createApp(config, false, await openOptions(config));
  const http = app.getHttpServer() as App;
  await resetData(db);
  return {
    app,
    db,
    http,
    async gql(query, variables, token = ADMIN_TOKEN) {
      const req = request(http).post('/graphql').set('Content-Type', 'application/json');
      if (token) req.set('Authorization', `Bearer ${token}`);
      const res = await req.send({ query, variables });
      const body = res.body as Omit<GqlResponse, 'status'>;
      return { status: res.status, ...body };
    },
    close: () => app.close(),
  };
}

/**
 * An in-memory embedded database is one of the Jest worker's, started from a migrated copy
 * (test/support/pglite-template.ts), lent and emptied like a worker's PostgreSQL database
 * (test/support/jest/embedded-pool.mjs). Outside that test environment: a new, empty one.
 */
export async function openOptions(config: AppConfig): Promise<OpenOptions> {
  const inMemory = !config.databaseUrl && config.dataDir.startsWith('memory://');
  const lend = (globalThis as { __shipwatchLendEmbedded?: LendEmbedded }).__shipwatchLendEmbedded;
  return inMemory && lend ? { lentEmbedded: await lend(await migratedTemplateFile()) } : {};
}

type LendEmbedded = (templateFile: string) => Promise<LentEmbedded>;

/** A migrated database without the app, for repository-level integration tests. */
export async function openTestDatabase(): Promise<OpenedDatabase> {
  const config = testConfig();
  const db = await openDatabase(config, await openOptions(config));
  await runMigrations(db.dataSource);
  await resetData(db);
  return db;
}

export { closeDatabase };

/**
 * Empties every table but the migrations log, so each test starts from nothing, and starts every
 * identity sequence again. Only the tables holding rows are truncated: TRUNCATE gives a table and
 * each of its indexes new files, ~0.1 s of CPU for all of them on the embedded database, where most
 * tests leave most tables empty and looking costs a few milliseconds.
 */
export async function resetData(db: OpenedDatabase): Promise<void> {
  const tables: { tablename: string }[] = await db.dataSource.query(
    `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'migrations'`,
  );
  if (tables.length === 0) return;
  const holding: { name: string }[] = await db.dataSource.query(
    tables
      .map(
        ({ tablename }) =>
          `SELECT '${tablename}' AS name WHERE EXISTS (SELECT FROM "${tablename}")`,
      )
      .join(' UNION ALL '),
  );
  if (holding.length > 0) {
    await db.dataSource.query(`TRUNCATE ${holding.map((r) => `"${r.name}"`).join(', ')} CASCADE`);
  }
  // The sequences of those tables' identity columns that were read since they were last set.
  await db.dataSource.query(
    `SELECT setval(s.seqrelid, s.seqstart, false)
       FROM pg_sequence s
       JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid AND d.deptype IN ('a', 'i')
       JOIN pg_class t ON t.oid = d.refobjid
      WHERE t.relnamespace = current_schema()::regnamespace AND t.relname <> 'migrations'
        AND pg_sequence_last_value(s.seqrelid) IS NOT NULL`,
  );
}
