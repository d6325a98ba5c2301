import type { DataSource } from 'typeorm';
import { computeChangeset } from '../../src/ingestion/changeset.calculator.js';
import type { DeploymentKind } from '../../src/ingestion/domain-events.js';

/**
 * DORA test data written straight into the delivery tables, with explicit times. Lead times and
 * changeset statuses come from the ingestion's own pure rule (computeChangeset), so a fixture
 * states only what CI would report. Every step is an `op`, so a test can apply them in any order
 * (events arrive in any order) and fold them into the DORA facts at any point.
 */

export interface FixtureService {
  readonly name: string;
  readonly namespace?: string;
  readonly team?: string;
}

export interface FixtureDeployment {
  readonly id: string;
  readonly service: string;
  readonly environment: string;
  readonly status: 'QUEUED' | 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'ROLLED_BACK';
  readonly kind?: DeploymentKind;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** When the current status was reported (for ROLLED_BACK: when it was rolled back); default finishedAt. */
  readonly statusAt?: string;
  /** SHAs of the changes it carries (from `changes`). */
  readonly changes?: readonly string[];
  /** The producer could not tell which changes it carries. */
  readonly changesetUnknown?: boolean;
  readonly remediates?: readonly { readonly deployment?: string; readonly incident?: string }[];
}

export interface FixtureIncident {
  readonly id: string;
  readonly services: readonly string[];
  readonly environment?: string;
  readonly impactStartedAt?: string;
  readonly detectedAt?: string;
  readonly mitigatedAt?: string;
  readonly resolvedAt?: string;
  readonly causedBy?: readonly {
    readonly deployment: string;
    readonly attribution?: 'EXPLICIT' | 'INFERRED' | 'CONFIRMED';
  }[];
}

export interface FixtureChange {
  readonly sha: string;
  readonly committedAt?: string;
  readonly authoredAt?: string;
  readonly prFirstCommitAt?: string;
  readonly pullRequest?: string;
  /** When its pull request was opened and merged. */
  readonly prCreatedAt?: string;
  readonly prMergedAt?: string;
}

export interface DoraFixture {
  readonly name: string;
  /** The hand computation of the expected figures. */
  readonly explanation?: readonly string[];
  readonly services: readonly FixtureService[];
  readonly environments: readonly { readonly name: string; readonly tier: string }[];
  readonly changes?: readonly FixtureChange[];
  readonly deployments: readonly FixtureDeployment[];
  readonly incidents?: readonly FixtureIncident[];
  readonly query?: Record<string, unknown>;
  readonly expected?: Record<string, unknown>;
}

export interface Op {
  readonly key: string;
  /** Keys of the ops that must run first (foreign keys). */
  readonly after: readonly string[];
  run(ds: DataSource, ids: Map<string, string>): Promise<void>;
}

const SOURCE = 'test';
const REACHED = new Set(['SUCCEEDED', 'ROLLED_BACK']);
const date = (iso: string | undefined): Date | null => (iso ? new Date(iso) : null);

async function insertId(ds: DataSource, sql: string, params: unknown[]): Promise<string> {
  const rows: { id: string }[] = await ds.query(sql, params);
  return rows[0].id;
}

/** Lead-time rows, changeset status and predecessor of each deployment, as ingestion stores them. */
function changesets(f: DoraFixture) {
  const tier = new Map(f.environments.map((e) => [e.name, e.tier]));
  const changes = new Map((f.changes ?? []).map((c) => [c.sha, c]));
  const reached = f.deployments
    .filter(
      (d) => REACHED.has(d.status) && d.finishedAt && tier.get(d.environment) === 'production',
    )
    .sort((a, b) => Date.parse(a.finishedAt!) - Date.parse(b.finishedAt!));
  const out = new Map<
    string,
    {
      predecessor: string | null;
      status: string;
      rows: { sha: string; lead: number | null; reason: string | null }[];
    }
  >();
  for (const [i, d] of reached.entries()) {
    const earlier = reached.slice(0, i).filter((e) => e.service === d.service);
    const predecessor = earlier.filter((e) => e.environment === d.environment).at(-1) ?? null;
    const deployedBefore = new Set(earlier.flatMap((e) => e.changes ?? []));
    const cs = computeChangeset({
      kind: d.kind ?? 'PLANNED',
      finishedAt: new Date(d.finishedAt!),
      predecessor: predecessor ? { id: predecessor.id, version: null } : null,
      origin: d.changesetUnknown ? null : 'FROM_EVENT',
      changes: (d.changes ?? []).map((sha) => {
        const c = changes.get(sha);
        if (!c)
          throw new Error(`fixture ${f.name}: deployment ${d.id} names unknown change ${sha}`);
        return {
          changeId: sha,
          sha,
          prFirstCommitAt: date(c.prFirstCommitAt),
          prCreatedAt: null,
          committedAt: date(c.committedAt),
          authoredAt: date(c.authoredAt),
          alreadyDeployed: deployedBefore.has(sha),
        };
      }),
    });
    out.set(d.id, {
      predecessor: predecessor?.id ?? null,
      status: cs.status,
      rows: cs.rows.map((r) => ({
        sha: r.changeId,
        lead: r.leadTimeSeconds,
        reason: r.excludedReason,
      })),
    });
  }
  return out;
}

