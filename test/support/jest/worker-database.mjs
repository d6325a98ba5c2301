// Plain JavaScript: Jest loads its globalSetup, globalTeardown and test environment outside the
// test transform, where a TypeScript file could not import this one.
import pg from 'pg';

/**
 * Jest runs test files in parallel workers. On a real PostgreSQL each worker gets a database of
 * its own, `<database of TEST_DATABASE_URL>_w<JEST_WORKER_ID>`, so that one file's TRUNCATE never
 * empties the tables another file is using. Embedded databases (PGlite) are lent by
 * embedded-pool.mjs, one app at a time.
 */

/** @param {string} baseUrl @param {string} workerId @returns {string} */
export function workerDatabaseUrl(baseUrl, workerId) {
  const url = new URL(baseUrl);
  url.pathname = `/${encodeURIComponent(workerDatabaseName(baseUrl, workerId))}`;
  return url.toString();
}

/** @param {string} baseUrl @param {string} workerId @returns {string} */
export function workerDatabaseName(baseUrl, workerId) {
  if (!/^[1-9][0-9]*$/.test(workerId)) throw new Error(`bad JEST_WORKER_ID "${workerId}"`);
  const base = decodeURIComponent(new URL(baseUrl).pathname.slice(1)) || 'postgres';
  const name = `${base}_w${workerId}`;
  // PostgreSQL truncates identifiers at 63 bytes: two long names could become one database.
  if (Buffer.byteLength(name) > 63) throw new Error(`database name ${name} is over 63 bytes`);
  return name;
}

/** @param {string} name */
const quoteIdent = (name) => `"${name.replaceAll('"', '""')}"`;

/**
 * @template T
 * @param {string} baseUrl @param {(client: pg.Client) => Promise<T>} work @returns {Promise<T>}
 */
async function onServer(baseUrl, work) {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Drops and creates each worker's database: every run starts from empty databases. */
export async function recreateWorkerDatabases(/** @type {string} */ baseUrl, workers = 1) {
  await onServer(baseUrl, async (client) => {
    for (let id = 1; id <= workers; id++) {
      const name = quoteIdent(workerDatabaseName(baseUrl, String(id)));
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.query(`CREATE DATABASE ${name}`);
    }
  });
}

/** Creates the worker's database unless it exists (a worker beyond those made at setup). */
export async function ensureWorkerDatabase(/** @type {string} */ baseUrl, workerId = '1') {
  const name = workerDatabaseName(baseUrl, workerId);
  await onServer(baseUrl, async (client) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return;
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
    } catch (error) {
      // 42P04 duplicate_database, 23505 the same race seen in the catalog: made meanwhile.
      const code = /** @type {{ code?: string }} */ (error).code;
      if (code !== '42P04' && code !== '23505') throw error;
    }
  });
}

export async function dropWorkerDatabases(/** @type {string} */ baseUrl, workers = 1) {
  await onServer(baseUrl, async (client) => {
    for (let id = 1; id <= workers; id++) {
      const name = quoteIdent(workerDatabaseName(baseUrl, String(id)));
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  });
}
