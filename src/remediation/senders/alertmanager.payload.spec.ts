import { aRelease, anAlert } from '../../../test/factories/remediation-actions.js';
import {
  alertName,
  alertmanagerAlerts,
  alertmanagerRequest,
  firingAlert,
} from './alertmanager.payload.js';

const sentAt = new Date('2026-03-01T10:30:00Z');
const ctx = {
  idempotencyKey: 'alert:42:FAILED:ALERTMANAGER',
  requestedAt: sentAt,
  sentAt,
  userAgent: 'Shipwatch/test',
};

describe('alertName', () => {
  it.each([
    ['FAILED', 'ReleaseVerificationFailed'],
    ['DEGRADED', 'ReleaseRegression'],
    ['ENV_DEGRADED', 'ReleaseEnvironmentDegraded'],
    ['INCONCLUSIVE', 'ReleaseVerificationInconclusive'],
    ['ROLLBACK_NOT_RECOVERED', 'ReleaseRollbackNotRecovered'],
    ['HEALTHY_LOW_CONFIDENCE', 'ReleaseHealthyLowConfidence'],
  ])('%s -> %s', (verdict, name) => {
    expect(alertName(verdict)).toBe(name);
  });
});

describe('alertmanager payload (postableAlert of api/v2/openapi.yaml)', () => {
  it('fires with labels, annotations, startsAt and generatorURL, without endsAt', () => {
    expect(alertmanagerAlerts(anAlert(), undefined, ctx)).toEqual([
      {
        labels: {
          alertname: 'ReleaseVerificationFailed',
          service: 'checkout',
          namespace: 'shop',
          environment: 'production',
          version: '1.4.2',
          previous_version: '1.4.1',
          verdict: 'FAILED',
          severity: 'critical',
          deployment_id: '42',
        },
        annotations: {
          summary: 'errors 8.0% vs baseline 0.1% (p < 1e-9, burn 80x)',
          description: expect.stringContaining('shop/checkout 1.4.2 in production is FAILED'),
        },
        startsAt: '2026-03-01T10:02:00.000Z',
        generatorURL: 'http://shipwatch.test/deployments/42/verification',
      },
    ]);
  });

  it('leaves out empty optional labels (Alertmanager drops empty label values anyway)', () => {
    const labels = firingAlert(
      anAlert({ release: aRelease({ namespace: '', previousVersion: null, version: null }) }),
    ).labels;
    expect(Object.keys(labels).sort()).toEqual(
      ['alertname', 'deployment_id', 'environment', 'service', 'severity', 'verdict'].sort(),
    );
  });

  it('resolves the alerts that fired, with their labels and endsAt = now', () => {
    const fired = [
      firingAlert(anAlert()),
      firingAlert(anAlert({ verdict: 'INCONCLUSIVE', severity: 'warning' })),
    ];
    const resolved = alertmanagerAlerts(
      anAlert({ state: 'RESOLVED', verdict: 'HEALTHY', severity: 'info' }),
      fired,
      ctx,
    );
    expect(resolved).toEqual(fired.map((a) => ({ ...a, endsAt: '2026-03-01T10:30:00.000Z' })));
  });

  it('without recorded firing alerts, resolves the alert its own labels describe', () => {
    const resolved = alertmanagerAlerts(anAlert({ state: 'RESOLVED' }), [], ctx);
    expect(resolved).toHaveLength(1);
    expect(resolved[0].labels.verdict).toBe('FAILED');
    expect(resolved[0].endsAt).toBe('2026-03-01T10:30:00.000Z');
  });

  it('never sends startsAt after endsAt (Alertmanager refuses it)', () => {
    const future = anAlert({ startsAt: new Date('2026-03-01T11:00:00Z') });
    const [resolved] = alertmanagerAlerts(
      { ...future, state: 'RESOLVED' },
      [firingAlert(future)],
      ctx,
    );
    expect(resolved.startsAt).toBe(resolved.endsAt);
  });

  it('posts a JSON array to /api/v2/alerts', () => {
    const request = alertmanagerRequest('http://am:9093/', [firingAlert(anAlert())], ctx);
    expect(request.url).toBe('http://am:9093/api/v2/alerts');
    expect(Array.isArray(JSON.parse(request.body))).toBe(true);
    expect(request.headers['Content-Type']).toBe('application/json');
  });
});
