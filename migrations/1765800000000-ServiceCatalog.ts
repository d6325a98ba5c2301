import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DEFINITIONS, REPORT } from './1764600000000-DoraMetrics.js';
import {
  ATTRIBUTION_FIGURES,
  FACT_COUNTS,
  INFERENCE_QUALITY_V3 as INFERENCE_QUALITY,
  RECOVERY_FIGURES,
  REPORT_FUNCTION,
} from './1765700000000-DoraAttributionFilter.js';
import { COMPUTE_FACTS_V3, INCIDENT_FACTS_V3 } from './1765600000000-IncidentTriage.js';
import { patchSql } from './sql-patch.js';

/**
 * The service catalog (docs/dora.md, "Service catalog"; definition version `shipwatch-dora/5`).
 *
 * - `teams`: the teams services belong to (a Backstage Group, a CODEOWNERS team, an admin's
 *   `upsertTeam`, or the `team` of an event about a service the catalog does not know).
 * - `services.lifecycle`, `services.catalog_entity`: what the catalog says of a service; a
 *   service with a catalog entity is the catalog's, and events no longer change its team or
 *   repository.
 * - `service_owners`: ownership history. The team of a service at time t is the row with the
 *   latest `effective_from` <= t. A change of owner applies from its effective time; the first
 *   owner a service gets applies from the beginning (`-infinity`).
 * - DORA facts carry the team that owned the service when the deployment finished (or the
 *   incident was detected), and a report over teams reads that team, so that a service moving
 *   to another team never takes its history along.
 */

const TEAM_AT = `CREATE FUNCTION dora_team_at(p_service_id bigint, p_at timestamptz) RETURNS text
   LANGUAGE sql STABLE AS $$
     SELECT o.team FROM service_owners o
     WHERE o.service_id = p_service_id AND o.effective_from <= p_at
     ORDER BY o.effective_from DESC LIMIT 1
   $$`;

const find = (list: readonly string[], marker: string): string => {
  const found = list.filter((s) => s.includes(marker));
  if (found.length !== 1) throw new Error(`expected one definition with ${marker}`);
  return found[0].replace(/^(\s*)CREATE (FUNCTION|VIEW)/, '$1CREATE OR REPLACE $2');
};

export const DEPLOYMENT_FACTS_V4 = patchSql(COMPUTE_FACTS_V3, [
  [
    `                 ELSE 'EXPLICIT' END
     FROM evidence ev`,
    `                 ELSE 'EXPLICIT' END,
            dora_team_at(ev.service_id, ev.finished_at)
     FROM evidence ev`,
  ],
]);

const LEAD_TIME_FACTS = find(DEFINITIONS, 'FUNCTION dora_compute_lead_time_facts(');
const LEAD_TIME_FACTS_V4 = patchSql(LEAD_TIME_FACTS, [
  [
    'dc.lead_time_seconds, dc.excluded_reason, dora_lead_time_bin(dc.lead_time_seconds)',
    `dc.lead_time_seconds, dc.excluded_reason, dora_lead_time_bin(dc.lead_time_seconds),
              dora_team_at(d.service_id, d.finished_at)`,
  ],
]);

const INCIDENT_FACTS_V4 = patchSql(INCIDENT_FACTS_V3, [
  [
    `              ELSE 'NONE'
            END
     FROM incidents i`,
    `              ELSE 'NONE'
            END,
            dora_team_at(s.service_id, x.at)
     FROM incidents i`,
  ],
]);

const FACT_COUNTS_V4 = patchSql(FACT_COUNTS, [
  [
    'f.failure_attribution, f.rework_attribution',
    'f.failure_attribution, f.rework_attribution, f.team',
  ],
]);

/** A team scope: the services that ever belonged to one of the teams (the facts say when). */
const SCOPE = find(REPORT, 'FUNCTION dora_scope_services(');
const SCOPE_V4 = patchSql(SCOPE, [
  [
    'OR s.team = ANY (p_teams))',
    `OR EXISTS (SELECT 1 FROM service_owners o
                                                        WHERE o.service_id = s.id AND o.team = ANY (p_teams)))`,
  ],
]);

const WITH_TEAMS: readonly [string, string][] = [
  ['p_service_ids bigint[])', 'p_service_ids bigint[], p_teams text[])'],
];
const teamFilter = (alias: string) => `AND (p_teams IS NULL OR ${alias}.team = ANY (p_teams))`;

