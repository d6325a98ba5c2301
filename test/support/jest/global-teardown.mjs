import { stopLentEmbedded } from './embedded-pool.mjs';
import { dropWorkerDatabases } from './worker-database.mjs';

/**
 * Drops the per-worker databases made by global-setup.mjs, and stops the embedded ones that
 * tests borrowed if they ran in this process (`--runInBand`).
 * @param {import('jest').Config.GlobalConfig} globalConfig
 */
export default async function globalTeardown(globalConfig) {
  await stopLentEmbedded();
  const baseUrl = process.env.SHIPWATCH_TEST_BASE_DATABASE_URL;
  if (!baseUrl) return;
  await dropWorkerDatabases(baseUrl, globalConfig.maxWorkers);
}
