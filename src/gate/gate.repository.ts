import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { EnvironmentTier } from '../ingestion/domain-events.js';
import { VERDICT_INCIDENT_PREFIX, VERDICT_SOURCE } from '../verification/verdict.service.js';
import type { GateFacts, GateIncident, GateWave } from './gate.rule.js';

/** The facts of the gate that live in PostgreSQL, read with a few keyed queries. */
@Injectable()
export class GateRepository {
  constructor(private readonly dataSource: DataSource) {}

  async serviceId(name: string, namespace: string): Promise<string | null> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM services WHERE name = $1 AND namespace = $2`,
      [name, namespace],
    );
    return rows[0] ? String(rows[0].id) : null;
  }

  async environment(name: string): Promise<{ id: string; tier: EnvironmentTier } | null> {
    const rows: { id: string; tier: EnvironmentTier }[] = await this.dataSource.query(
      `SELECT id, tier FROM environments WHERE name = $1`,
      [name],
    );
    return rows[0] ? { id: String(rows[0].id), tier: rows[0].tier } : null;
  }

  /**
   * Open (unresolved) incidents that name the service here or nowhere in particular, and those
   * of the environment; newest first, at most 20.
   */
  async openIncidents(
    serviceId: string | null,
    environmentId: string | null,
  ): Promise<GateIncident[]> {
    const rows: {
      id: string;
      external_id: string;
      title: string | null;
      severity: string | null;
      names_service: boolean;
      from_failed_verdict: boolean;
    }[] = await this.dataSource.query(
      `SELECT i.id, i.external_id, i.title, i.severity,
              (i.source = $3 AND starts_with(i.external_id, $4)) AS from_failed_verdict,
              EXISTS (SELECT 1 FROM incident_services s
                       WHERE s.incident_id = i.id AND s.service_id = $1::bigint) AS names_service
         FROM incidents i
        WHERE i.resolved_at IS NULL
          AND ((i.environment_id IS NULL OR i.environment_id = $2::bigint)
                AND EXISTS (SELECT 1 FROM incident_services s
                             WHERE s.incident_id = i.id AND s.service_id = $1::bigint)
               OR i.environment_id = $2::bigint)
        ORDER BY i.id DESC
        LIMIT 20`,
      [serviceId, environmentId, VERDICT_SOURCE, VERDICT_INCIDENT_PREFIX],
    );
    return rows.map((r) => ({
      id: String(r.id),
      externalId: r.external_id,
      title: r.title,
      severity: r.severity,
      namesService: r.names_service,
      fromFailedVerdict: r.from_failed_verdict,
    }));
  }

  /**
   * With a target, the running verifications and the latest verdict are those of that target or
   * of the whole environment: another wave's verification is not ended by this one (its verdict
   * speaks through waves()).
   */
  async verifications(
    serviceId: string,
    environmentId: string,
    version: string | null,
    target: string | null = null,
  ): Promise<Pick<GateFacts, 'runningVerifications' | 'latestVerdict' | 'failedVersion'>> {
    const [running, latest, failed] = await Promise.all([
      this.dataSource.query<{ deployment_id: string; version: string | null }[]>(
        `SELECT deployment_id, version FROM release_verifications
          WHERE service_id = $1 AND environment_id = $2 AND state = 'RUNNING'
            AND ($3::text IS NULL OR target IS NULL OR target = $3)
          ORDER BY id DESC LIMIT 5`,
        [serviceId, environmentId, target],
      ),
      this.dataSource.query<{ state: string; version: string | null; finished_at: Date }[]>(
        `SELECT state, version, finished_at FROM release_verifications
          WHERE service_id = $1 AND environment_id = $2 AND state <> 'RUNNING'
            AND finished_at IS NOT NULL
            AND ($3::text IS NULL OR target IS NULL OR target = $3)
          ORDER BY finished_at DESC LIMIT 1`,
        [serviceId, environmentId, target],
      ),
      version === null
        ? Promise.resolve([])
        : this.dataSource.query<{ deployment_id: string; name: string; finished_at: Date }[]>(
            `SELECT v.deployment_id, e.name, v.finished_at FROM release_verifications v
               JOIN environments e ON e.id = v.environment_id
              WHERE v.service_id = $1 AND v.version = $2 AND v.state = 'FAILED'
              ORDER BY v.finished_at DESC LIMIT 1`,
            [serviceId, version],
          ),
    ]);
    return {
      runningVerifications: running.map((r) => ({
        deploymentId: String(r.deployment_id),
        version: r.version,
      })),
      latestVerdict: latest[0]
        ? {
            verdict: latest[0].state,
            version: latest[0].version,
            finishedAt: new Date(latest[0].finished_at),
          }
        : null,
      failedVersion: failed[0]
        ? {
            deploymentId: String(failed[0].deployment_id),
            environment: failed[0].name,
            finishedAt: new Date(failed[0].finished_at),
          }
        : null,
    };
  }

  /**
   * The other waves of a multi-target release: per other target, the latest deployment of the
   * service, environment and version there, with its latest verification's state.
   */
  async waves(
    serviceId: string,
    environmentId: string,
    version: string,
    target: string,
  ): Promise<GateWave[]> {
    const rows: {
      id: string;
      target: string;
      status: string;
      verification: string | null;
    }[] = await this.dataSource.query(
      `SELECT DISTINCT ON (d.target) d.id, d.target, d.status, v.state AS verification
         FROM deployments d
         LEFT JOIN LATERAL (SELECT r.state FROM release_verifications r
                             WHERE r.deployment_id = d.id ORDER BY r.id DESC LIMIT 1) v ON true
        WHERE d.service_id = $1 AND d.environment_id = $2 AND d.version = $3
          AND d.target IS NOT NULL AND d.target <> $4
        ORDER BY d.target, d.last_event_at DESC, d.id DESC
        LIMIT 50`,
      [serviceId, environmentId, version, target],
    );
    return rows.map((r) => ({
      target: r.target,
      deploymentId: String(r.id),
      status: r.status,
      verification: r.verification,
    }));
  }
}
