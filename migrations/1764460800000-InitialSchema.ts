import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The delivery domain and the raw event store. Cross-event references (what a deployment
 * remediates, which deployments caused an incident, the pipeline run behind a deployment) are kept
 * as (source, external id) pairs, not foreign keys, so that events may arrive in any order.
 */
export class InitialSchema1764460800000 implements MigrationInterface {
  name = 'InitialSchema1764460800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_tokens (
        id            bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_api_tokens PRIMARY KEY,
        name          text NOT NULL CONSTRAINT ck_api_tokens_name CHECK (name <> ''),
        token_hash    text NOT NULL CONSTRAINT uq_api_tokens_hash UNIQUE,
        token_prefix  text NOT NULL,
        scopes        text[] NOT NULL CONSTRAINT ck_api_tokens_scopes
                        CHECK (scopes <@ ARRAY['ingest','read','admin']::text[] AND cardinality(scopes) > 0),
        created_at    timestamptz NOT NULL DEFAULT now(),
        last_used_at  timestamptz,
        revoked_at    timestamptz
      )`);

    await q.query(`
      CREATE TABLE services (
        id          bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_services PRIMARY KEY,
        name        text NOT NULL CONSTRAINT ck_services_name CHECK (name <> ''),
        namespace   text NOT NULL DEFAULT '',
        team        text,
        repository  text,
        created_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_services_name_namespace UNIQUE (name, namespace)
      )`);
    await q.query(`CREATE INDEX ix_services_team ON services (team)`);

    await q.query(`
      CREATE TABLE environments (
        id          bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_environments PRIMARY KEY,
        name        text NOT NULL CONSTRAINT uq_environments_name UNIQUE
                      CONSTRAINT ck_environments_name CHECK (name <> ''),
        tier        text NOT NULL CONSTRAINT ck_environments_tier
                      CHECK (tier IN ('production','staging','testing','development')),
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE raw_events (
        id            bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_raw_events PRIMARY KEY,
        source        text NOT NULL,
        dedupe_key    text NOT NULL,
        transport     text NOT NULL CONSTRAINT ck_raw_events_transport
                        CHECK (transport IN ('graphql','github','gitlab','cloudevents','cli')),
        kind          text NOT NULL,
        occurred_at   timestamptz,
        received_at   timestamptz NOT NULL DEFAULT now(),
        payload_hash  text NOT NULL,
        headers       jsonb NOT NULL DEFAULT '{}'::jsonb,
        payload       jsonb NOT NULL,
        outcome       text NOT NULL CONSTRAINT ck_raw_events_outcome
                        CHECK (outcome IN ('ACCEPTED','STORED_UNMAPPED')),
        note          text,
        CONSTRAINT uq_raw_events_dedupe UNIQUE (source, dedupe_key)
      )`);
    await q.query(`CREATE INDEX ix_raw_events_received ON raw_events (received_at)`);

    await q.query(`
      CREATE TABLE changes (
        id                  bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_changes PRIMARY KEY,
        repository          text NOT NULL DEFAULT '',
        sha                 text NOT NULL CONSTRAINT ck_changes_sha CHECK (sha ~ '^[0-9a-f]{7,64}$'),
        parent_sha          text,
        message             text,
        authored_at         timestamptz,
        committed_at        timestamptz,
        pushed_at           timestamptz,
        pull_request_id     text,
        pr_first_commit_at  timestamptz,
        pr_merged_at        timestamptz,
        created_at          timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_changes_repository_sha UNIQUE (repository, sha)
      )`);
    await q.query(`CREATE INDEX ix_changes_sha ON changes (sha)`);

    await q.query(`
      CREATE TABLE pipeline_runs (
        id              bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_pipeline_runs PRIMARY KEY,
        source          text NOT NULL,
        run_id          text NOT NULL,
        attempt         integer NOT NULL DEFAULT 1 CONSTRAINT ck_pipeline_runs_attempt CHECK (attempt >= 1),
        pipeline_name   text NOT NULL,
        repository      text,
        ref             text,
        commit_sha      text,
        status          text NOT NULL CONSTRAINT ck_pipeline_runs_status
                          CHECK (status IN ('QUEUED','RUNNING','FINISHED')),
        outcome         text CONSTRAINT ck_pipeline_runs_outcome
                          CHECK (outcome IN ('SUCCESS','FAILURE','ERROR','CANCELLED','SKIPPED','TIMEOUT')),
        queued_at       timestamptz,
        started_at      timestamptz,
        finished_at     timestamptz,
        url             text,
        tests_passed    integer,
        tests_failed    integer,
        tests_skipped   integer,
        test_suites     jsonb NOT NULL DEFAULT '[]'::jsonb,
        status_at       timestamptz NOT NULL,
        last_event_at   timestamptz NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_pipeline_runs_natural UNIQUE (source, run_id, attempt),
        CONSTRAINT ck_pipeline_runs_order CHECK (finished_at IS NULL OR started_at IS NULL OR finished_at >= started_at)
      )`);
    await q.query(`CREATE INDEX ix_pipeline_runs_started ON pipeline_runs (started_at)`);
    await q.query(
      `CREATE INDEX ix_pipeline_runs_sort ON pipeline_runs ((COALESCE(finished_at, started_at, last_event_at)), id)`,
    );

    await q.query(`
      CREATE TABLE deployments (
        id                        bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_deployments PRIMARY KEY,
        source                    text NOT NULL,
        external_id               text NOT NULL,
        service_id                bigint NOT NULL CONSTRAINT fk_deployments_service
                                    REFERENCES services (id) ON DELETE RESTRICT,
        environment_id            bigint NOT NULL CONSTRAINT fk_deployments_environment
                                    REFERENCES environments (id) ON DELETE RESTRICT,
        version                   text,
        previous_version          text,
        commit_sha                text,
        repository                text,
        commit_shas               text[] NOT NULL DEFAULT '{}',
        status                    text NOT NULL CONSTRAINT ck_deployments_status
                                    CHECK (status IN ('QUEUED','IN_PROGRESS','SUCCEEDED','FAILED','CANCELLED','ROLLED_BACK')),
        kind                      text NOT NULL DEFAULT 'PLANNED' CONSTRAINT ck_deployments_kind
                                    CHECK (kind IN ('PLANNED','HOTFIX','ROLLBACK','REVERT')),
        started_at                timestamptz,
        finished_at               timestamptz,
        url                       text,
        pipeline_run_source       text,
        pipeline_run_external_id  text,
        trace_parent              text,
        changeset_status          text NOT NULL DEFAULT 'PENDING' CONSTRAINT ck_deployments_changeset_status
                                    CHECK (changeset_status IN ('PENDING','FROM_EVENT','FROM_PUSHES','UNKNOWN')),
        changeset_note            text,
        changeset_missing_sha     text,
        predecessor_id            bigint CONSTRAINT fk_deployments_predecessor
                                    REFERENCES deployments (id) ON DELETE SET NULL,
        status_at                 timestamptz NOT NULL,
        last_event_at             timestamptz NOT NULL,
        created_at                timestamptz NOT NULL DEFAULT now(),
        updated_at                timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_deployments_natural UNIQUE (source, external_id),
        CONSTRAINT ck_deployments_order CHECK (finished_at IS NULL OR started_at IS NULL OR finished_at >= started_at)
      )`);
    await q.query(
      `CREATE INDEX ix_deployments_service_env_finished ON deployments (service_id, environment_id, finished_at)`,
    );
    await q.query(
      `CREATE INDEX ix_deployments_env_finished ON deployments (environment_id, finished_at)`,
    );
    await q.query(`CREATE INDEX ix_deployments_commit ON deployments (commit_sha)`);
    await q.query(
      `CREATE INDEX ix_deployments_sort ON deployments ((COALESCE(finished_at, started_at, last_event_at)), id)`,
    );
    await q.query(
      `CREATE INDEX ix_deployments_pipeline_run ON deployments (pipeline_run_source, pipeline_run_external_id)`,
    );
    // Deployments whose commit chain broke at a commit not pushed yet: that push recomputes them.
    await q.query(
      `CREATE INDEX ix_deployments_changeset_missing ON deployments (changeset_missing_sha)
         WHERE changeset_missing_sha IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE deployment_remediations (
        deployment_id       bigint NOT NULL CONSTRAINT fk_deployment_remediations_deployment
                              REFERENCES deployments (id) ON DELETE CASCADE,
        target_kind         text NOT NULL CONSTRAINT ck_deployment_remediations_kind
                              CHECK (target_kind IN ('DEPLOYMENT','INCIDENT')),
        target_source       text NOT NULL,
        target_external_id  text NOT NULL,
        CONSTRAINT pk_deployment_remediations PRIMARY KEY (deployment_id, target_kind, target_source, target_external_id)
      )`);
    await q.query(
      `CREATE INDEX ix_deployment_remediations_target ON deployment_remediations (target_source, target_external_id)`,
    );

    await q.query(`
      CREATE TABLE deployment_changes (
        deployment_id      bigint NOT NULL CONSTRAINT fk_deployment_changes_deployment
                             REFERENCES deployments (id) ON DELETE CASCADE,
        change_id          bigint NOT NULL CONSTRAINT fk_deployment_changes_change
                             REFERENCES changes (id) ON DELETE CASCADE,
        lead_time_seconds  double precision,
        excluded_reason    text,
        CONSTRAINT pk_deployment_changes PRIMARY KEY (deployment_id, change_id),
        CONSTRAINT ck_deployment_changes_lead_time CHECK ((lead_time_seconds IS NULL) <> (excluded_reason IS NULL))
      )`);
    await q.query(`CREATE INDEX ix_deployment_changes_change ON deployment_changes (change_id)`);

    await q.query(`
      CREATE TABLE incidents (
        id                 bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_incidents PRIMARY KEY,
        source             text NOT NULL,
        external_id        text NOT NULL,
        environment_id     bigint CONSTRAINT fk_incidents_environment
                             REFERENCES environments (id) ON DELETE RESTRICT,
        title              text,
        severity           text,
        url                text,
        impact_started_at  timestamptz,
        detected_at        timestamptz,
        mitigated_at       timestamptz,
        resolved_at        timestamptz,
        last_event_at      timestamptz NOT NULL,
        created_at         timestamptz NOT NULL DEFAULT now(),
        updated_at         timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_incidents_natural UNIQUE (source, external_id)
      )`);
    await q.query(`CREATE INDEX ix_incidents_detected ON incidents (detected_at)`);
    await q.query(
      `CREATE INDEX ix_incidents_sort ON incidents ((COALESCE(impact_started_at, detected_at, last_event_at)), id)`,
    );

    await q.query(`
      CREATE TABLE incident_services (
        incident_id  bigint NOT NULL CONSTRAINT fk_incident_services_incident
                       REFERENCES incidents (id) ON DELETE CASCADE,
        service_id   bigint NOT NULL CONSTRAINT fk_incident_services_service
                       REFERENCES services (id) ON DELETE CASCADE,
        CONSTRAINT pk_incident_services PRIMARY KEY (incident_id, service_id)
      )`);
    await q.query(`CREATE INDEX ix_incident_services_service ON incident_services (service_id)`);

    await q.query(`
      CREATE TABLE incident_causes (
        incident_id             bigint NOT NULL CONSTRAINT fk_incident_causes_incident
                                  REFERENCES incidents (id) ON DELETE CASCADE,
        deployment_source       text NOT NULL,
        deployment_external_id  text NOT NULL,
        attribution             text NOT NULL DEFAULT 'EXPLICIT' CONSTRAINT ck_incident_causes_attribution
                                  CHECK (attribution IN ('EXPLICIT','INFERRED','CONFIRMED')),
        CONSTRAINT pk_incident_causes PRIMARY KEY (incident_id, deployment_source, deployment_external_id)
      )`);
    await q.query(
      `CREATE INDEX ix_incident_causes_deployment ON incident_causes (deployment_source, deployment_external_id)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'incident_causes',
      'incident_services',
      'incidents',
      'deployment_changes',
      'deployment_remediations',
      'deployments',
      'pipeline_runs',
      'changes',
      'raw_events',
      'environments',
      'services',
      'api_tokens',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
