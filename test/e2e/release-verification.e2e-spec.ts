/**
 * Release verification end to end with real parts: a real Prometheus scraping instrumented demo
 * apps every second, a real Alertmanager, the whole Shipwatch app over HTTP (GraphQL), and a
 * signed-webhook receiver standing in for the deploy tool. A test "deploys" by switching a demo
 * app's version (all at once, so the baseline is the window before the deploy) and recording the
 * deployment; verification ticks and outbox deliveries are driven by calling the work methods
 * with the real clock (the scheduler is off), exactly what the @Interval methods do.
 */
import { jest } from '@jest/globals';
import { startDemoApp, type DemoApp } from '../../src/demo/demo-app.js';
import { OutboxDispatcher } from '../../src/remediation/outbox.dispatcher.js';
import { VerificationService } from '../../src/verification/verification.service.js';
import {
  startAlertmanager,
  startPrometheus,
  type RunningAlertmanager,
  type RunningPrometheus,
} from '../../src/demo/prometheus-process.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/signed-webhook-receiver.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

jest.setTimeout(240_000);

const SECRET = 'whsec-e2e-rollback-0123456789';
const RPS = 200;
/** Short timings so that a verification takes seconds (the defaults take ten minutes). */
const TIMING = {
  intervalSeconds: 5,
  windowSeconds: 5,
  warmUpSeconds: 0,
  bakeSeconds: 20,
  maxVerificationSeconds: 120,
  settleWindowSeconds: 15,
  preDeployWindowSeconds: 20,
  cooldownSeconds: 0,
  rollbackVerifyTimeoutSeconds: 60,
};
const ANALYSIS = {
  minRequests: 100,
  minEvaluatedTicks: 3,
  passK: 3,
  consecutiveErrorLimit: 2,
  // Two 5 s windows: the default tolerances (60 s critical, 180 s severe) scaled to these ticks.
  criticalSustainSeconds: 10,
  severeSustainSeconds: 10,
};
const FINAL = new Set([
  'HEALTHY',
  'HEALTHY_LOW_CONFIDENCE',
  'UNVERIFIED',
  'DEGRADED',
  'ENV_DEGRADED',
  'FAILED',
  'INCONCLUSIVE',
  'SUPERSEDED',
]);

