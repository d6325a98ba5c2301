/**
 * A refused rollback is loud. A policy's rollback target that the outbound allowlist no longer
 * admits (here: its stored URL points at a cloud metadata endpoint, as a policy saved before the
 * allowlist was narrowed could) meets a release that fails verification against a REAL
 * Prometheus: the verification shows why no rollback was requested, the deployment is not
 * claimed rolled back, and the operator is paged through the configured channel — a REAL
 * Alertmanager lists `ReleaseRollbackBlocked` next to the failed release's alert.
 */
import request from 'supertest';
import {
  startAlertmanager,
  startPrometheus,
  type RunningAlertmanager,
  type RunningPrometheus,
} from '../../src/demo/prometheus-process.js';
import { OutboxDispatcher } from '../../src/remediation/outbox.dispatcher.js';
import { VerificationService } from '../../src/verification/verification.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { badReleaseHistory, openMetricsHistory } from './verification-history.js';

const STEP = 15;
const NOW = Math.floor(Date.now() / 1000 / STEP) * STEP;
const T0 = NOW - 20 * 60;
const at = (s: number): Date => new Date(s * 1000);
const METADATA_URL = 'http://169.254.169.254/latest/meta-data/rollback';

const HISTORY = openMetricsHistory([badReleaseHistory('payments', T0, NOW)]);

describe('a refused rollback pages the operator', () => {
  let prometheus: RunningPrometheus;
  let am: RunningAlertmanager;
  let t: TestApp;
  let deployment: string;

  beforeAll(async () => {
    [prometheus, am] = await Promise.all([
      startPrometheus({ scrapeTargets: [], backfill: HISTORY }),
      startAlertmanager(),
    ]);
    t = await startTestApp({
      PROMETHEUS_URL: prometheus.url,
      ALERTMANAGER_URL: am.url,
      SHIPWATCH_OUTBOUND_PRIVATE_HOSTS: '127.0.0.1:9',
    });
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([prometheus?.stop(), am?.stop()]);
  });

  it('shows rollbackBlockedReason, keeps the deployment as it is, and queues a page', async () => {
    const saved = await t.gql(
      `mutation($input: SaveVerificationPolicyInput!) { saveVerificationPolicy(input: $input) { id } }`,
      {
        input: {
          service: 'payments',
          environment: 'production',
          mode: 'ENFORCE',
          alertChannels: ['ALERTMANAGER'],
          rollbackTarget: {
            kind: 'WEBHOOK',
            url: 'http://127.0.0.1:9/rollback',
            secret: 'a-rollback-secret-of-the-test',
          },
        },
      },
    );
    expect(saved.errors).toBeUndefined();
    // Saving checks the target; a stored one can still fall outside today's allowlist.
    await t.db.dataSource.query(
      `UPDATE verification_policies SET rollback_target = jsonb_set(rollback_target, '{url}', $1)`,
      [JSON.stringify(METADATA_URL)],
    );
    const res = await t.gql(
      `mutation($input: DeploymentInput!) { recordDeployment(input: $input) { entityId } }`,
      {
        input: {
          source: 'ci',
          eventId: 'payments-2.0.0',
          deploymentId: 'payments-2.0.0',
          service: 'payments',
          environment: 'production',
          status: 'SUCCEEDED',
          version: '2.0.0',
          previousVersion: '1.9.0',
          finishedAt: at(T0).toISOString(),
        },
      },
    );
    expect(res.errors).toBeUndefined();
    deployment = (res.data!.recordDeployment as { entityId: string }).entityId;
    const verifications = t.app.get(VerificationService);
    for (let s = T0 + 30; s <= T0 + 150; s += 30) await verifications.runDueTicks(at(s));

    const v = await t.gql(
      `query($id: ID!) { releaseVerification(deploymentId: $id) {
        state rollbackRequestedAt rollbackBlockedReason } }`,
      { id: deployment },
    );
    expect(v.errors).toBeUndefined();
    expect(v.data!.releaseVerification).toEqual({
      state: 'FAILED',
      rollbackRequestedAt: null,
      rollbackBlockedReason: expect.stringMatching(/^rollback refused: .*169\.254\.169\.254/),
    });
    const [row] = await t.db.dataSource.query(`SELECT status FROM deployments WHERE id = $1`, [
      deployment,
    ]);
    expect(row.status).toBe('SUCCEEDED');
    const outbox: { idempotency_key: string; status: string; last_error: string | null }[] =
      await t.db.dataSource.query(
        `SELECT idempotency_key, status, last_error FROM remediation_outbox
          WHERE deployment_id = $1 ORDER BY id`,
        [deployment],
      );
    expect(outbox).toEqual([
      {
        idempotency_key: `rollback:${deployment}`,
        status: 'DEAD',
        last_error: expect.stringMatching(/^refused: .*169\.254\.169\.254/),
      },
      {
        idempotency_key: `alert:${deployment}:FAILED:FIRING:ALERTMANAGER`,
        status: 'PENDING',
        last_error: null,
      },
      {
        idempotency_key: `alert:${deployment}:ROLLBACK_BLOCKED:FIRING:ALERTMANAGER`,
        status: 'PENDING',
        last_error: null,
      },
    ]);
    const metrics = (await request(t.http).get('/metrics').expect(200)).text;
    expect(metrics).toMatch(
      /shipwatch_outbox_deliveries_total\{kind="ROLLBACK",channel="WEBHOOK",result="refused"\} [1-9]/,
    );
  });

  it('delivers the page to Alertmanager, which lists ReleaseRollbackBlocked beside the failure', async () => {
    const dispatcher = t.app.get(OutboxDispatcher);
    expect(await dispatcher.dispatchDue(new Date())).toMatchObject({ delivered: 2, dead: 0 });
    const ours = (await am.alerts()).filter((a) => a.labels.deployment_id === deployment);
    const byName = Object.fromEntries(ours.map((a) => [a.labels.alertname, a]));
    expect(Object.keys(byName).sort()).toEqual([
      'ReleaseRollbackBlocked',
      'ReleaseVerificationFailed',
    ]);
    expect(byName.ReleaseRollbackBlocked.status.state).toBe('active');
    expect(byName.ReleaseRollbackBlocked.labels).toMatchObject({
      service: 'payments',
      environment: 'production',
      version: '2.0.0',
      verdict: 'ROLLBACK_BLOCKED',
      severity: 'critical',
    });
    expect(byName.ReleaseRollbackBlocked.annotations.summary).toMatch(
      /could not request the rollback of payments 2\.0\.0 .*169\.254\.169\.254.*Roll back by hand/,
    );
    expect(byName.ReleaseVerificationFailed.annotations.summary).toMatch(
      /automatic rollback was refused/,
    );
  });
});
