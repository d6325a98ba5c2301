import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { DeploymentKind, DeploymentStatus, EnvironmentTier } from './domain-events.js';
import type { ChangeFacts, Changeset } from './changeset.calculator.js';

export interface ChangesetDeployment {
  readonly id: string;
  readonly source: string;
  readonly externalId: string;
  readonly serviceId: string;
  readonly environmentId: string;
  readonly tier: EnvironmentTier;
  readonly status: DeploymentStatus;
  readonly kind: DeploymentKind;
  readonly version: string | null;
  readonly commitSha: string | null;
  readonly commitShas: readonly string[];
  /** The deployment's, else its service's, else ''. */
  readonly repository: string;
  /** finished_at, else the last event time (a ROLLED_BACK report without a finish). */
  readonly finishedAt: Date;
}

export interface Predecessor {
  readonly id: string;
  readonly commitSha: string | null;
  readonly version: string | null;
}

/** The commits from a deployment back to its predecessor, or where the walk broke. */
export type ChainWalk =
  | { readonly found: true; readonly changes: Omit<ChangeFacts, 'alreadyDeployed'>[] }
  | { readonly found: false; readonly missingSha: string | null };

/** Deployment order for changesets: finish time, then natural key (never arrival order). */
const ORDER = `COALESCE(d.finished_at, d.last_event_at), d.source, d.external_id`;
const ORDER_DESC = `COALESCE(d.finished_at, d.last_event_at) DESC, d.source DESC, d.external_id DESC`;
const REACHED_USERS = `d.status IN ('SUCCEEDED', 'ROLLED_BACK')`;
/** Advisory lock class of changeset computation (second key: the service id). */
const CHANGESET_LOCK = 0x4348_4753; // "CHGS"
/** How far a commit chain is followed from a deployment back to its predecessor. */
export const MAX_CHAIN_DEPTH = 1_000;

type Raw = Record<string, unknown>;
const toDeployment = (r: Raw): ChangesetDeployment => ({
  id: String(r.id),
  source: r.source as string,
  externalId: r.external_id as string,
  serviceId: String(r.service_id),
  environmentId: String(r.environment_id),
  tier: r.tier as EnvironmentTier,
  status: r.status as DeploymentStatus,
  kind: r.kind as DeploymentKind,
  version: (r.version as string | null) ?? null,
  commitSha: (r.commit_sha as string | null) ?? null,
  commitShas: (r.commit_shas as string[] | null) ?? [],
  repository: r.repository as string,
  finishedAt: new Date(r.finished_at as string),
});

const SELECT_DEPLOYMENT = `
  SELECT d.id, d.source, d.external_id, d.service_id, d.environment_id, e.tier, d.status, d.kind,
         d.version, d.commit_sha, d.commit_shas, COALESCE(d.repository, s.repository, '') AS repository,
         COALESCE(d.finished_at, d.last_event_at) AS finished_at
  FROM deployments d JOIN services s ON s.id = d.service_id JOIN environments e ON e.id = d.environment_id`;

/** The SQL behind changesets; every method runs inside the ingestion transaction. */
@Injectable()
export class ChangesetRepository {
  /**
   * Serialises changeset work per service across transactions (held until commit), taking the
   * services in id order in one statement. Ingestion takes these locks before it writes any
   * change row, so that a transaction holding one never waits for another that needs it.
   */
  async lockServices(m: EntityManager, serviceIds: readonly string[]): Promise<void> {
    if (serviceIds.length === 0) return;
    await m.query(
      `SELECT pg_advisory_xact_lock($1, (s.id % 2147483647)::int)
       FROM (SELECT DISTINCT unnest($2::bigint[]) AS id ORDER BY 1) s`,
      [CHANGESET_LOCK, serviceIds],
    );
  }

  async deployments(m: EntityManager, ids: readonly string[]): Promise<ChangesetDeployment[]> {
    if (ids.length === 0) return [];
    const rows = await m.query<Raw[]>(`${SELECT_DEPLOYMENT} WHERE d.id = ANY($1::bigint[])`, [ids]);
    return rows.map(toDeployment);
  }