/** The fixture as ops, in a natural order (services, changes, deployments, incidents). */
export function fixtureOps(f: DoraFixture): Op[] {
  const ops: Op[] = [];
  for (const e of f.environments) {
    ops.push({
      key: `env:${e.name}`,
      after: [],
      run: async (ds, ids) => {
        ids.set(
          `env:${e.name}`,
          await insertId(ds, 'INSERT INTO environments (name, tier) VALUES ($1, $2) RETURNING id', [
            e.name,
            e.tier,
          ]),
        );
      },
    });
  }
  for (const s of f.services) {
    ops.push({
      key: `svc:${s.name}`,
      after: [],
      run: async (ds, ids) => {
        ids.set(
          `svc:${s.name}`,
          await insertId(
            ds,
            'INSERT INTO services (name, namespace, team) VALUES ($1, $2, $3) RETURNING id',
            [s.name, s.namespace ?? '', s.team ?? null],
          ),
        );
      },
    });
  }
  for (const c of f.changes ?? []) {
    ops.push({
      key: `chg:${c.sha}`,
      after: [],
      run: async (ds, ids) => {
        ids.set(
          `chg:${c.sha}`,
          await insertId(
            ds,
            `INSERT INTO changes (repository, sha, committed_at, authored_at, pr_first_commit_at,
                                  pull_request_id, pr_created_at, pr_merged_at)
             VALUES ('repo', $1, $2, $3, $4, $5, $6, $7) RETURNING id`,
            [
              c.sha,
              date(c.committedAt),
              date(c.authoredAt),
              date(c.prFirstCommitAt),
              c.pullRequest ?? null,
              date(c.prCreatedAt),
              date(c.prMergedAt),
            ],
          ),
        );
      },
    });
  }
  const sets = changesets(f);
  for (const d of f.deployments) {
    // As CI reports it: started first, finished later, rolled back later still.
    const finishing = d.status !== 'QUEUED' && d.status !== 'IN_PROGRESS';
    ops.push({
      key: `dep:${d.id}`,
      after: [`svc:${d.service}`, `env:${d.environment}`],
      run: async (ds, ids) => {
        const started = date(d.startedAt) ?? date(d.finishedAt) ?? new Date();
        ids.set(
          `dep:${d.id}`,
          await insertId(
            ds,
            `INSERT INTO deployments (source, external_id, service_id, environment_id, status, kind,
                                      started_at, commit_shas, status_at, last_event_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7, $7) RETURNING id`,
            [
              SOURCE,
              d.id,
              ids.get(`svc:${d.service}`),
              ids.get(`env:${d.environment}`),
              finishing ? 'IN_PROGRESS' : d.status,
              d.kind ?? 'PLANNED',
              started,
              d.changes ?? [],
            ],
          ),
        );
      },
    });
    if (finishing) {
      ops.push({
        key: `fin:${d.id}`,
        after: [`dep:${d.id}`],
        run: async (ds, ids) => {
          const finished = date(d.finishedAt);
          await ds.query(
            `UPDATE deployments SET status = $2, finished_at = $3, status_at = coalesce($3, status_at),
                                    last_event_at = coalesce($3, last_event_at)
             WHERE id = $1`,
            [ids.get(`dep:${d.id}`), d.status === 'ROLLED_BACK' ? 'SUCCEEDED' : d.status, finished],
          );
        },
      });
    }
    if (d.status === 'ROLLED_BACK') {
      ops.push({
        key: `rb:${d.id}`,
        after: [`fin:${d.id}`],
        run: async (ds, ids) => {
          await ds.query(
            `UPDATE deployments SET status = 'ROLLED_BACK', status_at = coalesce($2, finished_at),
                                    last_event_at = coalesce($2, finished_at)
             WHERE id = $1`,
            [ids.get(`dep:${d.id}`), date(d.statusAt)],
          );
        },
      });
    }
    const cs = sets.get(d.id);
    if (cs) {
      ops.push({
        key: `changeset:${d.id}`,
        after: [
          `fin:${d.id}`,
          ...(cs.predecessor ? [`dep:${cs.predecessor}`] : []),
          ...cs.rows.map((r) => `chg:${r.sha}`),
        ],
        run: async (ds, ids) => {
          await ds.query(
            `UPDATE deployments SET predecessor_id = $2, changeset_status = $3 WHERE id = $1`,
            [
              ids.get(`dep:${d.id}`),
              cs.predecessor ? ids.get(`dep:${cs.predecessor}`) : null,
              cs.status,
            ],
          );
          for (const r of cs.rows) {
            await ds.query(
              `INSERT INTO deployment_changes (deployment_id, change_id, lead_time_seconds, excluded_reason)
               VALUES ($1, $2, $3, $4)`,
              [ids.get(`dep:${d.id}`), ids.get(`chg:${r.sha}`), r.lead, r.reason],
            );
          }
        },
      });
    }
    for (const [i, target] of (d.remediates ?? []).entries()) {
      ops.push({
        key: `rem:${d.id}:${i}`,
        after: [`dep:${d.id}`],
        run: async (ds, ids) => {
          await ds.query(
            `INSERT INTO deployment_remediations (deployment_id, target_kind, target_source, target_external_id)
             VALUES ($1, $2, $3, $4)`,
            [
              ids.get(`dep:${d.id}`),
              target.deployment ? 'DEPLOYMENT' : 'INCIDENT',
              SOURCE,
              target.deployment ?? target.incident,
            ],
          );
        },
      });
    }
  }
  for (const inc of f.incidents ?? []) {
    ops.push({
      key: `inc:${inc.id}`,
      after: inc.environment ? [`env:${inc.environment}`] : [],
      run: async (ds, ids) => {
        ids.set(
          `inc:${inc.id}`,
          await insertId(
            ds,
            `INSERT INTO incidents (source, external_id, environment_id, impact_started_at, detected_at,
                                    mitigated_at, resolved_at, last_event_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce($5, $4, now())) RETURNING id`,
            [
              SOURCE,
              inc.id,
              inc.environment ? ids.get(`env:${inc.environment}`) : null,
              date(inc.impactStartedAt),
              date(inc.detectedAt),
              date(inc.mitigatedAt),
              date(inc.resolvedAt),
            ],
          ),
        );
      },
    });
    for (const s of inc.services) {
      ops.push({
        key: `incsvc:${inc.id}:${s}`,
        after: [`inc:${inc.id}`, `svc:${s}`],
        run: async (ds, ids) => {
          await ds.query(
            'INSERT INTO incident_services (incident_id, service_id) VALUES ($1, $2)',
            [ids.get(`inc:${inc.id}`), ids.get(`svc:${s}`)],
          );
        },
      });
    }
    for (const c of inc.causedBy ?? []) {
      ops.push({
        key: `cause:${inc.id}:${c.deployment}`,
        after: [`inc:${inc.id}`],
        run: async (ds, ids) => {
          await ds.query(
            `INSERT INTO incident_causes (incident_id, deployment_source, deployment_external_id, attribution)
             VALUES ($1, $2, $3, $4)`,
            [ids.get(`inc:${inc.id}`), SOURCE, c.deployment, c.attribution ?? 'EXPLICIT'],
          );
        },
      });
    }
  }
  return ops;
}

/** Folds every pending change into the DORA facts (what the app does before each report). */
export async function refreshDora(ds: DataSource): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const [{ r }]: { r: { remaining: number } }[] = await ds.query('SELECT dora_refresh() AS r');
    if (r.remaining === 0) return;
  }
  throw new Error('dora_refresh did not drain');
}

/** Applies the fixture in its natural order; returns fixture keys -> database ids. */
export async function loadFixture(ds: DataSource, f: DoraFixture): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const op of fixtureOps(f)) await op.run(ds, ids);
  return ids;
}
