import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { testDatabaseUrl } from './test-app.js';

/**
 * A fresh, empty database on the PostgreSQL server under test, for tests that must watch
 * migrations run from nothing. Only meaningful when tests run against a real server.
 */
export async function createScratchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const serverUrl = testDatabaseUrl();
  if (!serverUrl) throw new Error('createScratchDatabase needs TEST_DATABASE_URL or DATABASE_URL');
  const name = `sw_scratch_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
