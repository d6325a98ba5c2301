import { Logger as NestLogger } from '@nestjs/common';
import type { Logger } from 'typeorm';

/** SQLSTATEs that the code retries or answers itself: expected under concurrency. */
const HANDLED = new Set([
  '40001', // serialization failure: retried
  '40P01', // deadlock: retried
  '23503', // foreign key: ingestion's reference cache is cleared and the write retried
]);
const MAX_SQL = 300;

/**
 * TypeORM's logging, through Nest's logger. A failed query is logged with its SQLSTATE and the
 * start of its SQL, never its parameters (they carry event payloads); errors the code retries
 * are debug-level, since a thousand-event write that meets a deadlock is not an incident. Errors
 * nobody handles are logged again, with their stack, where they reach the client.
 */
export class QueryLogger implements Logger {
  private readonly logger = new NestLogger('Database');

  logQuery(): void {}

  logQueryError(error: string | Error, query: string, _parameters?: unknown): void {
    const code = (error as { code?: unknown }).code;
    const message = `query failed${typeof code === 'string' ? ` (${code})` : ''}: ${
      error instanceof Error ? error.message : error
    } -- ${query.replace(/\s+/g, ' ').slice(0, MAX_SQL)}`;
    if (typeof code === 'string' && HANDLED.has(code)) this.logger.debug(message);
    else this.logger.warn(message);
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn(`slow query (${time} ms): ${query.replace(/\s+/g, ' ').slice(0, MAX_SQL)}`);
  }

  logSchemaBuild(message: string): void {
    this.logger.debug(message);
  }

  logMigration(message: string): void {
    this.logger.debug(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
    else this.logger.debug(String(message));
  }
}
