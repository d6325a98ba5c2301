import { dropWorkerDatabases } from './worker-database.mjs';

/**
 * Drops the per-worker databases made by global-setup.mjs.
 * @param {import('jest').Config.GlobalConfig} globalConfig
 */
export default async function globalTeardown(globalConfig) {
  const baseUrl = process.env.SHIPWATCH_TEST_BASE_DATABASE_URL;
  if (!baseUrl) return;
  await dropWorkerDatabases(baseUrl, globalConfig.maxWorkers);
}
