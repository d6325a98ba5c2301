import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EnvironmentTier, Transport } from './domain-events.js';
import { recordset, type Col } from './recordset.js';

export interface RawEventRow {
  readonly source: string;
  readonly dedupe_key: string;
  readonly transport: Transport;
  readonly kind: string;
  readonly occurred_at: Date | null;
  readonly payload_hash: string;
  readonly headers: Record<string, string>;
  /** The payload as JSON text (see payloadJson), stored as jsonb. */
  readonly payload: string;
  readonly outcome: 'ACCEPTED' | 'STORED_UNMAPPED';
  readonly note: string | null;
}

/** An entity by the natural key its events name it with. */
export interface NaturalKey {
  readonly table: 'deployments' | 'incidents' | 'pipeline_runs';
  readonly source: string;
  readonly externalId: string;
  readonly attempt?: number;
}

export interface ServiceKey {
  readonly name: string;
  readonly namespace: string;
  readonly team: string | null;
  readonly repository: string | null;
}

export interface ServiceRecord {
  readonly id: string;
  readonly name: string;
  readonly namespace: string;
  readonly team: string | null;
  readonly repository: string | null;
}

export interface EnvironmentKey {
  readonly name: string;
  /** Explicit tier from the event: it replaces the stored one. */
  readonly tier: EnvironmentTier | null;
  /** Tier inferred from the name, used only when the environment is created. */
  readonly inferredTier: EnvironmentTier;
}

export interface EnvironmentRecord {
  readonly id: string;
  readonly name: string;
  readonly tier: EnvironmentTier;
}

export interface ChangeRow {
  readonly repository: string;
  readonly sha: string;
  readonly parent_sha: string | null;
  readonly message: string | null;
  readonly authored_at: Date | null;
  readonly committed_at: Date | null;
  readonly pushed_at: Date | null;
  readonly pull_request_id: string | null;
  readonly pr_first_commit_at: Date | null;
  readonly pr_merged_at: Date | null;
  readonly pr_title: string | null;
  readonly pr_head_branch: string | null;
  readonly pr_labels: readonly string[] | null;
  /** What the change reverts (`pr:<n>`, `sha:<hex>`), see inference/revert.rule.ts. */
  readonly reverts: readonly string[];
  /** The files it changed (normalisePaths); null = unknown. */
  readonly paths: readonly string[] | null;
  /** The branch the commit was first pushed to (GitHub `distinct` commits). */
  readonly pushed_branch: string | null;
  /** Of a pull request's landing commit: when it was opened, its head commit, its size. */
  readonly pr_created_at: Date | null;
  readonly pr_head_sha: string | null;
  readonly pr_commit_count: number | null;
  /** The commit's author; of a landing commit, its pull request's author and link. */
  readonly author: string | null;
  readonly pr_author: string | null;
  readonly pr_url: string | null;
}

const RAW_EVENT_COLS: readonly Col[] = [
  ['source', 'text'],
  ['dedupe_key', 'text'],
  ['transport', 'text'],
  ['kind', 'text'],
  ['occurred_at', 'timestamptz'],
  ['payload_hash', 'text'],
  ['headers', 'jsonb'],
  ['payload', 'jsonb'],
  ['outcome', 'text'],
  ['note', 'text'],
];

const CHANGE_COLS: readonly Col[] = [
  ['repository', 'text'],
  ['sha', 'text'],
  ['parent_sha', 'text'],
  ['message', 'text'],
  ['authored_at', 'timestamptz'],
  ['committed_at', 'timestamptz'],
  ['pushed_at', 'timestamptz'],
  ['pull_request_id', 'text'],
  ['pr_first_commit_at', 'timestamptz'],
  ['pr_merged_at', 'timestamptz'],
  ['pr_title', 'text'],
  ['pr_head_branch', 'text'],
  ['pr_labels', 'text[]'],
  ['reverts', 'text[]'],
  ['paths', 'text[]'],
  ['pushed_branch', 'text'],
  ['pr_created_at', 'timestamptz'],
  ['pr_head_sha', 'text'],
  ['pr_commit_count', 'integer'],
  ['author', 'text'],
  ['pr_author', 'text'],
  ['pr_url', 'text'],
];

/**
 * A cause an incident's own events name is EXPLICIT, and explicit labels win: it replaces what a
 * person confirmed or rejected in triage (the review stays in the audit).
 */
const EXPLICIT_CAUSE_WINS = `ON CONFLICT (incident_id, deployment_source, deployment_external_id) DO UPDATE
  SET attribution = 'EXPLICIT' WHERE incident_causes.attribution <> 'EXPLICIT'`;

