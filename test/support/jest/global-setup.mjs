import { recreateWorkerDatabases } from './worker-database.mjs';

/**
 * Runs once per `jest` run, before any worker starts: on a real PostgreSQL, creates an empty
 * database per worker (see worker-database.mjs). TEST_DATABASE_URL (or DATABASE_URL) names the
 * server and the base name; the database it names is only used to connect.
 * @param {import('jest').Config.GlobalConfig} globalConfig
 */
export default async function globalSetup(globalConfig) {
  const baseUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (!baseUrl) return;
  process.env.SHIPWATCH_TEST_BASE_DATABASE_URL = baseUrl;
  await recreateWorkerDatabases(baseUrl, globalConfig.maxWorkers);
}
