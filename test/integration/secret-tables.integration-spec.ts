import { randomBytes } from 'node:crypto';
import { closeDatabase, openTestDatabase } from '../support/test-app.js';
import type { OpenedDatabase } from '../../src/database/data-source.js';

/** Grafana's reader gets SELECT on every table by default privileges; secrets stay out of reach. */
describe('tables holding secrets', () => {
  let db: OpenedDatabase;
  const role = `sw_reader_${randomBytes(3).toString('hex')}`;
  beforeAll(async () => {
    db = await openTestDatabase();
    await db.dataSource.query(`CREATE ROLE ${role} NOLOGIN`);
  });
  afterAll(async () => {
    await db.dataSource.query(`DROP OWNED BY ${role}`);
    await db.dataSource.query(`DROP ROLE ${role}`);
    await closeDatabase(db);
  });

  it('are revoked from reporting roles, while reporting tables stay readable', async () => {
    await db.dataSource.query(
      `GRANT SELECT ON api_tokens, remediation_outbox, verification_policies, deployments TO ${role}`,
    );
    const [{ revoked }] = await db.dataSource.query<{ revoked: number }[]>(
      'SELECT shipwatch_protect_secret_tables() AS revoked',
    );
    expect(revoked).toBe(3);
    const rows = await db.dataSource.query<{ t: string; can: boolean }[]>(
      `SELECT t, has_table_privilege($1, t, 'SELECT') AS can
         FROM unnest(ARRAY['api_tokens','remediation_outbox','verification_policies','deployments']) AS t`,
      [role],
    );
    expect(Object.fromEntries(rows.map((r) => [r.t, r.can]))).toEqual({
      api_tokens: false,
      remediation_outbox: false,
      verification_policies: false,
      deployments: true,
    });
  });
});
