import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Cursor } from './cursor.js';
import type { DbRow } from './delivery.mappers.js';
import type {
  DeploymentsArgs,
  IncidentsArgs,
  PipelineRunsArgs,
  ServicesArgs,
} from './dto/list.args.js';

/** The sort keys of the lists; the same expressions back the ix_*_sort indexes. */
export const DEPLOYMENT_SORT = 'COALESCE(d.finished_at, d.started_at, d.last_event_at)';
export const RUN_SORT = 'COALESCE(r.finished_at, r.started_at, r.last_event_at)';
export const INCIDENT_SORT = 'COALESCE(i.impact_started_at, i.detected_at, i.last_event_at)';

/** WHERE clauses with numbered parameters; absent filters add nothing. */
class Where {
  readonly params: unknown[] = [];
  private readonly clauses: string[] = [];

  /** `clause` uses `?` for each value, in order. */
  add(clause: string, ...values: unknown[]): this {
    if (values.some((v) => v === undefined || v === null)) return this;
    this.clauses.push(clause.replace(/\?/g, () => `$${this.params.push(values.shift())}`));
    return this;
  }

  /**
   * Rows after the cursor: `(sort, id) < cursor` in a newest-first list (a time cursor),
   * `(sort, id) > cursor` in a list by name (a name cursor).
   */
  after(sort: string, id: string, cursor: Cursor<Date | string> | null): this {
    if (!cursor) return this;
    return cursor.at instanceof Date
      ? this.add(`(${sort}, ${id}) < (?::timestamptz, ?::bigint)`, cursor.at, cursor.id)
      : this.add(`(${sort}, ${id}) > (?::text, ?::bigint)`, cursor.at, cursor.id);
  }

  get sql(): string {
    return this.clauses.length > 0 ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }

  param(value: unknown): string {
    return `$${this.params.push(value)}`;
  }
}

/** Read queries of the delivery domain; lists are keyset-paginated (events newest first). */
@Injectable()
export class DeliveryRepository {
  constructor(private readonly db: DataSource) {}

  private q(sql: string, params: unknown[] = []): Promise<DbRow[]> {
    return this.db.query<DbRow[]>(sql, params);
  }

  services(args: ServicesArgs, cursor: Cursor<string> | null, limit: number): Promise<DbRow[]> {
    const w = new Where()
      .add('s.team = ?', args.team)
      .add('s.namespace = ?', args.namespace)
      .after('s.name', 's.id', cursor);
    return this.q(
      `SELECT s.* FROM services s ${w.sql} ORDER BY s.name, s.id LIMIT ${w.param(limit)}`,
      w.params,
    );
  }

  deployments(args: DeploymentsArgs, cursor: Cursor | null, limit: number): Promise<DbRow[]> {
    const w = new Where()
      .add('s.name = ?', args.service)
      .add('s.namespace = ?', args.namespace)
      .add('e.name = ?', args.environment)
      .add('e.tier = ?', args.environmentTier)
      .add('d.status = ANY(?::text[])', args.status)
      .add('d.kind = ANY(?::text[])', args.kind)
      .add(`${DEPLOYMENT_SORT} >= ?`, args.from)
      .add(`${DEPLOYMENT_SORT} < ?`, args.to)
      .after(DEPLOYMENT_SORT, 'd.id', cursor);
    return this.q(
      `SELECT d.*, ${DEPLOYMENT_SORT} AS sort_at FROM deployments d
       JOIN services s ON s.id = d.service_id JOIN environments e ON e.id = d.environment_id
       ${w.sql} ORDER BY ${DEPLOYMENT_SORT} DESC, d.id DESC LIMIT ${w.param(limit)}`,
      w.params,
    );
  }

  pipelineRuns(args: PipelineRunsArgs, cursor: Cursor | null, limit: number): Promise<DbRow[]> {
    const w = new Where()
      .add('r.source = ?', args.source)
      .add('r.repository = ?', args.repository)
      .add('r.pipeline_name = ?', args.pipelineName)
      .add('r.commit_sha = ?', args.commitSha?.toLowerCase())
      .add('r.status = ?', args.status)
      .add('r.outcome = ?', args.outcome)
      .add(`${RUN_SORT} >= ?`, args.from)
      .add(`${RUN_SORT} < ?`, args.to)
      .after(RUN_SORT, 'r.id', cursor);
    return this.q(
      `SELECT r.*, ${RUN_SORT} AS sort_at FROM pipeline_runs r
       ${w.sql} ORDER BY ${RUN_SORT} DESC, r.id DESC LIMIT ${w.param(limit)}`,
      w.params,
    );
  }

  incidents(args: IncidentsArgs, cursor: Cursor | null, limit: number): Promise<DbRow[]> {
    const w = new Where()
      .add(
        `EXISTS (SELECT 1 FROM incident_services x JOIN services s ON s.id = x.service_id
                 WHERE x.incident_id = i.id AND s.name = ?)`,
        args.service,
      )
      .add(
        `EXISTS (SELECT 1 FROM incident_services x JOIN services s ON s.id = x.service_id
                 WHERE x.incident_id = i.id AND s.namespace = ?)`,
        args.namespace,
      )
      .add('e.name = ?', args.environment)
      .add(`${INCIDENT_SORT} >= ?`, args.from)
      .add(`${INCIDENT_SORT} < ?`, args.to)
      .after(INCIDENT_SORT, 'i.id', cursor);
    if (args.open === true) w.add('i.resolved_at IS NULL');
    if (args.open === false) w.add('i.resolved_at IS NOT NULL');
    return this.q(
      `SELECT i.*, ${INCIDENT_SORT} AS sort_at FROM incidents i
       LEFT JOIN environments e ON e.id = i.environment_id
       ${w.sql} ORDER BY ${INCIDENT_SORT} DESC, i.id DESC LIMIT ${w.param(limit)}`,
      w.params,
    );
  }

