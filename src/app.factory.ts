import { type INestApplication, Logger, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Server } from 'node:http';
import { AppModule } from './app.module.js';
import { anonymousGraphqlBody, anonymousGraphqlGate } from './auth/anonymous-graphql.gate.js';
import { RateLimitMiddleware } from './auth/rate-limit.middleware.js';
import { HttpExceptionFilter } from './common/errors/http-exception.filter.js';
import { closeUnreadRefusals } from './common/http/close-unread-refusals.middleware.js';
import type { AppConfig } from './config/config.schema.js';
import {
  closeDatabase,
  openDatabase,
  type OpenedDatabase,
  type OpenOptions,
} from './database/data-source.js';
import { runMigrations } from './database/migrator.js';
import { httpMetricsMiddleware } from './observability/http-metrics.middleware.js';
import { JsonLogger } from './observability/json-logger.js';

export interface CreatedApp {
  readonly app: INestApplication;
  readonly db: OpenedDatabase;
}

/**
 * Opens the database, applies migrations under the advisory lock, and builds the Nest app.
 * Used by main.ts, the tests and the benchmarks, so that all of them run the same wiring.
 */
export async function createApp(
  config: AppConfig,
  logger: LoggerService | false = new JsonLogger(config.logLevel),
  options: OpenOptions = {},
): Promise<CreatedApp> {
  Logger.overrideLogger(logger);
  const log = new Logger('Bootstrap');
  const db = await openDatabase(config, options);
  try {
    const applied = await runMigrations(db.dataSource);
    if (applied.length > 0) log.log(`applied migrations: ${applied.join(', ')}`);
    const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, db), {
      logger: logger === false ? false : logger,
      bodyParser: false,
      // Raw bodies are kept (req.rawBody) for webhook signature checks over the exact bytes.
      rawBody: true,
    });
    app.use(httpMetricsMiddleware);
    app.use(closeUnreadRefusals);
    app.disable('x-powered-by');
    app.set('trust proxy', config.trustProxy);
    limitServer(app.getHttpServer(), config);
    // Who is calling and whether they may, before any body is read (src/auth).
    app.use(app.get(RateLimitMiddleware).use);
    app.use('/graphql', anonymousGraphqlBody);
    app.useBodyParser('json', {
      limit: config.bodyLimitBytes,
      type: ['application/json', 'application/*+json'],
    });
    app.useBodyParser('text', { limit: config.bodyLimitBytes, type: 'text/*' });
    app.use('/graphql', anonymousGraphqlGate);
    app.useGlobalFilters(new HttpExceptionFilter());
    await app.init();
    return { app, db };
  } catch (error) {
    await closeDatabase(db);
    throw error;
  }
}

/** Bounds on connections and slow clients (SHIPWATCH_MAX_CONNECTIONS, *_TIMEOUT_MS). */
function limitServer(server: Server, config: AppConfig): void {
  server.maxConnections = config.maxConnections;
  server.headersTimeout = config.headersTimeoutMs;
  server.requestTimeout = config.requestTimeoutMs;
}