  /**
   * The successful production deployments of the service from `from` on (inclusive), in
   * changeset order: the ones whose changesets may change when `from` changes.
   */
  async fromOnwards(
    m: EntityManager,
    from: ChangesetDeployment,
    limit: number,
  ): Promise<ChangesetDeployment[]> {
    const rows = await m.query<Raw[]>(
      `${SELECT_DEPLOYMENT}
       WHERE d.service_id = $1 AND e.tier = 'production' AND ${REACHED_USERS}
         AND (${ORDER}) >= ($2::timestamptz, $3::text, $4::text)
       ORDER BY ${ORDER} LIMIT $5`,
      [from.serviceId, from.finishedAt, from.source, from.externalId, limit],
    );
    return rows.map(toDeployment);
  }

  /** The previous deployment of the service to the environment that reached users. */
  async predecessor(m: EntityManager, d: ChangesetDeployment): Promise<Predecessor | null> {
    const rows = await m.query<Raw[]>(
      `SELECT d.id, d.commit_sha, d.version FROM deployments d
       WHERE d.service_id = $1 AND d.environment_id = $2 AND ${REACHED_USERS}
         AND (${ORDER}) < ($3::timestamptz, $4::text, $5::text)
       ORDER BY ${ORDER_DESC} LIMIT 1`,
      [d.serviceId, d.environmentId, d.finishedAt, d.source, d.externalId],
    );
    const r = rows[0];
    return r
      ? {
          id: String(r.id),
          commitSha: (r.commit_sha as string | null) ?? null,
          version: (r.version as string | null) ?? null,
        }
      : null;
  }

  /** Changes by SHA, preferring the deployment's repository when a SHA is stored under several. */
  async changesBySha(
    m: EntityManager,
    shas: readonly string[],
    repository: string,
  ): Promise<Omit<ChangeFacts, 'alreadyDeployed'>[]> {
    if (shas.length === 0) return [];
    const rows = await m.query<Raw[]>(
      `SELECT DISTINCT ON (sha) id, sha, pr_first_commit_at, committed_at, authored_at
       FROM changes WHERE sha = ANY($1::text[]) ORDER BY sha, (repository = $2) DESC, id`,
      [shas, repository],
    );
    return rows.map(toFacts);
  }

  /**
   * The commits from `head` back to `stop` (exclusive) following parent links from pushes; when
   * the chain breaks (a push not received yet), the SHA of the commit that would mend it (none
   * when the walk exceeded MAX_CHAIN_DEPTH).
   */
  async chain(
    m: EntityManager,
    head: string,
    stop: string,
    repository: string,
  ): Promise<ChainWalk> {
    const rows = await m.query<Raw[]>(
      `WITH RECURSIVE chain AS (
         SELECT h.id, h.sha, h.parent_sha, h.repository, 1 AS depth
         FROM (SELECT * FROM changes WHERE sha = $1 ORDER BY (repository = $3) DESC, id LIMIT 1) h
         UNION ALL
         SELECT c.id, c.sha, c.parent_sha, c.repository, chain.depth + 1
         FROM chain JOIN changes c ON c.sha = chain.parent_sha AND c.repository = chain.repository
         WHERE chain.parent_sha <> $2 AND chain.depth < $4
       )
       SELECT chain.id, chain.sha, chain.parent_sha, c.pr_first_commit_at, c.committed_at, c.authored_at
       FROM chain JOIN changes c ON c.id = chain.id ORDER BY chain.depth`,
      [head, stop, repository, MAX_CHAIN_DEPTH],
    );
    const last = rows.at(-1);
    if (!last) return { found: false, missingSha: head };
    if (last.parent_sha === stop) return { found: true, changes: rows.map(toFacts) };
    if (rows.length >= MAX_CHAIN_DEPTH) return { found: false, missingSha: null };
    // The walk stopped at a commit whose parent (or whose own parent link) no push gave yet.
    return { found: false, missingSha: (last.parent_sha as string | null) ?? (last.sha as string) };
  }

