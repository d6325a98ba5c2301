/**
 * Late regressions (docs/verification.md "Late regressions") through a REAL Prometheus holding
 * backfilled OpenTelemetry HTTP metrics: releases verified HEALTHY tick by tick at past instants
 * (runDueTicks(now)), then their late watch driven every minute of the same clock
 * (LateWatchService.runDue(now)); the outbox delivered to receivers on 127.0.0.1 standing in
 * for Alertmanager (API v2) and a rollback webhook.
 */
import { jest } from '@jest/globals';
import { startPrometheus, type RunningPrometheus } from '../../src/demo/prometheus-process.js';
import { OutboxDispatcher } from '../../src/remediation/outbox.dispatcher.js';
import { LateWatchService } from '../../src/verification/late-watch/late-watch.service.js';
import { VerificationService } from '../../src/verification/verification.service.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/signed-webhook-receiver.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { openMetricsHistory, type ServiceHistory } from './verification-history.js';

jest.setTimeout(300_000);

const STEP = 15;
const NOW = Math.floor(Date.now() / 1000 / STEP) * STEP;
/** The releases finished 110 minutes ago; history starts an hour before them. */
const T0 = NOW - 110 * 60;
const START = T0 - 60 * 60;
/** The verification ends HEALTHY at the end of the 600 s bake; the leak starts 40 minutes later. */
const HEALTHY_AT = T0 + 600;
const ONSET = HEALTHY_AT + 40 * 60;
/** A newer deployment of `superseded`, before its leak starts. */
const NEWER_AT = T0 + 1800;
const at = (s: number): Date => new Date(s * 1000);
const iso = (s: number): string => at(s).toISOString();
const constant = (x: number) => () => x;

/** Seeded Poisson errors of a healthy release: 0.1 % on average, step by step. */
function noisyErrors(rps: number, ratio: number): (t: number) => number {
  return (t) => {
    let seed = (t * 2_654_435_761) % 4_294_967_296;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    const mean = rps * STEP * ratio;
    let k = 0;
    let p = Math.exp(-mean);
    let s = p;
    const u = random();
    while (u > s) s += p *= mean / ++k;
    return k / (rps * STEP);
  };
}

/** 1.9.0 for an hour, then 2.0.0 from T0 at 20 requests/s: errors as given. */
const release = (service: string, errorRatio: (t: number) => number): ServiceHistory => ({
  service,
  namespace: '',
  environment: 'production',
  layout: 'labels',
  versions: [
    {
      version: '1.9.0',
      from: START,
      to: T0,
      rps: constant(20),
      errorRatio: noisyErrors(20, 0.001),
      slowRatio: constant(0.005),
    },
    {
      version: '2.0.0',
      from: T0,
      to: NOW,
      rps: constant(20),
      errorRatio,
      slowRatio: constant(0.005),
    },
  ],
});

/** A memory leak: healthy, then 5 % errors (the pods out of memory) from ONSET on. */
const leaking = noisyErrors(20, 0.001);
const leak = (t: number) => (t >= ONSET ? 0.05 : leaking(t));

const HISTORY = openMetricsHistory([
  release('leak', leak),
  release('leak-rollback', leak),
  release('superseded', leak),
  release('steady', noisyErrors(20, 0.001)),
]);

const DEPLOYMENT = `mutation($input: DeploymentInput!) { recordDeployment(input: $input) { result entityId } }`;
const INCIDENT = `mutation($input: IncidentInput!) { recordIncident(input: $input) { result entityId } }`;
const SAVE = `mutation($input: SaveVerificationPolicyInput!) { saveVerificationPolicy(input: $input) { id lateRegressionRollback timing { lateWatchSeconds lateWatchIntervalSeconds } } }`;
const VERIFICATION = `query($id: ID!) { releaseVerification(deploymentId: $id) {
  state rollbackRequestedAt
  lateWatch { state watchUntil nextCheckAt checks endedAt
    regressions { detectedAt sli burnWindow factor longBurnRate shortBurnRate onsetAt reason
                  incidentId incidentOpened rollbackRequested rollbackBlockedReason } }
} }`;
const TRIAGE = `query($since: DateTime!) { incidentTriage(since: $since) {
  status reason incident { id externalId } deployment { id status }
} }`;

interface LateWatchView {
  state: string;
  rollbackRequestedAt: string | null;
  lateWatch: {
    state: string;
    watchUntil: string;
    nextCheckAt: string | null;
    checks: number;
    endedAt: string | null;
    regressions: {
      detectedAt: string;
      sli: string;
      burnWindow: string;
      factor: number;
      longBurnRate: number;
      shortBurnRate: number;
      onsetAt: string;
      reason: string;
      incidentId: string | null;
      incidentOpened: boolean;
      rollbackRequested: boolean;
      rollbackBlockedReason: string | null;
    }[];
  } | null;
}