  deploymentsByIds(ids: readonly string[]): Promise<DbRow[]> {
    return this.q(`SELECT d.* FROM deployments d WHERE d.id = ANY($1::bigint[])`, [ids]);
  }

  /** Keys are `source\u0000external_id`. */
  deploymentsByKeys(keys: readonly string[]): Promise<DbRow[]> {
    return this.q(
      `SELECT d.* FROM deployments d
       JOIN unnest($1::text[], $2::text[]) AS k(source, external_id) USING (source, external_id)`,
      splitKeys(keys),
    );
  }

  /**
   * The targets of the multi-target releases the (targeted) deployments belong to: each
   * deployment of the same service, environment and version with a target, with the state of
   * its latest verification. Keyed by `of_id`.
   */
  releaseTargetsOfDeployments(ids: readonly string[]): Promise<DbRow[]> {
    return this.q(
      `SELECT x.id AS of_id, s.id, s.target, s.status, s.finished_at, v.state AS verification
       FROM deployments x
       JOIN deployments s ON s.service_id = x.service_id AND s.environment_id = x.environment_id
        AND s.version = x.version AND s.target IS NOT NULL
       LEFT JOIN LATERAL (SELECT r.state FROM release_verifications r
                          WHERE r.deployment_id = s.id ORDER BY r.id DESC LIMIT 1) v ON true
       WHERE x.id = ANY($1::bigint[]) AND x.target IS NOT NULL
       ORDER BY s.finished_at NULLS LAST, s.id`,
      [ids],
    );
  }

  servicesByIds(ids: readonly string[]): Promise<DbRow[]> {
    return this.q(`SELECT * FROM services WHERE id = ANY($1::bigint[])`, [ids]);
  }

  environmentsByIds(ids: readonly string[]): Promise<DbRow[]> {
    return this.q(`SELECT * FROM environments WHERE id = ANY($1::bigint[])`, [ids]);
  }

  changesOfDeployments(ids: readonly string[]): Promise<DbRow[]> {
    return this.q(
      `SELECT dc.deployment_id, dc.lead_time_seconds, dc.excluded_reason, c.*
       FROM deployment_changes dc JOIN changes c ON c.id = dc.change_id
       WHERE dc.deployment_id = ANY($1::bigint[])
       ORDER BY COALESCE(c.committed_at, c.authored_at, c.pr_merged_at), c.id`,
      [ids],
    );
  }

  remediationsOfDeployments(ids: readonly string[]): Promise<DbRow[]> {
    return this.q(
      `SELECT * FROM deployment_remediations WHERE deployment_id = ANY($1::bigint[])
       ORDER BY target_kind, target_source, target_external_id`,
      [ids],
    );
  }

  /** The latest attempt of each run; keys are `source\u0000run_id`. */
  latestRunsByKeys(keys: readonly string[]): Promise<DbRow[]> {
    return this.q(
      `SELECT DISTINCT ON (r.source, r.run_id) r.*
       FROM pipeline_runs r JOIN unnest($1::text[], $2::text[]) AS k(source, run_id) USING (source, run_id)
       ORDER BY r.source, r.run_id, r.attempt DESC`,
      splitKeys(keys),
    );
  }

  /** Incidents caused by deployments (a rejected link is none); keys are `source\u0000external_id`. */
  incidentsByDeploymentKeys(keys: readonly string[]): Promise<DbRow[]> {
    return this.q(
      `SELECT i.*, c.deployment_source AS cause_source, c.deployment_external_id AS cause_external_id
       FROM incident_causes c JOIN incidents i ON i.id = c.incident_id
       JOIN unnest($1::text[], $2::text[]) AS k(source, external_id)
         ON c.deployment_source = k.source AND c.deployment_external_id = k.external_id
       WHERE c.attribution <> 'REJECTED'
       ORDER BY ${INCIDENT_SORT} DESC, i.id DESC`,
      splitKeys(keys),
    );
  }

  servicesOfIncidents(ids: readonly string[]): Promise<DbRow[]> {
    return this.q(
      `SELECT x.incident_id, s.* FROM incident_services x JOIN services s ON s.id = x.service_id
       WHERE x.incident_id = ANY($1::bigint[]) ORDER BY s.name, s.namespace`,
      [ids],
    );
  }

  causesOfIncidents(ids: readonly string[]): Promise<DbRow[]> {
    return this.q(
      `SELECT c.*, EXISTS (SELECT 1 FROM deployments d
                           WHERE d.source = c.deployment_source AND d.external_id = c.deployment_external_id) AS resolved
       FROM incident_causes c WHERE c.incident_id = ANY($1::bigint[])
       ORDER BY c.deployment_source, c.deployment_external_id`,
      [ids],
    );
  }
}

function splitKeys(keys: readonly string[]): [string[], string[]] {
  const parts = keys.map((k) => k.split('\u0000'));
  return [parts.map((p) => p[0]), parts.map((p) => p[1])];
}