  /** A change row for a deployment's head commit (a seed deployment keeps it as its change). */
  async ensureChange(m: EntityManager, repository: string, sha: string): Promise<void> {
    await m.query(
      `INSERT INTO changes (repository, sha) SELECT $1, $2
       WHERE NOT EXISTS (SELECT 1 FROM changes WHERE sha = $2) ON CONFLICT DO NOTHING`,
      [repository, sha],
    );
  }

  /** Which of these changes an earlier successful production deployment of the service carried. */
  async alreadyDeployed(
    m: EntityManager,
    changeIds: readonly string[],
    d: ChangesetDeployment,
  ): Promise<Set<string>> {
    if (changeIds.length === 0) return new Set();
    const rows = await m.query<Raw[]>(
      `SELECT DISTINCT dc.change_id FROM deployment_changes dc
       JOIN deployments d ON d.id = dc.deployment_id JOIN environments e ON e.id = d.environment_id
       WHERE dc.change_id = ANY($1::bigint[]) AND d.service_id = $2 AND e.tier = 'production'
         AND ${REACHED_USERS} AND (${ORDER}) < ($3::timestamptz, $4::text, $5::text)`,
      [changeIds, d.serviceId, d.finishedAt, d.source, d.externalId],
    );
    return new Set(rows.map((r) => String(r.change_id)));
  }

  /** Stores a deployment's changeset (its change rows and status) in one statement. */
  async write(
    m: EntityManager,
    deploymentId: string,
    predecessorId: string | null,
    cs: Changeset,
    missingSha: string | null,
  ): Promise<void> {
    const rows = new Map(
      cs.rows.map((r) => [
        r.changeId,
        {
          change_id: r.changeId,
          lead_time_seconds: r.leadTimeSeconds,
          excluded_reason: r.excludedReason,
        },
      ]),
    );
    await m.query(
      `WITH v AS (
         SELECT * FROM jsonb_to_recordset($2::jsonb)
           AS v(change_id bigint, lead_time_seconds double precision, excluded_reason text)),
       gone AS (
         DELETE FROM deployment_changes dc
         WHERE dc.deployment_id = $1 AND dc.change_id NOT IN (SELECT change_id FROM v)),
       kept AS (
         INSERT INTO deployment_changes (deployment_id, change_id, lead_time_seconds, excluded_reason)
         SELECT $1, v.change_id, v.lead_time_seconds, v.excluded_reason FROM v
         ON CONFLICT (deployment_id, change_id) DO UPDATE
           SET lead_time_seconds = EXCLUDED.lead_time_seconds, excluded_reason = EXCLUDED.excluded_reason
           WHERE (deployment_changes.lead_time_seconds, deployment_changes.excluded_reason)
             IS DISTINCT FROM (EXCLUDED.lead_time_seconds, EXCLUDED.excluded_reason))
       UPDATE deployments SET changeset_status = $3, changeset_note = $4, predecessor_id = $5,
         changeset_missing_sha = $6, updated_at = now()
       WHERE id = $1`,
      [
        deploymentId,
        JSON.stringify([...rows.values()]),
        cs.status,
        cs.note,
        predecessorId,
        missingSha,
      ],
    );
  }

  /** Deployments where these changes carry (or lack for want of a time) a lead time. */
  async timedBy(m: EntityManager, changeIds: readonly string[]): Promise<string[]> {
    if (changeIds.length === 0) return [];
    const rows = await m.query<Raw[]>(
      `SELECT DISTINCT deployment_id FROM deployment_changes
       WHERE change_id = ANY($1::bigint[])
         AND (excluded_reason IS NULL OR excluded_reason IN ('NO_START_TIME', 'NEGATIVE'))`,
      [changeIds],
    );
    return rows.map((r) => String(r.deployment_id));
  }
}

function toFacts(r: Raw): Omit<ChangeFacts, 'alreadyDeployed'> {
  const d = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));
  return {
    changeId: String(r.id),
    sha: r.sha as string,
    prFirstCommitAt: d(r.pr_first_commit_at),
    committedAt: d(r.committed_at),
    authoredAt: d(r.authored_at),
  };
}