/** A figure function before (the previous definition) and after taking the teams. */
function withTeams(fn: string, scopedFilter: string, alias: string): [string, string] {
  const before = find(REPORT, `FUNCTION ${fn}(`).replace('CREATE OR REPLACE', 'CREATE');
  const after = patchSql(before, [
    ...WITH_TEAMS,
    [scopedFilter, `${scopedFilter} ${teamFilter(alias)}`],
  ]);
  return [before, after];
}

const [COUNT_FIGURES, COUNT_FIGURES_V4] = withTeams(
  'dora_count_figures',
  'AND c.tier = p_tier AND c.service_id = ANY (p_service_ids)',
  'c',
);
const [LEAD_TIMES, LEAD_TIMES_V4] = withTeams(
  'dora_lead_time_percentiles',
  'AND l.tier = p_tier AND l.service_id = ANY (p_service_ids)',
  'l',
);
const RECOVERY = RECOVERY_FIGURES;
const RECOVERY_V4 = patchSql(RECOVERY, [
  [
    'p_service_ids bigint[], p_attributions text[])',
    'p_service_ids bigint[], p_attributions text[], p_teams text[])',
  ],
  [
    'AND (p_service_ids IS NULL OR f.service_id = ANY (p_service_ids))',
    `AND (p_service_ids IS NULL OR f.service_id = ANY (p_service_ids)) ${teamFilter('f')}`,
  ],
]);

/** Every occurrence of `from` (there must be `count`), replaced. */
function replaceEach(sql: string, from: string, to: string, count: number): string {
  const parts = sql.split(from);
  if (parts.length - 1 !== count) throw new Error(`expected ${count} occurrences of ${from}`);
  return parts.join(to);
}

export const ATTRIBUTION_FIGURES_V4 = replaceEach(
  patchSql(ATTRIBUTION_FIGURES, [
    [
      'p_service_ids bigint[], p_attributions text[])',
      'p_service_ids bigint[], p_attributions text[], p_teams text[])',
    ],
    [
      'AND (p_service_ids IS NULL OR l.service_id = ANY (p_service_ids))',
      `AND (p_service_ids IS NULL OR l.service_id = ANY (p_service_ids)) ${teamFilter('l')}`,
    ],
  ]),
  'AND (p_service_ids IS NULL OR f.service_id = ANY (p_service_ids))',
  `AND (p_service_ids IS NULL OR f.service_id = ANY (p_service_ids)) ${teamFilter('f')}`,
  2,
);

const [INCIDENTS, INCIDENTS_V4] = withTeams(
  'dora_incident_figures',
  'AND (p_service_ids IS NULL OR i.service_id = ANY (p_service_ids))',
  'i',
);

/** NULL for no team filter, as the figure functions read it. */
const TEAMS_OR_NULL = `CASE WHEN coalesce(cardinality(p_teams), 0) = 0 THEN NULL ELSE p_teams END`;

const DORA_REPORT = REPORT_FUNCTION.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION');
const DORA_REPORT_V4 = patchSql(DORA_REPORT, [
  [
    'v_granularity text := lower(p_granularity);',
    `v_granularity text := lower(p_granularity);
     v_teams text[] := ${TEAMS_OR_NULL};`,
  ],
  ...['dora_count_figures', 'dora_lead_time_percentiles', 'dora_incident_figures'].map(
    (fn) =>
      [
        `${fn}(p_from, p_to, p_timezone, v_granularity, p_week_start, p_tier, v_services)`,
        `${fn}(p_from, p_to, p_timezone, v_granularity, p_week_start, p_tier, v_services, v_teams)`,
      ] as const,
  ),
  ['v_services, v_attributions) a', 'v_services, v_attributions, v_teams) a'],
  ['v_services, v_attributions) r', 'v_services, v_attributions, v_teams) r'],
]);

const INFERENCE_QUALITY_V4 = patchSql(INFERENCE_QUALITY, [
  [
    'p_tier, dora_scope_services(p_services, p_teams), NULL) a',
    `p_tier, dora_scope_services(p_services, p_teams), NULL,
                                     ${TEAMS_OR_NULL}) a`,
  ],
]);

const FAILED_VIEW = `CREATE OR REPLACE VIEW dora_failed_deployments AS
   SELECT f.deployment_id, d.source, d.external_id, dora_service_label(f.service_id) AS service,
          f.team, f.tier, f.finished_at, f.failure_evidence, f.degraded_at, f.recovered_at,
          f.recovery_seconds, f.failure_attribution
   FROM dora_deployment_facts f
   JOIN deployments d ON d.id = f.deployment_id
   WHERE f.failed`;

