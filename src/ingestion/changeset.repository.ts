import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { DeploymentKind, DeploymentStatus, EnvironmentTier } from './domain-events.js';
import type { ChangeFacts, Changeset } from './changeset.calculator.js';
import { recordset } from './recordset.js';
import { deploymentCommitSql } from './release-tag.repository.js';

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
  /** The previous deployment of the service to the environment that reached users. */
  readonly predecessor: Predecessor | null;
  /** Its service declares path globs (in some repository): its changes are path-scoped. */
  readonly pathScoped: boolean;
}

export interface Predecessor {
  readonly id: string;
  readonly commitSha: string | null;
  readonly version: string | null;
}

/** A stored change, as a changeset needs it (whether it was deployed before is asked apart). */
export type ChangeRow = Omit<ChangeFacts, 'alreadyDeployed'>;

/** The commits from a deployment back to its predecessor, or where the walk broke. */
export type ChainWalk =
  | { readonly found: true; readonly changes: ChangeRow[] }
  | { readonly found: false; readonly missingSha: string | null };

/** A computed changeset, ready to store. */
export interface ChangesetWrite {
  readonly deploymentId: string;
  readonly predecessorId: string | null;
  readonly changeset: Changeset;
  readonly missingSha: string | null;
}

/** Deployment order for changesets: finish time, then natural key (never arrival order). */
const orderOf = (alias: string) =>
  `COALESCE(${alias}.finished_at, ${alias}.last_event_at), ${alias}.source, ${alias}.external_id`;
const orderDesc = (alias: string) =>
  `COALESCE(${alias}.finished_at, ${alias}.last_event_at) DESC, ${alias}.source DESC, ${alias}.external_id DESC`;
const ORDER = orderOf('d');
// ix_deployments_changeset_order (migration ChangesetOrderIndex) is partial on exactly this.
const reachedUsers = (alias: string) => `${alias}.status IN ('SUCCEEDED', 'ROLLED_BACK')`;
const REACHED_USERS = reachedUsers('d');
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
  predecessor:
    r.predecessor_id === null
      ? null
      : {
          id: r.predecessor_id as string, // bigint, as text
          commitSha: (r.predecessor_commit_sha as string | null) ?? null,
          version: (r.predecessor_version as string | null) ?? null,
        },
  pathScoped: r.path_scoped === true,
});

/** Among rows of one SHA: the wanted repository's, then one that names its repository. */
const PREFERRED_REPOSITORY = (c: string, want: string): string =>
  `(${c}.repository <> '' AND ${c}.repository = ${want}.repository) DESC, (${c}.repository <> '') DESC`;

/** A deployment with its predecessor (one backward step of ix_deployments_changeset_order). */
const SELECT_DEPLOYMENT = `
  SELECT d.id, d.source, d.external_id, d.service_id, d.environment_id, e.tier, d.status, d.kind,
         d.version, ${deploymentCommitSql('d', 'COALESCE(d.repository, s.repository)')} AS commit_sha,
         d.commit_shas, COALESCE(d.repository, s.repository, '') AS repository,
         COALESCE(d.finished_at, d.last_event_at) AS finished_at, p.id AS predecessor_id,
         p.commit_sha AS predecessor_commit_sha, p.version AS predecessor_version,
         EXISTS (SELECT 1 FROM service_repository_paths sp WHERE sp.service_id = d.service_id) AS path_scoped
  FROM deployments d JOIN services s ON s.id = d.service_id JOIN environments e ON e.id = d.environment_id
  LEFT JOIN LATERAL (
    SELECT p.id, ${deploymentCommitSql('p', 'COALESCE(p.repository, s.repository)')} AS commit_sha,
           p.version FROM deployments p
    WHERE p.service_id = d.service_id AND p.environment_id = d.environment_id AND ${reachedUsers('p')}
      AND (${orderOf('p')}) < (${orderOf('d')})
    ORDER BY ${orderDesc('p')} LIMIT 1) p ON true`;

