import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reporting roles (Grafana's read-only user gets SELECT on every table by default privileges)
 * must not read tables that hold secrets: token hashes, rollback-target credentials in policies,
 * and outbox payloads. `shipwatch_protect_secret_tables()` revokes every other role's access to
 * them; migrations that add such a table call it again.
 */
export class ProtectSecretTables1765000000000 implements MigrationInterface {
  name = 'ProtectSecretTables1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION shipwatch_protect_secret_tables() RETURNS integer LANGUAGE plpgsql AS $fn$
      DECLARE
        g record;
        revoked integer := 0;
      BEGIN
        FOR g IN
          SELECT DISTINCT rg.grantee, rg.table_name
          FROM information_schema.role_table_grants rg
          JOIN pg_tables pt ON pt.schemaname = rg.table_schema AND pt.tablename = rg.table_name
          WHERE rg.table_schema = current_schema()
            AND rg.table_name IN ('api_tokens', 'remediation_outbox', 'verification_policies')
            AND rg.grantee NOT IN (current_user, pt.tableowner, 'PUBLIC')
        LOOP
          EXECUTE format('REVOKE ALL ON %I FROM %I', g.table_name, g.grantee);
          revoked := revoked + 1;
        END LOOP;
        RETURN revoked;
      END
      $fn$`);
    await q.query(`SELECT shipwatch_protect_secret_tables()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION shipwatch_protect_secret_tables()`);
  }
}
