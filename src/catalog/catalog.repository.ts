import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EnvironmentTier } from '../ingestion/domain-events.js';
import { serviceIdOf } from '../ingestion/service-lookup.js';

export type Source = 'CATALOG' | 'CODEOWNERS' | 'ADMIN' | 'EVENT';

type Raw = Record<string, unknown>;

export interface OwnerRow {
  readonly team: string;
  /** null: from the beginning. */
  readonly effectiveFrom: Date | null;
  readonly source: string;
  readonly recordedAt: Date;
}

const date = (v: unknown): Date => (v instanceof Date ? v : new Date(v as string));

/** The SQL of the service catalog; every method runs in the caller's transaction. */
@Injectable()
export class CatalogRepository {
  /** Creates or updates a team; returns its display name before (undefined: it is new). */
  async upsertTeam(
    m: EntityManager,
    name: string,
    displayName: string | null,
    source: Source,
  ): Promise<string | null | undefined> {
    const [before] = await m.query<Raw[]>(
      `SELECT display_name FROM teams WHERE name = $1 FOR UPDATE`,
      [name],
    );
    await m.query(
      `INSERT INTO teams (name, display_name, source) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET display_name = coalesce(EXCLUDED.display_name, teams.display_name),
         updated_at = now()
         WHERE EXCLUDED.display_name IS DISTINCT FROM teams.display_name AND EXCLUDED.display_name IS NOT NULL`,
      [name, displayName, source],
    );
    return before ? ((before.display_name as string | null) ?? null) : undefined;
  }

  async teamExists(m: EntityManager, name: string): Promise<boolean> {
    const rows = await m.query<Raw[]>(`SELECT 1 FROM teams WHERE name = $1`, [name]);
    return rows.length > 0;
  }

  serviceId(m: EntityManager, name: string, namespace: string): Promise<string> {
    return serviceIdOf(m, name, namespace);
  }

  /** The service, created when the catalog names one no event has named yet. */
  async ensureService(
    m: EntityManager,
    name: string,
    namespace: string,
  ): Promise<{
    id: string;
    created: boolean;
    repository: string | null;
    lifecycle: string | null;
  }> {
    const inserted = await m.query<Raw[]>(
      `INSERT INTO services (name, namespace) VALUES ($1, $2)
       ON CONFLICT (name, namespace) DO NOTHING RETURNING id`,
      [name, namespace],
    );
    const [row] = await m.query<Raw[]>(
      `SELECT id, repository, lifecycle FROM services WHERE name = $1 AND namespace = $2 FOR UPDATE`,
      [name, namespace],
    );
    return {
      id: String(row.id),
      created: inserted.length > 0,
      repository: (row.repository as string | null) ?? null,
      lifecycle: (row.lifecycle as string | null) ?? null,
    };
  }

  async setCatalogFields(
    m: EntityManager,
    id: string,
    entity: string,
    lifecycle: string | null,
  ): Promise<void> {
    await m.query(
      `UPDATE services SET catalog_entity = $2, lifecycle = coalesce($3, lifecycle) WHERE id = $1`,
      [id, entity, lifecycle],
    );
  }

  async setRepository(m: EntityManager, id: string, repository: string): Promise<void> {
    await m.query(`UPDATE services SET repository = $2 WHERE id = $1`, [id, repository]);
  }

  async globs(m: EntityManager, serviceId: string, repository: string): Promise<string[]> {
    const rows = await m.query<Raw[]>(
      `SELECT glob FROM service_repository_paths WHERE service_id = $1 AND repository = $2 ORDER BY glob`,
      [serviceId, repository],
    );
    return rows.map((r) => r.glob as string);
  }

  /** Services that declare path globs (what CODEOWNERS can give an owner). */
  async servicesWithPaths(m: EntityManager): Promise<{ name: string; namespace: string }[]> {
    return m.query(
      `SELECT s.name, s.namespace FROM services s
       WHERE EXISTS (SELECT 1 FROM service_repository_paths p WHERE p.service_id = s.id)
       ORDER BY s.name, s.namespace`,
    );
  }

  /** The ownership history, oldest first. */
  owners(m: EntityManager, serviceId: string): Promise<OwnerRow[]> {
    return this.ownersOfServices(m, [serviceId]);
  }

  /** The ownership histories of several services (GraphQL `Service.owners`), oldest first. */
  async ownersOfServices(
    m: EntityManager,
    ids: readonly string[],
  ): Promise<(OwnerRow & { serviceId: string })[]> {
    const rows = await m.query<Raw[]>(
      `SELECT service_id, team, effective_from, effective_from = '-infinity' AS forever, source, recorded_at
       FROM service_owners WHERE service_id = ANY ($1::bigint[]) ORDER BY service_id, effective_from`,
      [ids],
    );
    return rows.map((r) => ({
      serviceId: String(r.service_id),
      team: r.team as string,
      effectiveFrom: r.forever ? null : date(r.effective_from),
      source: r.source as string,
      recordedAt: date(r.recorded_at),
    }));
  }

  async teams(m: EntityManager): Promise<Raw[]> {
    return m.query(`SELECT name, display_name, source FROM teams ORDER BY name`);
  }

  /** A change of owner from `from` (null: from the beginning); `services.team` follows. */
  async addOwner(
    m: EntityManager,
    serviceId: string,
    from: Date | null,
    team: string,
    source: Source,
  ): Promise<void> {
    await m.query(
      `INSERT INTO service_owners (service_id, effective_from, team, source)
       VALUES ($1, coalesce($2::timestamptz, '-infinity'), $3, $4)
       ON CONFLICT (service_id, effective_from) DO UPDATE
         SET team = EXCLUDED.team, source = EXCLUDED.source, recorded_at = now()`,
      [serviceId, from, team, source],
    );
    await m.query(`UPDATE services SET team = dora_team_at(id, now()) WHERE id = $1`, [serviceId]);
  }

  /** Sets (or creates) an environment's tier; returns the tier before (null: it is new). */
  async setEnvironmentTier(
    m: EntityManager,
    name: string,
    tier: EnvironmentTier,
  ): Promise<EnvironmentTier | null> {
    const [before] = await m.query<Raw[]>(
      `SELECT tier FROM environments WHERE name = $1 FOR UPDATE`,
      [name],
    );
    await m.query(
      `INSERT INTO environments (name, tier) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET tier = EXCLUDED.tier WHERE environments.tier <> EXCLUDED.tier`,
      [name, tier],
    );
    return before ? (before.tier as EnvironmentTier) : null;
  }
}
