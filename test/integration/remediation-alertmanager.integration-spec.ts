import { jest } from '@jest/globals';
import { DataSource } from 'typeorm';
import { OutboxDispatcher } from '../../src/remediation/outbox.dispatcher.js';
import { OutboxService } from '../../src/remediation/outbox.service.js';
import type { RemediationAction } from '../../src/remediation/remediation-action.js';
import { aRelease, anAlert } from '../factories/remediation-actions.js';
import { startAlertmanager, type RunningAlertmanager } from '../../src/demo/prometheus-process.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

jest.setTimeout(60_000);

describe('alerts to a real Alertmanager (API v2)', () => {
  let am: RunningAlertmanager;
  let t: TestApp;
  let outbox: OutboxService;
  let dispatcher: OutboxDispatcher;
  let ds: DataSource;

  beforeAll(async () => {
    am = await startAlertmanager();
    t = await startTestApp({ ALERTMANAGER_URL: am.url });
    outbox = t.app.get(OutboxService);
    dispatcher = t.app.get(OutboxDispatcher);
    ds = t.app.get(DataSource);
  });
  afterAll(async () => {
    await t?.close();
    await am?.stop();
  });

  const enqueue = (action: RemediationAction) =>
    ds.transaction((manager) => outbox.enqueue(manager, action));
  const ours = async (deploymentId: string) =>
    (await am.alerts()).filter((a) => a.labels.deployment_id === deploymentId);

  it('posts a firing alert that Alertmanager lists, then resolves it with endsAt', async () => {
    const release = aRelease({ deploymentId: 'am-1' });
    const startsAt = new Date(Date.now() - 60_000);
    await enqueue(
      anAlert({ release, startsAt, idempotencyKey: 'alert:am-1:FAILED:FIRING:ALERTMANAGER' }),
    );
    expect(await dispatcher.dispatchDue(new Date())).toMatchObject({ delivered: 1 });

    const [listed] = await ours('am-1');
    expect(listed.status.state).toBe('active');
    expect(listed.labels).toEqual({
      alertname: 'ReleaseVerificationFailed',
      service: 'checkout',
      namespace: 'shop',
      environment: 'production',
      version: '1.4.2',
      previous_version: '1.4.1',
      verdict: 'FAILED',
      severity: 'critical',
      deployment_id: 'am-1',
    });
    expect(listed.annotations.summary).toContain('errors 8.0%');
    expect(new Date(listed.startsAt).getTime()).toBe(startsAt.getTime());
    expect(listed.generatorURL).toBe('http://shipwatch.test/deployments/am-1/verification');

    // Re-posting active alerts keeps it alive and changes nothing else.
    expect(await dispatcher.repostActiveAlerts(new Date())).toBe(1);
    expect(await ours('am-1')).toHaveLength(1);

    // The resolve carries another verdict/severity; the outbox resolves what actually fired.
    await enqueue(
      anAlert({
        release,
        state: 'RESOLVED',
        verdict: 'HEALTHY',
        severity: 'info',
        idempotencyKey: 'alert:am-1:FAILED:RESOLVED:ALERTMANAGER',
      }),
    );
    expect(await dispatcher.dispatchDue(new Date())).toMatchObject({ delivered: 1 });
    expect(await ours('am-1')).toEqual([]);
    // ... and it is no longer re-posted.
    expect(await dispatcher.repostActiveAlerts(new Date())).toBe(0);
  });

  it('keeps alerts of different deployments apart', async () => {
    for (const id of ['am-2', 'am-3']) {
      await enqueue(
        anAlert({
          release: aRelease({ deploymentId: id }),
          verdict: 'ENV_DEGRADED',
          severity: 'warning',
          idempotencyKey: `alert:${id}:ENV_DEGRADED:FIRING:ALERTMANAGER`,
          startsAt: new Date(),
        }),
      );
    }
    await dispatcher.dispatchDue(new Date());
    const [a2] = await ours('am-2');
    expect(a2.labels).toMatchObject({
      alertname: 'ReleaseEnvironmentDegraded',
      verdict: 'ENV_DEGRADED',
      severity: 'warning',
    });
    expect(await ours('am-3')).toHaveLength(1);
  });
});
