import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DEFINITIONS, TRIGGERS } from './1764600000000-DoraMetrics.js';
import { COMPUTE_FACTS } from './1765400000000-DoraInference.js';
import { patchSql } from './sql-patch.js';

/**
 * Incident triage (docs/dora.md, "Incident triage"; definition version `shipwatch-dora/3`).
 *
 * - `incident_causes.attribution` may be REJECTED: a person said this deployment did not cause
 *   the incident. A rejected link counts nowhere and ends the window suspicion of that pair.
 * - `incident_cause_reviews`: the audit of every confirmation and rejection (who, when, why).
 * - `api_tokens.scopes` may hold `triage`.
 * - A cause counts only once it names a known deployment: an unresolved `causedBy` neither
 *   attributes its incident nor hides the deployments whose attribution window it falls in.
 *   The deployment's arrival marks the incidents that named it, so both follow at once.
 */

/** A non-rejected cause of the incident that names a deployment Shipwatch knows. */
const HAS_CAUSE = `CREATE FUNCTION dora_incident_has_cause(p_incident_id bigint) RETURNS boolean
   LANGUAGE sql STABLE AS $$
     SELECT EXISTS (
       SELECT 1 FROM incident_causes c
       JOIN deployments x ON x.source = c.deployment_source AND x.external_id = c.deployment_external_id
       WHERE c.incident_id = p_incident_id AND c.attribution <> 'REJECTED')
   $$`;

/** A person rejected this deployment as the incident's cause. */
const REJECTED = `CREATE FUNCTION dora_cause_rejected(p_incident_id bigint, p_deployment_id bigint)
   RETURNS boolean LANGUAGE sql STABLE AS $$
     SELECT EXISTS (
       SELECT 1 FROM incident_causes c
       JOIN deployments x ON x.source = c.deployment_source AND x.external_id = c.deployment_external_id
       WHERE c.incident_id = p_incident_id AND x.id = p_deployment_id AND c.attribution = 'REJECTED')
   $$`;

export const COMPUTE_FACTS_V3 = patchSql(COMPUTE_FACTS, [
  [
    'JOIN incident_causes c ON c.deployment_source = d.source AND c.deployment_external_id = d.external_id',
    `JOIN incident_causes c ON c.deployment_source = d.source AND c.deployment_external_id = d.external_id
         AND c.attribution <> 'REJECTED'`,
  ],
  [
    'AND NOT EXISTS (SELECT 1 FROM incident_causes c WHERE c.incident_id = i.id)',
    `AND NOT dora_incident_has_cause(i.id)
         AND NOT dora_cause_rejected(i.id, w.deployment_id)`,
  ],
]);

export const INCIDENT_FACTS_V3 = `CREATE OR REPLACE FUNCTION dora_compute_incident_facts(p_ids bigint[])
   RETURNS SETOF dora_incident_facts LANGUAGE sql STABLE AS $$
     SELECT i.id, s.service_id, i.environment_id, e.tier, x.at,
            CASE
              WHEN EXISTS (SELECT 1 FROM incident_causes c
                           JOIN deployments d ON d.source = c.deployment_source AND d.external_id = c.deployment_external_id
                           WHERE c.incident_id = i.id AND c.attribution IN ('EXPLICIT','CONFIRMED')) THEN 'EXPLICIT'
              WHEN dora_incident_has_cause(i.id) THEN 'INFERRED'
              WHEN EXISTS (SELECT 1 FROM incident_services s2
                           CROSS JOIN LATERAL dora_window_deployments(s2.service_id, i.environment_id, x.at) w
                           WHERE s2.incident_id = i.id AND NOT dora_cause_rejected(i.id, w.deployment_id)) THEN 'INFERRED'
              ELSE 'NONE'
            END
     FROM incidents i
     CROSS JOIN LATERAL (SELECT dora_incident_at(i.detected_at, i.impact_started_at, i.created_at) AS at) x
     LEFT JOIN environments e ON e.id = i.environment_id
     LEFT JOIN incident_services s ON s.incident_id = i.id
     WHERE i.id = ANY (p_ids)
   $$`;

