import {
  aChangeFact,
  aRelease,
  anAlert,
  anExplanation,
} from '../../../test/factories/remediation-actions.js';
import {
  alertName,
  alertmanagerAlerts,
  alertmanagerRequest,
  firingAlert,
  MAX_CHANGES_ANNOTATION,
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

describe('alertmanager payload with the release explanation', () => {
  const sha = (i: number): string => i.toString(16).padStart(40, '0');

  it('adds reason, evidence, changeset and changes annotations, and leaves the labels alone', () => {
    const plain = firingAlert(anAlert());
    const alert = firingAlert(anAlert({ explanation: anExplanation() }));
    expect(alert.labels).toEqual(plain.labels);
    expect(alert.annotations).toEqual({
      ...plain.annotations,
      reason: 'errors 8.0% vs baseline 0.1% (p < 1e-9, burn 80x)',
      evidence: 'http://shipwatch.test/graphql?query=evidence-42',
      changeset: '1 change',
      changes: '#42 Fix checkout totals by alice (a1b2c3d4e5f6), lead time 3.5h',
    });
  });

  it('cuts the changes annotation at a whole line under its limit and counts the rest', () => {
    const changes = Array.from({ length: 1_000 }, (_, i) =>
      aChangeFact({
        sha: sha(i + 1),
        pullRequestId: String(i + 1),
        pullRequestTitle: 't'.repeat(5_000),
        pullRequestAuthor: null,
        author: null,
        startedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000),
      }),
    );
    const { annotations } = firingAlert(anAlert({ explanation: anExplanation(changes) }));
    const lines = annotations.changes.split('\n');
    expect(annotations.changes.length).toBeLessThanOrEqual(MAX_CHANGES_ANNOTATION);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines[0]).toMatch(/^#1000 t{199}… by unknown author \([0-9a-f]{12}\), lead time 3\.5h$/);
    expect(lines.at(-1)).toBe(`… and ${1_000 - (lines.length - 1)} more`);
    expect(annotations.changeset).toBe('1000 changes (the 20 most recent listed)');
  });

  it('says so when the changeset is empty, without a changes annotation', () => {
    const { annotations } = firingAlert(
      anAlert({
        explanation: anExplanation([], {
          changesetNote: 'no new changes since the previous deployment (1.4.1)',
        }),
      }),
    );
    expect(annotations.changeset).toBe('no new changes since the previous deployment (1.4.1)');
    expect(annotations).not.toHaveProperty('changes');
  });
});