/** Ownership changes recompute the facts of the service (they carry its team). */
const MARK_OWNERS = `CREATE FUNCTION dora_mark_service_owners() RETURNS trigger LANGUAGE plpgsql AS $fn$
   BEGIN
     IF TG_OP IN ('UPDATE','DELETE') THEN
       INSERT INTO dora_dirty (kind, ref_id) SELECT DISTINCT 'SERVICE', o.service_id FROM old_rows o;
     END IF;
     IF TG_OP IN ('INSERT','UPDATE') THEN
       INSERT INTO dora_dirty (kind, ref_id) SELECT DISTINCT 'SERVICE', n.service_id FROM new_rows n;
     END IF;
     RETURN NULL;
   END
   $fn$`;

/**
 * The team an event gives a service the catalog does not know is a default: it becomes the
 * service's owner from the beginning when the service has no owner yet, and nothing otherwise.
 */
const EVENT_TEAM = `CREATE FUNCTION services_event_team() RETURNS trigger LANGUAGE plpgsql AS $fn$
   BEGIN
     INSERT INTO teams (name, source) VALUES (NEW.team, 'EVENT') ON CONFLICT (name) DO NOTHING;
     INSERT INTO service_owners (service_id, effective_from, team, source)
       SELECT NEW.id, '-infinity', NEW.team, 'EVENT'
       WHERE NOT EXISTS (SELECT 1 FROM service_owners o WHERE o.service_id = NEW.id)
       ON CONFLICT DO NOTHING;
     RETURN NULL;
   END
   $fn$`;

const version = (v: string) =>
  `CREATE OR REPLACE FUNCTION dora_definition_version() RETURNS text
     LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT '${v}'::text $$`;

const FIGURE_FUNCTIONS = [
  'dora_count_figures',
  'dora_lead_time_percentiles',
  'dora_incident_figures',
];
const OLD_ARGS = '(timestamptz, timestamptz, text, text, integer, text, bigint[])';
/** The functions that take the attributions too (migration DoraAttributionFilter). */
const ATTRIBUTED_FUNCTIONS = ['dora_recovery_figures', 'dora_attribution_figures'];
const ATTRIBUTED_ARGS = '(timestamptz, timestamptz, text, text, integer, text, bigint[], text[])';

export class ServiceCatalog1765800000000 implements MigrationInterface {
  name = 'ServiceCatalog1765800000000';