const MARK_DEPLOYMENTS = TRIGGERS[0].replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION');
const MARK_DEPLOYMENTS_V3 = patchSql(MARK_DEPLOYMENTS, [
  [
    '     RETURN NULL;',
    `     IF TG_OP = 'INSERT' THEN   -- incidents that named it before it was known
       INSERT INTO dora_dirty (kind, ref_id)
       SELECT DISTINCT 'INCIDENT', c.incident_id FROM new_rows n
       JOIN incident_causes c ON c.deployment_source = n.source AND c.deployment_external_id = n.external_id;
     END IF;
     RETURN NULL;`,
  ],
]);

const version = (v: string) =>
  `CREATE OR REPLACE FUNCTION dora_definition_version() RETURNS text
     LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT '${v}'::text $$`;

export class IncidentTriage1765600000000 implements MigrationInterface {
  name = 'IncidentTriage1765600000000';

  async up(q: QueryRunner): Promise<void> {
    for (const statement of [
      `ALTER TABLE api_tokens DROP CONSTRAINT ck_api_tokens_scopes,
         ADD CONSTRAINT ck_api_tokens_scopes
           CHECK (scopes <@ ARRAY['ingest','read','triage','admin']::text[] AND cardinality(scopes) > 0)`,
      `ALTER TABLE incident_causes DROP CONSTRAINT ck_incident_causes_attribution,
         ADD CONSTRAINT ck_incident_causes_attribution
           CHECK (attribution IN ('EXPLICIT','INFERRED','CONFIRMED','REJECTED'))`,
      `CREATE TABLE incident_cause_reviews (
         id                      bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_incident_cause_reviews PRIMARY KEY,
         incident_id             bigint NOT NULL CONSTRAINT fk_incident_cause_reviews_incident
                                   REFERENCES incidents (id) ON DELETE CASCADE,
         deployment_source       text NOT NULL,
         deployment_external_id  text NOT NULL,
         decision                text NOT NULL CONSTRAINT ck_incident_cause_reviews_decision
                                   CHECK (decision IN ('CONFIRMED','REJECTED')),
         previous_attribution    text,
         attribution             text NOT NULL,
         reason                  text NOT NULL CONSTRAINT ck_incident_cause_reviews_reason CHECK (reason <> ''),
         actor                   text NOT NULL,
         actor_name              text NOT NULL,
         reviewed_at             timestamptz NOT NULL DEFAULT now()
       )`,
      `CREATE INDEX ix_incident_cause_reviews_incident ON incident_cause_reviews (incident_id, reviewed_at)`,
      HAS_CAUSE,
      REJECTED,
      COMPUTE_FACTS_V3,
      INCIDENT_FACTS_V3,
      MARK_DEPLOYMENTS_V3,
      version('shipwatch-dora/3'),
    ]) {
      await q.query(statement);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const statement of [
      version('shipwatch-dora/2'),
      MARK_DEPLOYMENTS,
      DEFINITIONS[2].replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'),
      COMPUTE_FACTS,
      `DROP FUNCTION dora_cause_rejected(bigint, bigint)`,
      `DROP FUNCTION dora_incident_has_cause(bigint)`,
      `DROP TABLE incident_cause_reviews`,
      `DELETE FROM incident_causes WHERE attribution = 'REJECTED'`,
      `ALTER TABLE incident_causes DROP CONSTRAINT ck_incident_causes_attribution,
         ADD CONSTRAINT ck_incident_causes_attribution
           CHECK (attribution IN ('EXPLICIT','INFERRED','CONFIRMED'))`,
      // A token that had only the triage scope is revoked (a token needs a scope).
      `UPDATE api_tokens
         SET revoked_at = CASE WHEN scopes = ARRAY['triage'] THEN coalesce(revoked_at, now()) ELSE revoked_at END,
             scopes = CASE WHEN scopes = ARRAY['triage'] THEN ARRAY['read'] ELSE array_remove(scopes, 'triage') END
         WHERE 'triage' = ANY (scopes)`,
      `ALTER TABLE api_tokens DROP CONSTRAINT ck_api_tokens_scopes,
         ADD CONSTRAINT ck_api_tokens_scopes
           CHECK (scopes <@ ARRAY['ingest','read','admin']::text[] AND cardinality(scopes) > 0)`,
      `INSERT INTO dora_dirty (kind) VALUES ('ALL')`,
    ]) {
      await q.query(statement);
    }
  }
}