/** JSON text for jsonb, which cannot hold U+0000: a payload carrying one keeps U+FFFD instead. */
export const payloadJson = (value: unknown): string => {
  const text = JSON.stringify(value);
  // JSON.stringify escapes NUL and lone surrogates (well-formed pairs stay literal): only then
  // re-encode with each unstorable character replaced by U+FFFD, in keys and values alike.
  return /\\u(0000|d[89a-f])/i.test(text) ? JSON.stringify(storableJson(JSON.parse(text))) : text;
};

// eslint-disable-next-line no-control-regex -- NUL is exactly what must be replaced
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A copy of a JSON value whose strings PostgreSQL's jsonb accepts (no NUL, no lone surrogate). */
function storableJson(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(UNSTORABLE, '\ufffd');
  if (Array.isArray(value)) return value.map(storableJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, k.replace(UNSTORABLE, '\ufffd'), {
        value: storableJson(v),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

/**
 * The write-side SQL of ingestion: every method takes the transaction's EntityManager and works
 * on many rows at once (a single event is a batch of one). Natural keys are claimed with
 * `INSERT ... ON CONFLICT`, never check-then-insert.
 */
@Injectable()
export class IngestionRepository {
  /** Inserts raw events; returns the id per `source\u0000dedupe_key` of those not seen before. */
  async insertRawEvents(
    m: EntityManager,
    rows: readonly RawEventRow[],
  ): Promise<Map<string, string>> {
    if (rows.length === 0) return new Map();
    const inserted = await m.query<{ id: string; source: string; dedupe_key: string }[]>(
      `INSERT INTO raw_events (source, dedupe_key, transport, kind, occurred_at, payload_hash, headers, payload, outcome, note)
       SELECT v.source, v.dedupe_key, v.transport, v.kind, v.occurred_at, v.payload_hash, v.headers, v.payload, v.outcome, v.note
       FROM ${recordset(RAW_EVENT_COLS, 1)}
       ON CONFLICT (source, dedupe_key) DO NOTHING RETURNING id, source, dedupe_key`,
      [rawEventsJson(rows)],
    );
    return new Map(inserted.map((r) => [`${r.source}\u0000${r.dedupe_key}`, r.id]));
  }

  /**
   * The stored payload hash of an earlier delivery with this key (to tell a retry from a clash),
   * and the payload itself only when its hash is not `hash`.
   */
  async rawEventPayload(
    m: EntityManager,
    source: string,
    dedupeKey: string,
    hash: string,
  ): Promise<{ hash: string; payload: unknown } | null> {
    const rows = await m.query<{ payload_hash: string; payload: unknown }[]>(
      `SELECT payload_hash, CASE WHEN payload_hash <> $3 THEN payload END AS payload
         FROM raw_events WHERE source = $1 AND dedupe_key = $2`,
      [source, dedupeKey, hash],
    );
    return rows[0] ? { hash: rows[0].payload_hash, payload: rows[0].payload } : null;
  }

  /**
   * The ids of the entities events name by their natural keys (for the answer to a DUPLICATE):
   * `keys[i]` is `[table, source, externalId, attempt?]`; absent entities give undefined.
   */
  async entityIdsByNaturalKey(
    m: EntityManager,
    keys: readonly NaturalKey[],
  ): Promise<(string | undefined)[]> {
    const ids: (string | undefined)[] = keys.map(() => undefined);
    const lookups: [NaturalKey['table'], string][] = [
      [
        'deployments',
        'JOIN deployments t ON t.source = k.source AND t.external_id = k.external_id',
      ],
      ['incidents', 'JOIN incidents t ON t.source = k.source AND t.external_id = k.external_id'],
      [
        'pipeline_runs',
        'JOIN pipeline_runs t ON t.source = k.source AND t.run_id = k.external_id AND t.attempt = k.attempt',
      ],
    ];
    for (const [table, join] of lookups) {
      const wanted = keys.flatMap((k, i) => (k.table === table ? [{ ...k, i }] : []));
      if (wanted.length === 0) continue;
      const rows = await m.query<{ i: number; id: string }[]>(
        `SELECT k.i, t.id FROM unnest($1::int[], $2::text[], $3::text[], $4::int[])
           AS k(i, source, external_id, attempt) ${join}`,
        [
          wanted.map((k) => k.i),
          wanted.map((k) => k.source),
          wanted.map((k) => k.externalId),
          wanted.map((k) => k.attempt ?? 1),
        ],
      );
      for (const r of rows) ids[Number(r.i)] = String(r.id);
    }
    return ids;
  }

  /**
   * Services by (name, namespace), created on first sight. An event's team is only a default:
   * it is stored when the service has none (a trigger makes it the first owner, from the
   * beginning), and never moves a service to another team (the catalog does, from an effective
   * time: docs/dora.md, "Service catalog"). An event's repository replaces the stored one,
   * unless the service is the catalog's. One statement in the common case.
   */
  async ensureServices(m: EntityManager, keys: readonly ServiceKey[]): Promise<ServiceRecord[]> {
    if (keys.length === 0) return [];
    const cols: Col[] = [
      ['name', 'text'],
      ['namespace', 'text'],
      ['team', 'text'],
      ['repository', 'text'],
    ];
    const param = [JSON.stringify(keys)];
    const rows = await m.query<(ServiceRecord & { fresh: number })[]>(
      `WITH v AS (SELECT * FROM ${recordset(cols, 1)}),
       upd AS (
         UPDATE services s SET team = COALESCE(s.team, v.team),
           repository = CASE WHEN s.catalog_entity IS NULL THEN COALESCE(v.repository, s.repository)
                             ELSE s.repository END
         FROM v WHERE s.name = v.name AND s.namespace = v.namespace
           AND ((v.team IS NOT NULL AND s.team IS NULL)
             OR (v.repository IS NOT NULL AND v.repository IS DISTINCT FROM s.repository
                 AND s.catalog_entity IS NULL))
         RETURNING s.id, s.name, s.namespace, s.team, s.repository),
       ins AS (
         INSERT INTO services (name, namespace, team, repository)
         SELECT v.name, v.namespace, v.team, v.repository FROM v
         WHERE NOT EXISTS (SELECT 1 FROM services s WHERE s.name = v.name AND s.namespace = v.namespace)
         ORDER BY v.name, v.namespace
         ON CONFLICT (name, namespace) DO NOTHING
         RETURNING id, name, namespace, team, repository)
       SELECT *, 1 AS fresh FROM ins UNION ALL SELECT *, 1 FROM upd
       UNION ALL SELECT s.id, s.name, s.namespace, s.team, s.repository, 0 FROM services s JOIN v USING (name, namespace)`,
      param,
    );
    return this.completeFromTable(
      m,
      rows,
      keys.length,
      (r) => `${r.name}\u0000${r.namespace}`,
      () =>
        m.query<ServiceRecord[]>(
          `SELECT s.id, s.name, s.namespace, s.team, s.repository FROM services s
         JOIN ${recordset(cols, 1)} USING (name, namespace)`,
          param,
        ),
    );
  }

  /** Environments by name, created on first sight with the given or inferred tier. */
  async ensureEnvironments(
    m: EntityManager,
    keys: readonly EnvironmentKey[],
  ): Promise<EnvironmentRecord[]> {
    if (keys.length === 0) return [];
    const cols: Col[] = [
      ['name', 'text'],
      ['tier', 'text'],
      ['inferred_tier', 'text'],
    ];
    const param = [
      JSON.stringify(
        keys.map((k) => ({ name: k.name, tier: k.tier, inferred_tier: k.inferredTier })),
      ),
    ];
    const rows = await m.query<(EnvironmentRecord & { fresh: number })[]>(
      `WITH v AS (SELECT * FROM ${recordset(cols, 1)}),
       upd AS (
         UPDATE environments e SET tier = v.tier FROM v
         WHERE e.name = v.name AND v.tier IS NOT NULL AND v.tier <> e.tier
         RETURNING e.id, e.name, e.tier),
       ins AS (
         INSERT INTO environments (name, tier)
         SELECT v.name, COALESCE(v.tier, v.inferred_tier) FROM v
         WHERE NOT EXISTS (SELECT 1 FROM environments e WHERE e.name = v.name)
         ORDER BY v.name
         ON CONFLICT (name) DO NOTHING
         RETURNING id, name, tier)
       SELECT *, 1 AS fresh FROM ins UNION ALL SELECT *, 1 FROM upd
       UNION ALL SELECT e.id, e.name, e.tier, 0 FROM environments e JOIN v USING (name)`,
      param,
    );
    return this.completeFromTable(
      m,
      rows,
      keys.length,
      (r) => r.name,
      () =>
        m.query<EnvironmentRecord[]>(
          `SELECT e.id, e.name, e.tier FROM environments e JOIN ${recordset(cols, 1)} USING (name)`,
          param,
        ),
    );
  }

  /**
   * Rows of a data-modifying CTE: the written version of a row wins over the snapshot one. A row
   * created by a concurrent transaction after this statement's snapshot is read again.
   */
  private async completeFromTable<R>(
    _m: EntityManager,
    rows: (R & { fresh: number })[],
    expected: number,
    key: (r: R) => string,
    reread: () => Promise<R[]>,
  ): Promise<R[]> {
    const byKey = new Map<string, R>();
    // Snapshot rows (fresh 0) first, so that written rows (fresh 1) replace them.
    for (const { fresh: _fresh, ...r } of [...rows].sort((a, b) => a.fresh - b.fresh)) {
      byKey.set(key(r as R), r as R);
    }
    if (byKey.size >= expected) return [...byKey.values()];
    for (const r of await reread()) if (!byKey.has(key(r))) byKey.set(key(r), r);
    return [...byKey.values()];
  }

  /**
   * Inserts or completes changes by (repository, sha): times keep the earliest report, text
   * fields and changed paths the first. Returns the ids of the changes whose lead-time or
   * changeset inputs (times, paths) changed, and the
   * deployments whose commit chain broke at one of these commits (for the push to mend), found
   * by the same statement.
   */
  async upsertChanges(
    m: EntityManager,
    rows: readonly ChangeRow[],
  ): Promise<{ changed: string[]; unresolved: string[] }> {
    if (rows.length === 0) return { changed: [], unresolved: [] };
    const result = await m.query<{ id: string; updated: boolean | null }[]>(
      `WITH up AS (INSERT INTO changes (repository, sha, parent_sha, message, authored_at, committed_at, pushed_at,
                            pull_request_id, pr_first_commit_at, pr_merged_at, pr_title, pr_head_branch,
                            pr_labels, reverts, paths, pushed_branch, pr_created_at, pr_head_sha,
                            pr_commit_count, author, pr_author, pr_url)
       SELECT v.repository, v.sha, v.parent_sha, v.message, v.authored_at, v.committed_at, v.pushed_at,
              v.pull_request_id, v.pr_first_commit_at, v.pr_merged_at, v.pr_title, v.pr_head_branch,
              v.pr_labels, coalesce(v.reverts, '{}'), v.paths, v.pushed_branch, v.pr_created_at,
              v.pr_head_sha, v.pr_commit_count, v.author, v.pr_author, v.pr_url
       FROM ${recordset(CHANGE_COLS, 1)} ORDER BY v.repository, v.sha
       ON CONFLICT (repository, sha) DO UPDATE SET
         parent_sha = COALESCE(changes.parent_sha, EXCLUDED.parent_sha),
         message = COALESCE(changes.message, EXCLUDED.message),
         authored_at = LEAST(changes.authored_at, EXCLUDED.authored_at),
         committed_at = LEAST(changes.committed_at, EXCLUDED.committed_at),
         pushed_at = LEAST(changes.pushed_at, EXCLUDED.pushed_at),
         pull_request_id = COALESCE(changes.pull_request_id, EXCLUDED.pull_request_id),
         pr_first_commit_at = LEAST(changes.pr_first_commit_at, EXCLUDED.pr_first_commit_at),
         pr_merged_at = LEAST(changes.pr_merged_at, EXCLUDED.pr_merged_at),
         pr_title = COALESCE(changes.pr_title, EXCLUDED.pr_title),
         pr_head_branch = COALESCE(changes.pr_head_branch, EXCLUDED.pr_head_branch),
         pr_labels = COALESCE(changes.pr_labels, EXCLUDED.pr_labels),
         reverts = ARRAY(SELECT DISTINCT r FROM unnest(changes.reverts || EXCLUDED.reverts) AS r ORDER BY r),
         paths = COALESCE(changes.paths, EXCLUDED.paths),
         pushed_branch = COALESCE(changes.pushed_branch, EXCLUDED.pushed_branch),
         pr_created_at = LEAST(changes.pr_created_at, EXCLUDED.pr_created_at),
         pr_head_sha = COALESCE(changes.pr_head_sha, EXCLUDED.pr_head_sha),
         pr_commit_count = COALESCE(changes.pr_commit_count, EXCLUDED.pr_commit_count),
         author = COALESCE(changes.author, EXCLUDED.author),
         pr_author = COALESCE(changes.pr_author, EXCLUDED.pr_author),
         pr_url = COALESCE(changes.pr_url, EXCLUDED.pr_url)
       WHERE (changes.parent_sha IS NULL AND EXCLUDED.parent_sha IS NOT NULL)
          OR (changes.message IS NULL AND EXCLUDED.message IS NOT NULL)
          OR (changes.pull_request_id IS NULL AND EXCLUDED.pull_request_id IS NOT NULL)
          OR (changes.pr_title IS NULL AND EXCLUDED.pr_title IS NOT NULL)
          OR (changes.pr_head_branch IS NULL AND EXCLUDED.pr_head_branch IS NOT NULL)
          OR (changes.pr_labels IS NULL AND EXCLUDED.pr_labels IS NOT NULL)
          OR NOT (EXCLUDED.reverts <@ changes.reverts)
          OR (changes.paths IS NULL AND EXCLUDED.paths IS NOT NULL)
          OR (changes.pushed_branch IS NULL AND EXCLUDED.pushed_branch IS NOT NULL)
          OR (changes.pr_head_sha IS NULL AND EXCLUDED.pr_head_sha IS NOT NULL)
          OR (changes.pr_commit_count IS NULL AND EXCLUDED.pr_commit_count IS NOT NULL)
          OR (changes.author IS NULL AND EXCLUDED.author IS NOT NULL)
          OR (changes.pr_author IS NULL AND EXCLUDED.pr_author IS NOT NULL)
          OR (changes.pr_url IS NULL AND EXCLUDED.pr_url IS NOT NULL)
          OR EXCLUDED.pr_created_at < changes.pr_created_at OR (changes.pr_created_at IS NULL AND EXCLUDED.pr_created_at IS NOT NULL)
          OR EXCLUDED.authored_at < changes.authored_at OR (changes.authored_at IS NULL AND EXCLUDED.authored_at IS NOT NULL)
          OR EXCLUDED.committed_at < changes.committed_at OR (changes.committed_at IS NULL AND EXCLUDED.committed_at IS NOT NULL)
          OR EXCLUDED.pushed_at < changes.pushed_at OR (changes.pushed_at IS NULL AND EXCLUDED.pushed_at IS NOT NULL)
          OR EXCLUDED.pr_first_commit_at < changes.pr_first_commit_at OR (changes.pr_first_commit_at IS NULL AND EXCLUDED.pr_first_commit_at IS NOT NULL)
          OR EXCLUDED.pr_merged_at < changes.pr_merged_at OR (changes.pr_merged_at IS NULL AND EXCLUDED.pr_merged_at IS NOT NULL)
       RETURNING id, (xmax <> 0) AS updated)
       SELECT id, updated FROM up
       UNION ALL
       SELECT d.id, NULL FROM deployments d WHERE d.changeset_missing_sha = ANY($2::text[])
       UNION ALL
       -- deployments that carry one of these commits as stored before its repository was known
       SELECT DISTINCT dc.deployment_id, NULL::boolean FROM changes u
       JOIN deployment_changes dc ON dc.change_id = u.id
       WHERE u.repository = '' AND u.sha = ANY($3::text[])`,
      [
        JSON.stringify(rows),
        [...new Set(rows.map((r) => r.sha))],
        [...new Set(rows.filter((r) => r.repository !== '').map((r) => r.sha))],
      ],
    );
    return {
      changed: result.filter((r) => r.updated === true).map((r) => String(r.id)),
      unresolved: result.filter((r) => r.updated === null).map((r) => String(r.id)),
    };
  }

  async insertRemediations(
    m: EntityManager,
    rows: readonly {
      deployment_id: string;
      target_kind: 'DEPLOYMENT' | 'INCIDENT';
      target_source: string;
      target_external_id: string;
    }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await m.query(
      `INSERT INTO deployment_remediations (deployment_id, target_kind, target_source, target_external_id)
       SELECT * FROM ${recordset(
         [
           ['deployment_id', 'bigint'],
           ['target_kind', 'text'],
           ['target_source', 'text'],
           ['target_external_id', 'text'],
         ],
         1,
       )}
       -- an explicit link replaces the same link inferred before (explicit labels win)
       ON CONFLICT (deployment_id, target_kind, target_source, target_external_id) DO UPDATE
         SET attribution = 'EXPLICIT', rule = NULL
         WHERE deployment_remediations.attribution = 'INFERRED'`,
      [JSON.stringify(rows)],
    );
  }

  async insertIncidentServices(
    m: EntityManager,
    rows: readonly { incident_id: string; service_id: string }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await m.query(
      `INSERT INTO incident_services (incident_id, service_id)
       SELECT * FROM ${recordset(
         [
           ['incident_id', 'bigint'],
           ['service_id', 'bigint'],
         ],
         1,
       )} ON CONFLICT DO NOTHING`,
      [JSON.stringify(rows)],
    );
  }

  async insertIncidentCauses(
    m: EntityManager,
    rows: readonly {
      incident_id: string;
      deployment_source: string;
      deployment_external_id: string;
    }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await m.query(
      `INSERT INTO incident_causes (incident_id, deployment_source, deployment_external_id)
       SELECT DISTINCT * FROM ${recordset(
         [
           ['incident_id', 'bigint'],
           ['deployment_source', 'text'],
           ['deployment_external_id', 'text'],
         ],
         1,
       )}
       ${EXPLICIT_CAUSE_WINS}`,
      [JSON.stringify(rows)],
    );
  }

  /**
   * Causes named by version: for each row, the latest deployment of the service and version
   * into the environment (any production-tier one when null) that reached users and had started
   * by `at` (a rollout's errors start before its pipeline reports it finished). The version is
   * kept (the earliest `at` of the incident's events), so that a deployment that arrives later
   * becomes the cause then ({@link resolveIncidentVersionCauses}).
   */
  async insertIncidentVersionCauses(
    m: EntityManager,
    rows: readonly {
      incident_id: string;
      service_id: string;
      environment_id: string | null;
      version: string;
      at: string;
    }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await m.query(
      `INSERT INTO incident_version_causes (incident_id, service_id, environment_id, version, at)
       SELECT DISTINCT ON (v.incident_id, v.service_id, v.version)
              v.incident_id, v.service_id, v.environment_id, v.version, v.at
       FROM ${recordset(
         [
           ['incident_id', 'bigint'],
           ['service_id', 'bigint'],
           ['environment_id', 'bigint'],
           ['version', 'text'],
           ['at', 'timestamptz'],
         ],
         1,
       )}
       ORDER BY v.incident_id, v.service_id, v.version, v.at
       ON CONFLICT (incident_id, service_id, version) DO UPDATE SET
         at = LEAST(incident_version_causes.at, EXCLUDED.at),
         environment_id = COALESCE(incident_version_causes.environment_id, EXCLUDED.environment_id)`,
      [JSON.stringify(rows)],
    );
    await this.resolveIncidentVersionCauses(m, {
      incidentIds: [...new Set(rows.map((r) => r.incident_id))],
    });
  }

  /**
   * Makes the deployment each kept version names the incident's cause: for these incidents, or
   * for the incidents naming the service and version of these deployments (a deployment that
   * arrived after its incident).
   */
  async resolveIncidentVersionCauses(
    m: EntityManager,
    of: { incidentIds?: readonly string[]; deploymentIds?: readonly string[] },
  ): Promise<void> {
    const byIncident = of.incidentIds ?? [];
    const byDeployment = of.deploymentIds ?? [];
    if (byIncident.length === 0 && byDeployment.length === 0) return;
    await m.query(
      `INSERT INTO incident_causes (incident_id, deployment_source, deployment_external_id)
       SELECT DISTINCT v.incident_id, d.source, d.external_id
       FROM incident_version_causes v
       CROSS JOIN LATERAL (
         SELECT d.source, d.external_id FROM deployments d JOIN environments e ON e.id = d.environment_id
         WHERE d.service_id = v.service_id AND d.version = v.version
           AND d.status IN ('SUCCEEDED', 'ROLLED_BACK')
           AND (d.environment_id = v.environment_id
                OR (v.environment_id IS NULL AND e.tier = 'production'))
           AND COALESCE(d.started_at, d.finished_at, d.last_event_at) <= v.at
         ORDER BY COALESCE(d.finished_at, d.last_event_at) DESC, d.id DESC LIMIT 1
       ) d
       WHERE v.incident_id = ANY ($1::bigint[])
          OR (v.service_id, v.version) IN
             (SELECT service_id, version FROM deployments WHERE id = ANY ($2::bigint[]))
       ${EXPLICIT_CAUSE_WINS}`,
      [byIncident, byDeployment],
    );
  }
}

/** The rows as a JSON array, splicing each payload's JSON text in rather than re-encoding it. */
function rawEventsJson(rows: readonly RawEventRow[]): string {
  return `[${rows
    .map(({ payload, ...meta }) => `${payloadJson(meta).slice(0, -1)},"payload":${payload}}`)
    .join(',')}]`;
}