  async up(q: QueryRunner): Promise<void> {
    for (const statement of [
      `CREATE TABLE teams (
         name          text NOT NULL CONSTRAINT pk_teams PRIMARY KEY CONSTRAINT ck_teams_name CHECK (name <> ''),
         display_name  text,
         source        text NOT NULL CONSTRAINT ck_teams_source CHECK (source IN ('CATALOG','CODEOWNERS','ADMIN','EVENT')),
         created_at    timestamptz NOT NULL DEFAULT now(),
         updated_at    timestamptz NOT NULL DEFAULT now()
       )`,
      `ALTER TABLE services ADD COLUMN lifecycle text, ADD COLUMN catalog_entity text`,
      `CREATE TABLE service_owners (
         service_id      bigint NOT NULL CONSTRAINT fk_service_owners_service
                           REFERENCES services (id) ON DELETE CASCADE,
         effective_from  timestamptz NOT NULL,
         team            text NOT NULL CONSTRAINT fk_service_owners_team REFERENCES teams (name),
         source          text NOT NULL CONSTRAINT ck_service_owners_source CHECK (source IN ('CATALOG','CODEOWNERS','ADMIN','EVENT')),
         recorded_at     timestamptz NOT NULL DEFAULT now(),
         CONSTRAINT pk_service_owners PRIMARY KEY (service_id, effective_from)
       )`,
      `CREATE INDEX ix_service_owners_team ON service_owners (team)`,
      // What events said so far becomes the first owner of each service, from the beginning.
      `INSERT INTO teams (name, source) SELECT DISTINCT team, 'EVENT' FROM services WHERE team IS NOT NULL`,
      `INSERT INTO service_owners (service_id, effective_from, team, source)
         SELECT id, '-infinity', team, 'EVENT' FROM services WHERE team IS NOT NULL`,
      EVENT_TEAM,
      `CREATE TRIGGER tg_services_event_team AFTER INSERT OR UPDATE OF team ON services
         FOR EACH ROW WHEN (NEW.team IS NOT NULL) EXECUTE FUNCTION services_event_team()`,
      MARK_OWNERS,
      ...['insert', 'update', 'delete'].map(
        (op) =>
          `CREATE TRIGGER tg_dora_service_owners_${op} AFTER ${op.toUpperCase()} ON service_owners
             REFERENCING ${op === 'insert' ? 'NEW TABLE AS new_rows' : op === 'delete' ? 'OLD TABLE AS old_rows' : 'OLD TABLE AS old_rows NEW TABLE AS new_rows'}
             FOR EACH STATEMENT EXECUTE FUNCTION dora_mark_service_owners()`,
      ),
      TEAM_AT,
      `ALTER TABLE dora_deployment_facts ADD COLUMN team text`,
      `ALTER TABLE dora_lead_time_facts ADD COLUMN team text`,
      `ALTER TABLE dora_incident_facts ADD COLUMN team text`,
      DEPLOYMENT_FACTS_V4,
      LEAD_TIME_FACTS_V4,
      INCIDENT_FACTS_V4,
      FACT_COUNTS_V4,
      SCOPE_V4,
      ...FIGURE_FUNCTIONS.map((fn) => `DROP FUNCTION ${fn}${OLD_ARGS}`),
      ...ATTRIBUTED_FUNCTIONS.map((fn) => `DROP FUNCTION ${fn}${ATTRIBUTED_ARGS}`),
      ATTRIBUTION_FIGURES_V4,
      COUNT_FIGURES_V4,
      LEAD_TIMES_V4,
      RECOVERY_V4,
      INCIDENTS_V4,
      DORA_REPORT_V4,
      INFERENCE_QUALITY_V4,
      FAILED_VIEW,
      version('shipwatch-dora/5'),
    ]) {
      await q.query(statement);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const statement of [
      version('shipwatch-dora/4'),
      `DROP VIEW dora_failed_deployments`,
      `DROP VIEW dora_fact_counts`,
      // Columns first: a SQL function returning SETOF a table is checked against its columns.
      `ALTER TABLE dora_deployment_facts DROP COLUMN team`,
      `ALTER TABLE dora_lead_time_facts DROP COLUMN team`,
      `ALTER TABLE dora_incident_facts DROP COLUMN team`,
      FACT_COUNTS.replace('CREATE OR REPLACE', 'CREATE'),
      ...FIGURE_FUNCTIONS.map(
        (fn) => `DROP FUNCTION ${fn}${OLD_ARGS.replace('bigint[])', 'bigint[], text[])')}`,
      ),
      ...ATTRIBUTED_FUNCTIONS.map(
        (fn) => `DROP FUNCTION ${fn}${ATTRIBUTED_ARGS.replace('text[])', 'text[], text[])')}`,
      ),
      ATTRIBUTION_FIGURES,
      INFERENCE_QUALITY,
      COUNT_FIGURES,
      LEAD_TIMES,
      RECOVERY,
      INCIDENTS,
      DORA_REPORT,
      SCOPE,
      LEAD_TIME_FACTS,
      INCIDENT_FACTS_V3,
      COMPUTE_FACTS_V3,
      `DROP FUNCTION dora_team_at(bigint, timestamptz)`,
      `DROP TRIGGER tg_services_event_team ON services`,
      `DROP FUNCTION services_event_team()`,
      `DROP TABLE service_owners`,
      `DROP FUNCTION dora_mark_service_owners()`,
      `DROP TABLE teams`,
      `ALTER TABLE services DROP COLUMN lifecycle, DROP COLUMN catalog_entity`,
      `CREATE VIEW dora_failed_deployments AS
         SELECT f.deployment_id, d.source, d.external_id, dora_service_label(f.service_id) AS service,
                s.team, f.tier, f.finished_at, f.failure_evidence, f.degraded_at, f.recovered_at,
                f.recovery_seconds, f.failure_attribution
         FROM dora_deployment_facts f
         JOIN deployments d ON d.id = f.deployment_id
         JOIN services s ON s.id = f.service_id
         WHERE f.failed`,
      `INSERT INTO dora_dirty (kind) VALUES ('ALL')`,
    ]) {
      await q.query(statement);
    }
  }
}
