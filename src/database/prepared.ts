import type { PoolClient } from 'pg';
import { QueryFailedError, type EntityManager } from 'typeorm';

/**
 * A statement that PostgreSQL parses and plans once per connection, then only binds and runs.
 * The write path of ingestion sends a handful of the same long statements (CTEs over
 * `jsonb_to_recordset`) for every event; planning them again each time cost the database more
 * than running them (`npm run bench -- ingest`: single-event mutations, docs/ingestion.md).
 *
 * Only for SQL whose text is a constant of the code: each distinct text becomes a statement kept
 * by every connection for its whole life, so text built from input would grow without bound. The
 * names are capped as a guard; past the cap a text runs unprepared.
 */
const MAX_STATEMENTS = 256;
const names = new Map<string, string>();

function nameOf(text: string): string | undefined {
  const known = names.get(text);
  if (known !== undefined || names.size >= MAX_STATEMENTS) return known;
  const name = `sw_${names.size}`;
  names.set(text, name);
  return name;
}

/**
 * `m.query(text, params)` as a prepared statement, inside the transaction of `m`; errors, and
 * their logging, are TypeORM's as for `m.query`.
 */
export async function preparedQuery<T>(
  m: EntityManager,
  text: string,
  params: readonly unknown[],
): Promise<T[]> {
  const runner = m.queryRunner;
  const name = nameOf(text);
  if (!runner || name === undefined) return m.query<T[]>(text, [...params]);
  const client = (await runner.connect()) as PoolClient;
  try {
    // pg keeps which names each connection has prepared: the text is sent once per connection.
    return (await client.query({ name, text, values: [...params] })).rows as T[];
  } catch (error) {
    m.connection.logger.logQueryError(error as Error, text, [...params], runner);
    throw new QueryFailedError(text, [...params], error as Error);
  }
}
