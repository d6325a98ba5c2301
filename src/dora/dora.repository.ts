import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { DeploymentInstant } from '../gate/freezes/frozen-deployment.rule.js';
import type { DoraReportRow } from './dora-report.calculator.js';
import type { DoraFlow, DoraLeadTimeStage, DoraRequest } from './models/dora-metrics.model.js';

/** What one dora_refresh() call did, with the fact transitions metrics observe. */
export interface DoraRefreshResult {
  readonly rebuilt: boolean;
  readonly marks?: number;
  readonly remaining: number;
  readonly failures?: readonly { readonly service: string; readonly tier: string }[];
  readonly recoveries?: readonly {
    readonly service: string;
    readonly tier: string;
    readonly seconds: number;
  }[];
  readonly leadTimes?: readonly {
    readonly service: string;
    readonly tier: string;
    readonly seconds: number;
  }[];
}

export interface DoraReportParams {
  readonly from: Date;
  readonly to: Date;
  readonly timezone: string;
  readonly granularity: 'day' | 'week' | 'month';
  readonly tier: string;
  readonly services: readonly string[] | null;
  readonly teams: readonly string[] | null;
  readonly weekStart: number;
  /** The failure and rework attributions counted; null: every one. */
  readonly attributions: readonly string[] | null;
}

export interface ServiceGauges {
  readonly service: string;
  readonly deploymentsPerDay: number;
  readonly leadTimeP50Seconds: number | null;
  readonly changeFailureRate: number | null;
  readonly recoveryP50Seconds: number | null;
  readonly reworkRate: number | null;
}

/** Second advisory lock key (the first, dora_lock_key(), serialises refreshes). */
const GAUGES_LOCK_KEY = 1146049090;

const camel = (key: string): string =>
  key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function camelRow<T>(row: Record<string, unknown>): T {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [camel(k), v])) as T;
}

