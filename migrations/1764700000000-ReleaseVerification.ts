import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Release verification: policies per (service, namespace, environment), one verification per
 * deployment (its verdict state machine, the policy snapshot and the claim lease of the tick
 * scheduler) and every tick with its evidence. Policies are keyed by names, as the workloads
 * report them, so that a policy may exist before the service's first deployment.
 */
export class ReleaseVerification1764700000000 implements MigrationInterface {
  name = 'ReleaseVerification1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE verification_policies (
        id               bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_verification_policies PRIMARY KEY,
        service          text NOT NULL CONSTRAINT ck_verification_policies_service CHECK (service <> ''),
        namespace        text NOT NULL DEFAULT '',
        environment      text NOT NULL CONSTRAINT ck_verification_policies_environment CHECK (environment <> ''),
        mode             text NOT NULL CONSTRAINT ck_verification_policies_mode
                           CHECK (mode IN ('ENFORCE','ADVISE','DRY_RUN')),
        slis             jsonb NOT NULL DEFAULT '[]'::jsonb,
        checks           jsonb NOT NULL DEFAULT '[]'::jsonb,
        timing           jsonb NOT NULL,
        analysis         jsonb NOT NULL,
        rollback_target  jsonb,
        alert_channels   text[] NOT NULL DEFAULT '{}' CONSTRAINT ck_verification_policies_alert_channels
                           CHECK (alert_channels <@ ARRAY['ALERTMANAGER','SLACK','PAGERDUTY']::text[]),
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_verification_policies_scope UNIQUE (service, namespace, environment)
      )`);

    await q.query(`
      CREATE TABLE release_verifications (
        id                          bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_release_verifications PRIMARY KEY,
        deployment_id               bigint NOT NULL CONSTRAINT uq_release_verifications_deployment UNIQUE
                                      CONSTRAINT fk_release_verifications_deployment
                                      REFERENCES deployments (id) ON DELETE CASCADE,
        service_id                  bigint NOT NULL CONSTRAINT fk_release_verifications_service
                                      REFERENCES services (id) ON DELETE CASCADE,
        environment_id              bigint NOT NULL CONSTRAINT fk_release_verifications_environment
                                      REFERENCES environments (id) ON DELETE CASCADE,
        kind                        text NOT NULL CONSTRAINT ck_release_verifications_kind
                                      CHECK (kind IN ('RELEASE','ROLLBACK')),
        remediates_verification_id  bigint CONSTRAINT fk_release_verifications_remediates
                                      REFERENCES release_verifications (id) ON DELETE SET NULL,
        version                     text,
        previous_version            text,
        policy_id                   bigint CONSTRAINT fk_release_verifications_policy
                                      REFERENCES verification_policies (id) ON DELETE SET NULL,
        policy_is_default           boolean NOT NULL,
        policy                      jsonb NOT NULL,
        state                       text NOT NULL DEFAULT 'RUNNING' CONSTRAINT ck_release_verifications_state
                                      CHECK (state IN ('RUNNING','HEALTHY','HEALTHY_LOW_CONFIDENCE','UNVERIFIED',
                                                       'DEGRADED','ENV_DEGRADED','FAILED','INCONCLUSIVE','SUPERSEDED')),
        reason                      text,
        deploy_started_at           timestamptz NOT NULL,
        deploy_finished_at          timestamptz NOT NULL,
        pre_deploy_anchor           timestamptz NOT NULL,
        pre_deploy_version          text,
        next_tick_at                timestamptz,
        pending_window_start        timestamptz,
        tick_count                  integer NOT NULL DEFAULT 0 CONSTRAINT ck_release_verifications_tick_count
                                      CHECK (tick_count >= 0),
        claimed_by                  text,
        lease_until                 timestamptz,
        baseline_kind               text CONSTRAINT ck_release_verifications_baseline_kind
                                      CHECK (baseline_kind IN ('CONCURRENT','PRE_DEPLOY')),
        first_failing_at            timestamptz,
        rollback_requested_at       timestamptz,
        rollback_blocked_reason     text,
        incident_opened             boolean NOT NULL DEFAULT false,
        remediated_at               timestamptz,
        trace_parent                text,
        started_at                  timestamptz NOT NULL,
        finished_at                 timestamptz,
        created_at                  timestamptz NOT NULL DEFAULT now(),
        updated_at                  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ck_release_verifications_running CHECK ((state = 'RUNNING') = (next_tick_at IS NOT NULL))
      )`);
    // The scheduler's claim: running verifications by due time.
    await q.query(`
      CREATE INDEX ix_release_verifications_due ON release_verifications (next_tick_at)
        WHERE state = 'RUNNING'`);
    // Guards (cooldown, failed versions) and superseding look up a service's verifications.
    await q.query(`
      CREATE INDEX ix_release_verifications_service_env
        ON release_verifications (service_id, environment_id, created_at)`);

    await q.query(`
      CREATE TABLE verification_ticks (
        id                bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_verification_ticks PRIMARY KEY,
        verification_id   bigint NOT NULL CONSTRAINT fk_verification_ticks_verification
                            REFERENCES release_verifications (id) ON DELETE CASCADE,
        tick_number       integer NOT NULL CONSTRAINT ck_verification_ticks_number CHECK (tick_number >= 1),
        tick_at           timestamptz NOT NULL,
        window_start      timestamptz NOT NULL,
        window_end        timestamptz NOT NULL,
        classification    text NOT NULL CONSTRAINT ck_verification_ticks_classification
                            CHECK (classification IN ('PASS','INSUFFICIENT','NO_DATA','ERROR',
                                                      'BASELINE_DEGRADED','REGRESSION','CRITICAL')),
        severity          text CONSTRAINT ck_verification_ticks_severity CHECK (severity IN ('SEVERE','MILD')),
        baseline_degraded boolean NOT NULL,
        settle_significant boolean NOT NULL,
        in_warm_up        boolean NOT NULL,
        reason            text NOT NULL,
        evidence          jsonb NOT NULL,
        state_after       text NOT NULL,
        duration_seconds  double precision NOT NULL,
        created_at        timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_verification_ticks_number UNIQUE (verification_id, tick_number),
        CONSTRAINT ck_verification_ticks_window CHECK (window_end >= window_start)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE verification_ticks`);
    await q.query(`DROP TABLE release_verifications`);
    await q.query(`DROP TABLE verification_policies`);
  }
}