interface Verification {
  state: string;
  verdict: string | null;
  reason: string | null;
  baselineKind: string | null;
  rollbackRequestedAt: string | null;
  ticks: { classification: string; reason: string }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('release verification with real Prometheus and Alertmanager', () => {
  let prom: RunningPrometheus;
  let am: RunningAlertmanager;
  let receiver: WebhookReceiver;
  let t: TestApp;
  const demos: Record<string, DemoApp> = {};
  const services = ['healthy', 'bad', 'incident', 'blind'] as const;
  type Scenario = (typeof services)[number];
  const serviceName = (s: Scenario) => `e2e-${s}`;

  beforeAll(async () => {
    receiver = await startWebhookReceiver({ secret: SECRET });
    for (const s of services) {
      demos[s] = await startDemoApp({
        service: serviceName(s),
        environment: 'production',
        version: '1.0.0',
        requestsPerSecond: RPS,
        // The incident scenario: a dependency outage before the deploy, unrelated to it.
        errorRate: s === 'incident' ? 0.05 : 0.001,
        latencyMs: 20,
      });
    }
    [prom, am] = await Promise.all([
      startPrometheus({
        scrapeTargets: services.map((s) => demos[s].target),
        scrapeInterval: '1s',
      }),
      startAlertmanager(),
    ]);
    t = await startTestApp({
      PROMETHEUS_URL: prom.url,
      ALERTMANAGER_URL: am.url,
      SHIPWATCH_OUTBOUND_PRIVATE_HOSTS: `127.0.0.1:${receiver.port}`,
    });
  });
  afterAll(async () => {
    await t?.close();
    await prom?.stop();
    await am?.stop();
    await Promise.all(Object.values(demos).map((d) => d.stop()));
    await receiver?.stop();
  });

  async function savePolicy(s: Scenario): Promise<void> {
    const res = await t.gql(
      `mutation ($input: SaveVerificationPolicyInput!) { saveVerificationPolicy(input: $input) { id } }`,
      {
        input: {
          service: serviceName(s),
          environment: 'production',
          mode: 'ENFORCE',
          timing: TIMING,
          analysis: ANALYSIS,
          alertChannels: ['ALERTMANAGER'],
          rollbackTarget: { kind: 'WEBHOOK', url: `${receiver.url}/rollback/${s}`, secret: SECRET },
        },
      },
    );
    expect(res.errors).toBeUndefined();
  }

  /** Switches the demo app to the new version and records the successful deployment. */
  async function deploy(s: Scenario, change: { errorRate: number }): Promise<string> {
    const at = new Date();
    demos[s].control({ version: '2.0.0', ...change });
    const res = await t.gql(
      `mutation ($input: DeploymentInput!) { recordDeployment(input: $input) { result entityId errors { field message } } }`,
      {
        input: {
          source: 'e2e',
          eventId: `deploy-${s}`,
          deploymentId: `deploy-${s}`,
          service: serviceName(s),
          environment: 'production',
          version: '2.0.0',
          previousVersion: '1.0.0',
          status: 'SUCCEEDED',
          startedAt: at.toISOString(),
          finishedAt: at.toISOString(),
        },
      },
    );
    expect(res.errors).toBeUndefined();
    const outcome = res.data!.recordDeployment as { result: string; entityId: string };
    expect(outcome.result).toBe('ACCEPTED');
    return outcome.entityId;
  }

  async function verification(deploymentId: string): Promise<Verification | null> {
    const res = await t.gql(
      `query ($id: ID!) { releaseVerification(deploymentId: $id) {
         state verdict reason baselineKind rollbackRequestedAt ticks { classification reason } } }`,
      { id: deploymentId },
    );
    expect(res.errors).toBeUndefined();
    return res.data!.releaseVerification as Verification | null;
  }

  /** What the scheduler does every second: due ticks, then due outbox deliveries. */
  async function work(): Promise<void> {
    await t.app.get(VerificationService).runDueTicks(new Date());
    await t.app.get(OutboxDispatcher).dispatchDue(new Date());
  }

  /** Runs the work loop until every deployment has a final verdict (or the deadline passes). */
  async function untilFinal(
    ids: string[],
    options: { deadlineMs?: number; onTick?: () => Promise<void> } = {},
  ): Promise<Verification[]> {
    const deadline = Date.now() + (options.deadlineMs ?? 90_000);
    for (;;) {
      await work();
      await options.onTick?.();
      const all = await Promise.all(ids.map(verification));
      if (all.every((v) => v && FINAL.has(v.state)) || Date.now() > deadline) {
        // A few more dispatcher runs: nothing may be sent twice.
        for (let i = 0; i < 3; i++) {
          await sleep(300);
          await work();
        }
        return all.map((v) => v!);
      }
      await sleep(500);
    }
  }

  const rollbacksFor = (s: Scenario) =>
    receiver.requests.filter((r) => r.path === `/rollback/${s}`);
  const alertsFor = async (deploymentId: string) =>
    (await am.alerts()).filter((a) => a.labels.deployment_id === deploymentId);

  it('judges a healthy release, a bad release and a release during an incident', async () => {
    for (const s of services) await savePolicy(s);
    // The pre-deploy baseline needs preDeployWindowSeconds of scraped traffic.
    await sleep((TIMING.preDeployWindowSeconds + 3) * 1000);

    const healthyId = await deploy('healthy', { errorRate: 0.001 });
    const badId = await deploy('bad', { errorRate: 0.08 });
    const incidentId = await deploy('incident', { errorRate: 0.05 });
    const [healthy, bad, incident] = await untilFinal([healthyId, badId, incidentId]);

    // 1. Healthy: HEALTHY, no alert, no rollback.
    expect(healthy).toMatchObject({ state: 'HEALTHY', baselineKind: 'PRE_DEPLOY' });
    expect(healthy.rollbackRequestedAt).toBeNull();
    expect(rollbacksFor('healthy')).toEqual([]);
    expect(await alertsFor(healthyId)).toEqual([]);

    // 2. 8 % errors: FAILED and rolled back; exactly one signed rollback request; alert listed.
    expect(bad.state).toBe('FAILED');
    expect(bad.ticks.map((tick) => tick.classification)).toContain('CRITICAL');
    expect(bad.rollbackRequestedAt).not.toBeNull();
    const [rollback, ...more] = rollbacksFor('bad');
    expect(more).toEqual([]);
    expect(rollback).toMatchObject({
      signatureValid: true,
      idempotencyKey: `rollback:${badId}`,
      json: {
        type: 'shipwatch.rollback.requested',
        deployment: {
          id: badId,
          service: 'e2e-bad',
          environment: 'production',
          version: '2.0.0',
          previousVersion: '1.0.0',
        },
        rollback: { toVersion: '1.0.0' },
      },
    });
    expect(receiver.executed.filter((k) => k === `rollback:${badId}`)).toHaveLength(1);
    const [badAlert, ...moreBadAlerts] = await alertsFor(badId);
    expect(moreBadAlerts).toEqual([]);
    expect(badAlert.status.state).toBe('active');
    expect(badAlert.labels).toMatchObject({
      alertname: 'ReleaseVerificationFailed',
      service: 'e2e-bad',
      environment: 'production',
      version: '2.0.0',
      verdict: 'FAILED',
      severity: 'critical',
    });
    expect(badAlert.annotations.summary).toContain('rolled back to 1.0.0');

    // 3. Pre-existing incident: ENV_DEGRADED, alerted, never rolled back.
    expect(incident.state).toBe('ENV_DEGRADED');
    expect(incident.rollbackRequestedAt).toBeNull();
    expect(rollbacksFor('incident')).toEqual([]);
    const [incidentAlert] = await alertsFor(incidentId);
    expect(incidentAlert?.labels).toMatchObject({
      alertname: 'ReleaseEnvironmentDegraded',
      service: 'e2e-incident',
      verdict: 'ENV_DEGRADED',
    });
  });

  it('is INCONCLUSIVE, never FAILED, when Prometheus stops mid-verification', async () => {
    const blindId = await deploy('blind', { errorRate: 0.001 });
    let killed = false;
    const [blind] = await untilFinal([blindId], {
      // Stop Prometheus once the first tick has been evaluated with data.
      onTick: async () => {
        if (killed) return;
        const v = await verification(blindId);
        if ((v?.ticks.length ?? 0) >= 1) {
          await prom.kill();
          killed = true;
        }
      },
    });
    expect(killed).toBe(true);
    expect(blind.state).toBe('INCONCLUSIVE');
    expect(blind.ticks[0].classification).not.toBe('ERROR');
    expect(blind.ticks.slice(-3).map((tick) => tick.classification)).toEqual([
      'ERROR',
      'ERROR',
      'ERROR',
    ]);
    expect(blind.rollbackRequestedAt).toBeNull();
    expect(rollbacksFor('blind')).toEqual([]);
    // The SRE is warned through Alertmanager.
    const [alert] = await alertsFor(blindId);
    expect(alert?.labels).toMatchObject({
      alertname: 'ReleaseVerificationInconclusive',
      verdict: 'INCONCLUSIVE',
      severity: 'warning',
    });
  });
});
