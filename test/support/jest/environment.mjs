import asyncHooks from 'node:async_hooks';
import { TestEnvironment } from 'jest-environment-node';
import { lendEmbedded } from './embedded-pool.mjs';
import { ensureWorkerDatabase, workerDatabaseUrl } from './worker-database.mjs';

/**
 * The Node test environment, pointed at this worker's own database. It sets the worker
 * process's real environment (not only the test's sandboxed copy) before any sandbox is made, so
 * child processes that a test spawns without an explicit `env` see the same database. The
 * worker's embedded databases are lent to its test apps that ask for one (embedded-pool.mjs).
 */
const baseUrl =
  process.env.SHIPWATCH_TEST_BASE_DATABASE_URL ||
  process.env.TEST_DATABASE_URL ||
  process.env.DATABASE_URL;
const workerId = process.env.JEST_WORKER_ID || '1';
if (baseUrl) {
  process.env.SHIPWATCH_TEST_BASE_DATABASE_URL = baseUrl;
  process.env.TEST_DATABASE_URL = workerDatabaseUrl(baseUrl, workerId);
}

/** The global through which test/support/test-app.ts borrows a database. */
const LEND_EMBEDDED = '__shipwatchLendEmbedded';

/**
 * The AsyncLocalStorage instances made while a file runs, disabled when it ends. jest-circus
 * makes one in each file's own copy of its modules (the current test) and never disables it;
 * Node keeps every enabled one in a list that each new promise walks, so a worker that had run
 * 70 files copied 70 stores onto every promise (about 3 % of the embedded run's CPU time).
 */
let fileStorages = new Set();
class FileAsyncLocalStorage extends asyncHooks.AsyncLocalStorage {
  constructor(...args) {
    super(...args);
    fileStorages.add(this);
  }
}
asyncHooks.AsyncLocalStorage = FileAsyncLocalStorage;

export default class ShipwatchTestEnvironment extends TestEnvironment {
  async setup() {
    fileStorages = new Set();
    if (baseUrl) await ensureWorkerDatabase(baseUrl, workerId);
    await super.setup();
    this.global[LEND_EMBEDDED] = lendEmbedded;
  }

  async teardown() {
    for (const storage of fileStorages) storage.disable();
    await super.teardown();
  }
}