/** The SQL side of DORA: the functions of migrations/1764600000000-DoraMetrics.ts. */
@Injectable()
export class DoraRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Folds up to `maxMarks` pending changes into the facts and rollups (one transaction). */
  async refreshOnce(maxMarks: number): Promise<DoraRefreshResult> {
    const rows: { result: DoraRefreshResult }[] = await this.dataSource.query(
      'SELECT dora_refresh($1) AS result',
      [maxMarks],
    );
    return rows[0].result;
  }

  async pendingChanges(): Promise<number> {
    const rows: { n: number }[] = await this.dataSource.query(
      'SELECT count(*)::int AS n FROM dora_dirty',
    );
    return rows[0].n;
  }

  async report(p: DoraReportParams): Promise<DoraReportRow[]> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT * FROM dora_report($1, $2, $3, $4, $5, $6, $7, $8, $9) ORDER BY bucket_index`,
      [
        p.from,
        p.to,
        p.timezone,
        p.granularity,
        p.tier,
        p.services,
        p.teams,
        p.weekStart,
        p.attributions,
      ],
    );
    return rows.map((row) => camelRow<DoraReportRow>(row));
  }

  /**
   * dora_flow_figures and dora_lead_time_stages: time between deployments, batch size and
   * lead-time stages (docs/dora.md, "Flow figures").
   */
  async flow(p: DoraRequest): Promise<Omit<DoraFlow, 'deploymentsDuringFreezes'>> {
    const args = [p.from, p.to, p.tier, p.services, p.teams];
    const [[row], stages] = await Promise.all([
      this.dataSource.query<Record<string, unknown>[]>(
        `SELECT * FROM dora_flow_figures($1, $2, $3, $4, $5)`,
        args,
      ),
      this.dataSource.query<Record<string, unknown>[]>(
        `SELECT * FROM dora_lead_time_stages($1, $2, $3, $4, $5)`,
        args,
      ),
    ]);
    return {
      ...camelRow<Omit<DoraFlow, 'leadTimeStages' | 'deploymentsDuringFreezes'>>(row),
      leadTimeStages: stages.map((s) => camelRow<DoraLeadTimeStage>(s)),
    };
  }

  /** The deployments dora_flow_figures counts: who, where and when they finished. */
  async scopedDeployments(p: DoraRequest): Promise<DeploymentInstant[]> {
    const rows = await this.dataSource.query<
      { service: string; namespace: string; environment: string; finished_at: Date }[]
    >(
      `SELECT s.name AS service, s.namespace, e.name AS environment, f.finished_at
         FROM dora_scoped_deployments($1, $2, $3, $4, $5) f
         JOIN deployments d ON d.id = f.deployment_id
         JOIN services s ON s.id = f.service_id
         JOIN environments e ON e.id = d.environment_id`,
      [p.from, p.to, p.tier, p.services, p.teams],
    );
    return rows.map((r) => ({ ...r, at: new Date(r.finished_at) }));
  }

  /** Labels of the services a filter matches, and the service entries that matched nothing. */
  async resolveServices(
    services: readonly string[] | null,
    teams: readonly string[] | null,
  ): Promise<{ matched: string[] | null; unmatched: string[] }> {
    const rows: { matched: string[] | null; unmatched: string[] }[] = await this.dataSource.query(
      `SELECT (SELECT array_agg(dora_service_label(id) ORDER BY dora_service_label(id)) FROM unnest(dora_scope_services($1, $2)) AS id)
                AS matched,
              ARRAY(SELECT e FROM unnest(coalesce($1::text[], '{}')) AS e
                    WHERE NOT EXISTS (SELECT 1 FROM services s
                                      WHERE s.name = e OR (s.namespace <> '' AND s.namespace || '/' || s.name = e)))
                AS unmatched`,
      [services, teams],
    );
    const scoped = (services?.length ?? 0) > 0 || (teams?.length ?? 0) > 0;
    return { matched: scoped ? (rows[0].matched ?? []) : null, unmatched: rows[0].unmatched };
  }

  /**
   * Recomputes the per-service gauge snapshot over [from, to) if no other replica is doing it
   * (non-blocking advisory lock) and the stored one is older than `maxAgeMs`.
   */
  async claimAndStoreGauges(from: Date, to: Date, maxAgeMs: number): Promise<boolean> {
    return this.dataSource.transaction(async (m) => {
      const [{ claimed }]: { claimed: boolean }[] = await m.query(
        'SELECT pg_try_advisory_xact_lock($1) AS claimed',
        [GAUGES_LOCK_KEY],
      );
      if (!claimed) return false;
      const [{ fresh }]: { fresh: boolean }[] = await m.query(
        `SELECT coalesce(max(computed_at) > $1::timestamptz - $2 * interval '1 millisecond', false) AS fresh
         FROM dora_service_gauges`,
        [to, maxAgeMs],
      );
      if (fresh) return false;
      await m.query('DELETE FROM dora_service_gauges');
      await m.query(
        `INSERT INTO dora_service_gauges
           SELECT s.service_id, s.service, s.deployments_per_day, s.lead_time_p50_seconds,
                  s.change_failure_rate, s.recovery_p50_seconds, s.rework_rate, $2::timestamptz
           FROM dora_service_summary($1, $2, 'production') s`,
        [from, to],
      );
      return true;
    });
  }

  /**
   * The services with the most deployments (any environment) since `since`, most active first,
   * then most recently active; at most `limit`. As `namespace/name`, or `name` without namespace.
   */
  async mostActiveServices(since: Date, limit: number): Promise<string[]> {
    const rows: { service: string }[] = await this.dataSource.query(
      `SELECT CASE WHEN s.namespace = '' THEN s.name ELSE s.namespace || '/' || s.name END AS service
       FROM deployments d JOIN services s ON s.id = d.service_id
       WHERE COALESCE(d.finished_at, d.started_at, d.last_event_at) >= $1
       GROUP BY s.id
       ORDER BY count(*) DESC, max(COALESCE(d.finished_at, d.started_at, d.last_event_at)) DESC,
                service
       LIMIT $2`,
      [since, limit],
    );
    return rows.map((r) => r.service);
  }

  async readGauges(): Promise<ServiceGauges[]> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT service, deployments_per_day, lead_time_p50_seconds, change_failure_rate,
              recovery_p50_seconds, rework_rate
       FROM dora_service_gauges ORDER BY service`,
    );
    return rows.map((row) => camelRow<ServiceGauges>(row));
  }
}
