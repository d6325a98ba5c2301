import type {
  RemediationAction,
  ReleaseRef,
  RollbackTarget,
} from '../../src/remediation/remediation-action.js';

export type RollbackAction = Extract<RemediationAction, { kind: 'ROLLBACK' }>;
export type AlertAction = Extract<RemediationAction, { kind: 'ALERT' }>;

export function aRelease(overrides: Partial<ReleaseRef> = {}): ReleaseRef {
  return {
    deploymentId: '42',
    service: 'checkout',
    namespace: 'shop',
    environment: 'production',
    version: '1.4.2',
    previousVersion: '1.4.1',
    ...overrides,
  };
}

export function aRollback(
  overrides: Partial<Omit<RollbackAction, 'kind'>> & { target?: RollbackTarget } = {},
): RollbackAction {
  const release = overrides.release ?? aRelease();
  return {
    kind: 'ROLLBACK',
    idempotencyKey: `rollback:${release.deploymentId}`,
    toVersion: '1.4.1',
    reason: 'CRITICAL: errors 8.0% vs 0.1% on 2 consecutive ticks',
    target: {
      kind: 'WEBHOOK',
      url: 'http://127.0.0.1:9/rollback',
      secret: 'whsec-0123456789abcdef',
    },
    ...overrides,
    release,
  };
}

export function anAlert(overrides: Partial<Omit<AlertAction, 'kind'>> = {}): AlertAction {
  const release = overrides.release ?? aRelease();
  const channel = overrides.channel ?? 'ALERTMANAGER';
  const state = overrides.state ?? 'FIRING';
  return {
    kind: 'ALERT',
    idempotencyKey: `alert:${release.deploymentId}:${state === 'FIRING' ? 'FAILED' : 'RESOLVED'}:${channel}`,
    channel,
    state,
    verdict: 'FAILED',
    severity: 'critical',
    summary: 'errors 8.0% vs baseline 0.1% (p < 1e-9, burn 80x)',
    generatorUrl: `http://shipwatch.test/deployments/${release.deploymentId}/verification`,
    startsAt: new Date('2026-03-01T10:02:00Z'),
    ...overrides,
    release,
  };
}
