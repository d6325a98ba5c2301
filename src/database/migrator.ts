import { MigrationExecutor, type DataSource } from 'typeorm';

/** Any constant works; it only has to be the same for every replica. */
const MIGRATION_LOCK_KEY = 0x5348_4950; // "SHIP"

/**
 * Applies pending migrations under a session-level PostgreSQL advisory lock, so that replicas
 * booting together run them once, one after the other. The lock and the migrations share one
 * connection (the embedded database has only one).
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'each';
      const applied = await executor.executePendingMigrations();
      return applied.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}

export async function hasPendingMigrations(dataSource: DataSource): Promise<boolean> {
  const runner = dataSource.createQueryRunner();
  try {
    const executor = new MigrationExecutor(dataSource, runner);
    return (await executor.getPendingMigrations()).length > 0;
  } finally {
    await runner.release();
  }
}