describe('late regressions after a HEALTHY verdict, through a real Prometheus', () => {
  let prometheus: RunningPrometheus;
  let alertmanager: WebhookReceiver;
  let rollbacks: WebhookReceiver;
  let t: TestApp;
  const ids: Record<string, string> = {};
  let openIncident: string;
  let savedLeak: unknown;

  beforeAll(async () => {
    [prometheus, alertmanager, rollbacks] = await Promise.all([
      startPrometheus({ scrapeTargets: [], backfill: HISTORY }),
      startWebhookReceiver(),
      startWebhookReceiver({ secret: 'rollback-secret-0123456789' }),
    ]);
    t = await startTestApp({
      PROMETHEUS_URL: prometheus.url,
      ALERTMANAGER_URL: alertmanager.url,
      SHIPWATCH_OUTBOUND_PRIVATE_HOSTS: `127.0.0.1:${alertmanager.port},127.0.0.1:${rollbacks.port}`,
    });
    const save = async (service: string, extra: Record<string, unknown>) => {
      const res = await t.gql(SAVE, {
        input: {
          service,
          environment: 'production',
          mode: 'ENFORCE',
          alertChannels: ['ALERTMANAGER'],
          rollbackTarget: {
            kind: 'WEBHOOK',
            url: `${rollbacks.url}/rollback`,
            secret: 'rollback-secret-0123456789',
          },
          ...extra,
          // the deploys are 110 minutes in the past: still verified
          timing: { maxVerificationSeconds: 86_400, ...(extra.timing as object) },
        },
      });
      expect(res.errors).toBeUndefined();
      return res.data!.saveVerificationPolicy;
    };
    savedLeak = await save('leak', {});
    await save('leak-rollback', { lateRegressionRollback: true });
    await save('superseded', {});
    // the whole watch within the history: 100 minutes after the deploy
    await save('steady', { timing: { lateWatchSeconds: 6000 } });

    const deploy = async (service: string, version: string, finished: number) => {
      const res = await t.gql(DEPLOYMENT, {
        input: {
          source: 'ci',
          eventId: `${service}-${version}`,
          deploymentId: `${service}-${version}`,
          service,
          environment: 'production',
          status: 'SUCCEEDED',
          version,
          previousVersion: version === '2.0.0' ? '1.9.0' : '2.0.0',
          finishedAt: iso(finished),
        },
      });
      expect(res.data!.recordDeployment).toMatchObject({ result: 'ACCEPTED' });
      return (res.data!.recordDeployment as { entityId: string }).entityId;
    };
    for (const service of ['leak', 'leak-rollback', 'superseded', 'steady']) {
      ids[service] = await deploy(service, '2.0.0', T0);
    }
    // An incident of leak-rollback's service is open (paged by a monitor) before the leak.
    const incident = await t.gql(INCIDENT, {
      input: {
        source: 'pagerduty',
        eventId: 'pd-1',
        incidentId: 'PD-1',
        services: [{ name: 'leak-rollback' }],
        environment: 'production',
        title: 'leak-rollback answers errors',
        detectedAt: iso(ONSET + 60),
      },
    });
    openIncident = (incident.data!.recordIncident as { entityId: string }).entityId;

    const verifications = t.app.get(VerificationService);
    const late = t.app.get(LateWatchService);
    for (let s = T0 + 30; s <= HEALTHY_AT + 30; s += 30) await verifications.runDueTicks(at(s));
    for (let s = HEALTHY_AT + 60; s <= NOW; s += 60) {
      if (s === NEWER_AT) ids.newer = await deploy('superseded', '2.0.1', NEWER_AT);
      // history imported late: an older deployment of leak ends no watch
      if (s === NEWER_AT) ids.older = await deploy('leak', '1.8.0', T0 - 1800);
      await late.runDue(at(s));
    }
    const dispatcher = t.app.get(OutboxDispatcher);
    for (let i = 0; i < 3; i++) await dispatcher.dispatchDue(new Date());
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([prometheus?.stop(), alertmanager?.stop(), rollbacks?.stop()]);
  });

  async function view(service: string): Promise<LateWatchView> {
    const res = await t.gql(VERIFICATION, { id: ids[service] });
    expect(res.errors).toBeUndefined();
    return res.data!.releaseVerification as LateWatchView;
  }

  /** The alerts Alertmanager received about a deployment, one entry per POST. */
  const alertsAbout = (deploymentId: string) =>
    alertmanager.requests
      .filter((r) => r.path === '/api/v2/alerts')
      .flatMap((r) => r.json as { labels: Record<string, string> }[])
      .filter((a) => a.labels.deployment_id === deploymentId);

  const deploymentStatus = async (id: string) =>
    (await t.gql(`query($id: ID!) { deployment(id: $id) { status } }`, { id })).data!
      .deployment as { status: string };

  it('ties a memory leak 40 minutes after HEALTHY to the release, alerts once, never rolls back', async () => {
    // the defaults: a day's watch, a check every 5 minutes, no rollback
    expect(savedLeak).toMatchObject({
      lateRegressionRollback: false,
      timing: { lateWatchSeconds: 86_400, lateWatchIntervalSeconds: 300 },
    });
    const v = await view('leak');
    expect(v.state).toBe('HEALTHY');
    expect(v.rollbackRequestedAt).toBeNull();
    // (an older deployment of leak imported during the watch did not end it)
    expect(ids.older).toBeDefined();
    expect(v.lateWatch).toMatchObject({ state: 'REGRESSED', nextCheckAt: null });
    const [finding] = v.lateWatch!.regressions;
    expect(v.lateWatch!.regressions).toHaveLength(1);
    expect(finding).toMatchObject({
      sli: 'errors',
      incidentOpened: true,
      rollbackRequested: false,
      rollbackBlockedReason: null,
    });
    // detected within 15 minutes of the onset, by both windows of a pair burning at its factor
    const detected = Date.parse(finding.detectedAt) / 1000;
    expect(detected).toBeGreaterThan(ONSET);
    expect(detected).toBeLessThanOrEqual(ONSET + 15 * 60);
    expect(finding.longBurnRate).toBeGreaterThanOrEqual(finding.factor);
    expect(finding.shortBurnRate).toBeGreaterThanOrEqual(finding.factor);

    const alerts = alertsAbout(ids.leak);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].labels).toMatchObject({
      alertname: 'ReleaseLateRegression',
      service: 'leak',
      version: '2.0.0',
      verdict: 'LATE_REGRESSION',
    });
    // the only rollback requested is leak-rollback's, whose policy asks for it
    expect(rollbacks.requests.map((r) => r.idempotencyKey)).toEqual([
      `rollback:${ids['leak-rollback']}`,
    ]);
    expect((await deploymentStatus(ids.leak)).status).toBe('SUCCEEDED');

    // shown for triage: the release is a suspected cause of the incident opened for it
    const triage = await t.gql(TRIAGE, { since: iso(START) });
    expect(triage.errors).toBeUndefined();
    const items = triage.data!.incidentTriage as {
      status: string;
      reason: string;
      incident: { id: string; externalId: string };
      deployment: { id: string } | null;
    }[];
    expect(items.filter((i) => i.deployment?.id === ids.leak)).toEqual([
      expect.objectContaining({
        status: 'SUSPECTED',
        reason: 'LATE_REGRESSION',
        incident: { id: finding.incidentId, externalId: `release-late-regression-${ids.leak}` },
      }),
    ]);
  });

  it('rolls back when the policy says so, and links the open incident of the service', async () => {
    const v = await view('leak-rollback');
    expect(v.rollbackRequestedAt).not.toBeNull();
    expect(v.lateWatch!.regressions).toEqual([
      expect.objectContaining({
        rollbackRequested: true,
        incidentId: openIncident,
        incidentOpened: false,
      }),
    ]);
    expect(rollbacks.executed).toEqual([`rollback:${ids['leak-rollback']}`]);
    expect((await deploymentStatus(ids['leak-rollback'])).status).toBe('ROLLED_BACK');
    expect(alertsAbout(ids['leak-rollback'])).toHaveLength(1);
    const triage = await t.gql(TRIAGE, { since: iso(START) });
    const items = triage.data!.incidentTriage as {
      reason: string;
      incident: { id: string };
      deployment: { id: string } | null;
    }[];
    expect(items.filter((i) => i.incident.id === openIncident)).toEqual([
      expect.objectContaining({
        reason: 'LATE_REGRESSION',
        deployment: expect.objectContaining({ id: ids['leak-rollback'] }),
      }),
    ]);
  });

  it('ends the watch when a newer deployment of the service arrives', async () => {
    const v = await view('superseded');
    expect(v.lateWatch).toMatchObject({ state: 'SUPERSEDED', nextCheckAt: null, regressions: [] });
    expect(v.lateWatch!.endedAt).not.toBeNull();
    expect(alertsAbout(ids.superseded)).toEqual([]);
  });

  it('refuses a watch longer than a day with INVALID_POLICY, storing nothing', async () => {
    const res = await t.gql(SAVE, {
      input: {
        service: 'too-long',
        environment: 'production',
        timing: { lateWatchSeconds: 172_800 },
      },
    });
    expect(res.errors?.[0].extensions).toMatchObject({
      code: 'INVALID_POLICY',
      problems: [{ field: 'timing.lateWatchSeconds', message: 'at most 86400 (a day)' }],
    });
    const listed = await t.gql(`{ verificationPolicies(service: "too-long") { id } }`);
    expect(listed.data!.verificationPolicies).toEqual([]);
  });

  it('keeps a healthy release quiet for the whole period, through noise', async () => {
    const v = await view('steady');
    expect(v.lateWatch).toMatchObject({ state: 'ENDED', nextCheckAt: null, regressions: [] });
    // a check every 5 minutes from the end of the bake to 6,000 s after the deploy
    expect(v.lateWatch!.checks).toBeGreaterThanOrEqual(17);
    expect(Date.parse(v.lateWatch!.endedAt!)).toBeGreaterThanOrEqual(Date.parse(iso(T0 + 6000)));
    expect(alertsAbout(ids.steady)).toEqual([]);
    // and only the two regressions were alerted at all
    expect(alertmanager.requests.filter((r) => r.path === '/api/v2/alerts')).toHaveLength(2);
  });
});
