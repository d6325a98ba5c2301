/* `npm run migration:run`: apply pending migrations to the configured database and exit. */
import 'reflect-metadata';
import { ConfigError, loadConfig } from '../config/config.schema.js';
import { SHIPWATCH_VERSION } from '../config/version.js';
import { closeDatabase, DatabaseUnreachableError, openDatabase } from './data-source.js';
import { runMigrations } from './migrator.js';

async function main(): Promise<void> {
  const config = loadConfig(process.env, SHIPWATCH_VERSION);
  const db = await openDatabase(config);
  try {
    const applied = await runMigrations(db.dataSource);
    console.log(
      applied.length === 0
        ? `${db.description}: schema is up to date`
        : `${db.description}: applied ${applied.join(', ')}`,
    );
  } finally {
    await closeDatabase(db);
  }
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigError || error instanceof DatabaseUnreachableError
      ? `shipwatch: ${error.message}`
      : error,
  );
  process.exit(1);
});