/**
 * The SQL behind changesets; every method runs inside the ingestion transaction and takes all the
 * deployments of a write at once. The planner takes a `jsonb_to_recordset` for 100 rows, enough
 * to hash a plain join against the whole deployments or changes table; so each lookup is written
 * as a probe per row (LATERAL, EXISTS, `= ANY`) that goes through an index.
 */
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

  /** The ids of a service's deployments to production-tier environments that reached users. */
  async productionDeployments(m: EntityManager, serviceId: string): Promise<string[]> {
    const rows = await m.query<Raw[]>(
      `SELECT d.id FROM deployments d JOIN environments e ON e.id = d.environment_id
       WHERE d.service_id = $1 AND e.tier = 'production' AND ${REACHED_USERS}`,
      [serviceId],
    );
    return rows.map((r) => String(r.id));
  }

  /**
   * For each `from` deployment: the successful production deployments of its service from it on
   * (inclusive), in changeset order, at most `limit` of them: the ones whose changesets may change
   * when `from` changes. One statement for all services.
   */
  async fromOnwards(
    m: EntityManager,
    starts: readonly { readonly from: ChangesetDeployment; readonly limit: number }[],
  ): Promise<ChangesetDeployment[]> {
    if (starts.length === 0) return [];
    const rows = await m.query<Raw[]>(
      `SELECT x.* FROM ${recordset(
        [
          ['id', 'bigint'],
          ['lim', 'integer'],
        ],
        1,
        'f',
      )}
       JOIN deployments f0 ON f0.id = f.id
       CROSS JOIN LATERAL (
         ${SELECT_DEPLOYMENT}
         WHERE d.service_id = f0.service_id AND e.tier = 'production' AND ${REACHED_USERS}
           AND (${ORDER}) >= (${orderOf('f0')})
         ORDER BY ${ORDER} LIMIT f.lim) x
       ORDER BY x.service_id, x.finished_at, x.source, x.external_id`,
      [JSON.stringify(starts.map((s) => ({ id: s.from.id, lim: s.limit })))],
    );
    return rows.map(toDeployment);
  }

  /**
   * Changes by SHA for each lookup, preferring the lookup's repository when a SHA is stored under
   * several, then any named repository over '' (a commit a deployment listed before anything
   * said where it lives: the row from its push carries its pull request); keyed by the lookup's
   * key, in SHA order.
   */
  async changesBySha(
    m: EntityManager,
    lookups: readonly {
      readonly key: string;
      readonly shas: readonly string[];
      readonly repository: string;
    }[],
  ): Promise<Map<string, ChangeRow[]>> {
    const pairs = lookups.flatMap((l) =>
      [...new Set(l.shas)].map((sha) => ({ key: l.key, sha, repository: l.repository })),
    );
    if (pairs.length === 0) return new Map();
    // LATERAL: one index probe per SHA (a join would hash the whole changes table).
    const rows = await m.query<Raw[]>(
      `SELECT v.key, c.id, c.sha, c.pr_first_commit_at, c.pr_created_at, c.committed_at, c.authored_at
       FROM ${recordset(
         [
           ['key', 'text'],
           ['sha', 'text'],
           ['repository', 'text'],
         ],
         1,
       )}
       CROSS JOIN LATERAL (
         SELECT * FROM changes c WHERE c.sha = v.sha
         ORDER BY ${PREFERRED_REPOSITORY('c', 'v')}, c.id LIMIT 1) c
       ORDER BY v.key, v.sha`,
      [JSON.stringify(pairs)],
    );
    return groupBy(rows, (r) => r.key as string, toFacts);
  }

  /**
   * For each walk: the commits from `head` back to `stop` (exclusive) following parent links
   * from pushes; when the chain breaks (a push not received yet), the SHA of the commit that
   * would mend it (none when the walk exceeded MAX_CHAIN_DEPTH). One statement for all walks.
   */
  async chains(
    m: EntityManager,
    walks: readonly {
      readonly key: string;
      readonly head: string;
      readonly stop: string;
      readonly repository: string;
    }[],
  ): Promise<Map<string, ChainWalk>> {
    if (walks.length === 0) return new Map();
    const rows = await m.query<Raw[]>(
      `WITH RECURSIVE chain AS (
         SELECT w.key, w.stop, h.id, h.sha, h.parent_sha, h.repository, h.pr_first_commit_at,
                h.pr_created_at, h.committed_at, h.authored_at, 1 AS depth
         FROM ${recordset(
           [
             ['key', 'text'],
             ['head', 'text'],
             ['stop', 'text'],
             ['repository', 'text'],
           ],
           1,
           'w',
         )}
         CROSS JOIN LATERAL (
           SELECT * FROM changes c WHERE c.sha = w.head ORDER BY ${PREFERRED_REPOSITORY('c', 'w')}, c.id LIMIT 1) h
         UNION ALL
         SELECT chain.key, chain.stop, c.id, c.sha, c.parent_sha, c.repository, c.pr_first_commit_at,
                c.pr_created_at, c.committed_at, c.authored_at, chain.depth + 1
         FROM chain CROSS JOIN LATERAL (
           SELECT * FROM changes c WHERE c.repository = chain.repository AND c.sha = chain.parent_sha
           LIMIT 1) c
         WHERE chain.parent_sha <> chain.stop AND chain.depth < $2
       )
       SELECT key, id, sha, parent_sha, pr_first_commit_at, pr_created_at, committed_at, authored_at
       FROM chain ORDER BY key, depth`,
      [JSON.stringify(walks), MAX_CHAIN_DEPTH],
    );
    const walked = groupBy(
      rows,
      (r) => r.key as string,
      (r) => r,
    );
    return new Map(walks.map((w) => [w.key, walkResult(walked.get(w.key) ?? [], w.head, w.stop)]));
  }

  /** A change row for each head commit no change has yet (a seed deployment keeps it as its change). */
  async ensureChanges(
    m: EntityManager,
    commits: readonly { readonly repository: string; readonly sha: string }[],
  ): Promise<void> {
    if (commits.length === 0) return;
    await m.query(
      `INSERT INTO changes (repository, sha)
       SELECT DISTINCT ON (v.sha) v.repository, v.sha FROM ${recordset(
         [
           ['repository', 'text'],
           ['sha', 'text'],
         ],
         1,
       )}
       WHERE NOT EXISTS (SELECT 1 FROM changes c WHERE c.sha = v.sha)
       ORDER BY v.sha
       ON CONFLICT DO NOTHING`,
      [JSON.stringify(commits)],
    );
  }

  /**
   * For each deployment, which of the given changes an earlier successful production deployment
   * of its service carried, as stored: deployments in `ignored` (being recomputed) do not count.
   */
  async alreadyDeployed(
    m: EntityManager,
    asked: readonly { readonly deploymentId: string; readonly changeIds: readonly string[] }[],
    ignored: readonly string[],
  ): Promise<Map<string, Set<string>>> {
    const pairs = asked.flatMap((a) =>
      a.changeIds.map((changeId) => ({ deployment_id: a.deploymentId, change_id: changeId })),
    );
    if (pairs.length === 0) return new Map();
    const rows = await m.query<Raw[]>(
      `SELECT v.deployment_id, v.change_id
       FROM ${recordset(
         [
           ['deployment_id', 'bigint'],
           ['change_id', 'bigint'],
         ],
         1,
       )}
       JOIN deployments x ON x.id = v.deployment_id
       WHERE EXISTS (
         SELECT 1 FROM deployment_changes dc
         WHERE dc.change_id = v.change_id AND dc.deployment_id <> ALL($2::bigint[])
           -- a scalar subquery is not flattened: one primary-key probe per carrying deployment
           AND (SELECT d.service_id = x.service_id AND e.tier = 'production' AND ${REACHED_USERS}
                       AND (${ORDER}) < (${orderOf('x')})
                FROM deployments d JOIN environments e ON e.id = d.environment_id
                WHERE d.id = dc.deployment_id))`,
      [JSON.stringify(pairs), ignored],
    );
    const deployed = new Map<string, Set<string>>();
    for (const r of rows) {
      const id = String(r.deployment_id);
      deployed.set(id, (deployed.get(id) ?? new Set()).add(String(r.change_id)));
    }
    return deployed;
  }

  /** Stores deployments' changesets (their change rows and status) in one statement. */
  async write(m: EntityManager, written: readonly ChangesetWrite[]): Promise<void> {
    if (written.length === 0) return;
    const rows = written.flatMap((w) =>
      [...new Map(w.changeset.rows.map((r) => [r.changeId, r])).values()].map((r) => ({
        deployment_id: w.deploymentId,
        change_id: r.changeId,
        lead_time_seconds: r.leadTimeSeconds,
        excluded_reason: r.excludedReason,
      })),
    );
    const statuses = written.map((w) => ({
      id: w.deploymentId,
      status: w.changeset.status,
      note: w.changeset.note,
      predecessor_id: w.predecessorId,
      missing_sha: w.missingSha,
    }));
    await m.query(
      `WITH v AS (
         SELECT * FROM ${recordset(
           [
             ['deployment_id', 'bigint'],
             ['change_id', 'bigint'],
             ['lead_time_seconds', 'double precision'],
             ['excluded_reason', 'text'],
           ],
           1,
         )}),
       s AS (
         SELECT * FROM ${recordset(
           [
             ['id', 'bigint'],
             ['status', 'text'],
             ['note', 'text'],
             ['predecessor_id', 'bigint'],
             ['missing_sha', 'text'],
           ],
           2,
           's',
         )}),
       gone AS (
         DELETE FROM deployment_changes dc
         WHERE dc.deployment_id = ANY($3::bigint[])
           AND NOT EXISTS (SELECT 1 FROM v WHERE v.deployment_id = dc.deployment_id AND v.change_id = dc.change_id)),
       kept AS (
         INSERT INTO deployment_changes (deployment_id, change_id, lead_time_seconds, excluded_reason)
         SELECT v.deployment_id, v.change_id, v.lead_time_seconds, v.excluded_reason FROM v
         ORDER BY v.deployment_id, v.change_id
         ON CONFLICT (deployment_id, change_id) DO UPDATE
           SET lead_time_seconds = EXCLUDED.lead_time_seconds, excluded_reason = EXCLUDED.excluded_reason
           WHERE (deployment_changes.lead_time_seconds, deployment_changes.excluded_reason)
             IS DISTINCT FROM (EXCLUDED.lead_time_seconds, EXCLUDED.excluded_reason))
       UPDATE deployments d SET changeset_status = s.status, changeset_note = s.note,
         predecessor_id = s.predecessor_id, changeset_missing_sha = s.missing_sha, updated_at = now()
       FROM s WHERE d.id = s.id`,
      [JSON.stringify(rows), JSON.stringify(statuses), written.map((w) => w.deploymentId)],
    );
  }

  /**
   * For each (deployment, change) whose service declares path globs in the change's
   * repository: the change's paths (null: unknown) and those globs. Keyed `<deployment> <change>`;
   * a pair that is not path-scoped is absent.
   */
  async pathScopes(
    m: EntityManager,
    pairs: readonly {
      readonly deploymentId: string;
      readonly serviceId: string;
      readonly changeId: string;
    }[],
  ): Promise<Map<string, { readonly paths: string[] | null; readonly globs: string[] }>> {
    if (pairs.length === 0) return new Map();
    const rows = await m.query<Raw[]>(
      `SELECT v.deployment_id, v.change_id, c.paths, g.globs
       FROM ${recordset(
         [
           ['deployment_id', 'bigint'],
           ['service_id', 'bigint'],
           ['change_id', 'bigint'],
         ],
         1,
       )}
       JOIN changes c ON c.id = v.change_id
       CROSS JOIN LATERAL (
         SELECT array_agg(sp.glob ORDER BY sp.glob) AS globs FROM service_repository_paths sp
         WHERE sp.service_id = v.service_id AND sp.repository = c.repository) g
       WHERE g.globs IS NOT NULL`,
      [
        JSON.stringify(
          pairs.map((p) => ({
            deployment_id: p.deploymentId,
            service_id: p.serviceId,
            change_id: p.changeId,
          })),
        ),
      ],
    );
    return new Map(
      rows.map((r) => [
        `${String(r.deployment_id)} ${String(r.change_id)}`,
        { paths: (r.paths as string[] | null) ?? null, globs: r.globs as string[] },
      ]),
    );
  }

  /** Deployments where these changes carry (or lack for want of a time or paths) a lead time. */
  async timedBy(m: EntityManager, changeIds: readonly string[]): Promise<string[]> {
    if (changeIds.length === 0) return [];
    const rows = await m.query<Raw[]>(
      `SELECT DISTINCT deployment_id FROM deployment_changes
       WHERE change_id = ANY($1::bigint[])
         AND (excluded_reason IS NULL OR excluded_reason IN ('NO_START_TIME', 'NEGATIVE', 'UNKNOWN_PATHS'))`,
      [changeIds],
    );
    return rows.map((r) => String(r.deployment_id));
  }
}

/** A walk's rows (head first) read as where it ended: at `stop`, or where the chain broke. */
function walkResult(rows: readonly Raw[], head: string, stop: string): ChainWalk {
  const last = rows.at(-1);
  if (!last) return { found: false, missingSha: head };
  if (last.parent_sha === stop) return { found: true, changes: rows.map(toFacts) };
  if (rows.length >= MAX_CHAIN_DEPTH) return { found: false, missingSha: null };
  // The walk stopped at a commit whose parent (or whose own parent link) no push gave yet.
  return { found: false, missingSha: (last.parent_sha as string | null) ?? (last.sha as string) };
}

function groupBy<T>(
  rows: readonly Raw[],
  key: (r: Raw) => string,
  map: (r: Raw) => T,
): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    groups.set(k, [...(groups.get(k) ?? []), map(r)]);
  }
  return groups;
}

function toFacts(r: Raw): ChangeRow {
  const d = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));
  return {
    changeId: String(r.id),
    sha: r.sha as string,
    prFirstCommitAt: d(r.pr_first_commit_at),
    prCreatedAt: d(r.pr_created_at),
    committedAt: d(r.committed_at),
    authoredAt: d(r.authored_at),
  };
}
