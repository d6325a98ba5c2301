import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { DbRow } from '../delivery/delivery.mappers.js';

const INCIDENT_AT = 'dora_incident_at(i.detected_at, i.impact_started_at, i.created_at)';

/** The SQL of incident triage: the links waiting for a person, decisions and their audit. */
@Injectable()
export class TriageRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Every link of the incidents detected in [since, until): the causes their events name (with
   * whether the deployment is known), the decisions taken, and, for an incident with no known
   * cause, the deployments whose attribution window it falls in (the same rule as DORA's
   * `suspected`, dora_window_deployments).
   */
  links(since: Date, until: Date, statuses: readonly string[], limit: number): Promise<DbRow[]> {
    return this.dataSource.query(
      `WITH inc AS (
         SELECT i.*, ${INCIDENT_AT} AS at FROM incidents i
         WHERE ${INCIDENT_AT} >= $1 AND ${INCIDENT_AT} < $2
       ),
       named AS (
         SELECT c.incident_id, c.deployment_source, c.deployment_external_id, c.attribution,
                EXISTS (SELECT 1 FROM deployments x
                        WHERE x.source = c.deployment_source AND x.external_id = c.deployment_external_id) AS known
         FROM inc JOIN incident_causes c ON c.incident_id = inc.id
       ),
       windowed AS (
         SELECT DISTINCT inc.id AS incident_id, x.source, x.external_id
         FROM inc JOIN incident_services s ON s.incident_id = inc.id
         CROSS JOIN LATERAL dora_window_deployments(s.service_id, inc.environment_id, inc.at) w
         JOIN deployments x ON x.id = w.deployment_id
         WHERE NOT dora_incident_has_cause(inc.id)
       ),
       links AS (
         SELECT n.incident_id, n.deployment_source, n.deployment_external_id,
                CASE WHEN n.attribution IN ('CONFIRMED','REJECTED') THEN n.attribution
                     WHEN NOT n.known THEN 'UNRESOLVED'
                     WHEN n.attribution = 'INFERRED' THEN 'SUSPECTED'
                     ELSE 'EXPLICIT' END AS status,
                CASE WHEN n.attribution IN ('CONFIRMED','REJECTED') THEN 'REVIEWED'
                     WHEN n.attribution = 'INFERRED' AND EXISTS (
                       SELECT 1 FROM verification_late_regressions r
                         JOIN release_verifications v ON v.id = r.verification_id
                         JOIN deployments x ON x.id = v.deployment_id
                        WHERE r.incident_id = n.incident_id AND x.source = n.deployment_source
                          AND x.external_id = n.deployment_external_id) THEN 'LATE_REGRESSION'
                     WHEN n.attribution = 'INFERRED' THEN 'INFERRED_CAUSE'
                     ELSE 'NAMED_BY_EVENT' END AS reason
         FROM named n
         UNION ALL
         SELECT w.incident_id, w.source, w.external_id, 'SUSPECTED', 'INCIDENT_IN_WINDOW'
         FROM windowed w
         WHERE NOT EXISTS (SELECT 1 FROM incident_causes c WHERE c.incident_id = w.incident_id
                             AND c.deployment_source = w.source AND c.deployment_external_id = w.external_id)
       )
       SELECT l.deployment_source AS link_deployment_source,
              l.deployment_external_id AS link_deployment_external_id,
              l.status AS link_status, l.reason AS link_reason, inc.*
       FROM links l JOIN inc ON inc.id = l.incident_id
       WHERE l.status = ANY ($3::text[])
       ORDER BY inc.at DESC, inc.id DESC, l.deployment_source, l.deployment_external_id
       LIMIT $4`,
      [since, until, statuses, limit],
    );
  }

  /** The incident, locked until the decision commits (decisions on one incident queue up). */
  async lockIncident(m: EntityManager, id: string): Promise<boolean> {
    const rows = await m.query<DbRow[]>(`SELECT id FROM incidents WHERE id = $1 FOR UPDATE`, [id]);
    return rows.length > 0;
  }

  async deploymentKey(
    m: EntityManager,
    id: string,
  ): Promise<{ source: string; externalId: string } | null> {
    const [row] = await m.query<DbRow[]>(
      `SELECT source, external_id FROM deployments WHERE id = $1`,
      [id],
    );
    return row ? { source: row.source as string, externalId: row.external_id as string } : null;
  }

  async attribution(
    m: EntityManager,
    incidentId: string,
    source: string,
    externalId: string,
  ): Promise<string | null> {
    const [row] = await m.query<DbRow[]>(
      `SELECT attribution FROM incident_causes
       WHERE incident_id = $1 AND deployment_source = $2 AND deployment_external_id = $3`,
      [incidentId, source, externalId],
    );
    return (row?.attribution as string | undefined) ?? null;
  }

  async setAttribution(
    m: EntityManager,
    incidentId: string,
    source: string,
    externalId: string,
    attribution: 'CONFIRMED' | 'REJECTED',
  ): Promise<void> {
    await m.query(
      `INSERT INTO incident_causes (incident_id, deployment_source, deployment_external_id, attribution)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (incident_id, deployment_source, deployment_external_id) DO UPDATE
         SET attribution = EXCLUDED.attribution
         WHERE incident_causes.attribution NOT IN ('EXPLICIT', EXCLUDED.attribution)`,
      [incidentId, source, externalId, attribution],
    );
  }

  async insertReview(
    m: EntityManager,
    review: {
      incidentId: string;
      source: string;
      externalId: string;
      decision: string;
      previous: string | null;
      attribution: string;
      reason: string;
      actor: string;
      actorName: string;
    },
  ): Promise<DbRow> {
    const [row] = await m.query<DbRow[]>(
      `INSERT INTO incident_cause_reviews (incident_id, deployment_source, deployment_external_id,
         decision, previous_attribution, attribution, reason, actor, actor_name)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       RETURNING *`,
      [
        review.incidentId,
        review.source,
        review.externalId,
        review.decision,
        review.previous,
        review.attribution,
        review.reason,
        review.actor,
        review.actorName,
      ],
    );
    return row;
  }

  reviewsOfIncidents(ids: readonly string[]): Promise<DbRow[]> {
    return this.dataSource.query(
      `SELECT * FROM incident_cause_reviews WHERE incident_id = ANY ($1::bigint[])
       ORDER BY reviewed_at, id`,
      [ids],
    );
  }
}
