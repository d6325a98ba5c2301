import {
  explainRelease,
  type ChangeFact,
  type ExplanationInput,
  type ReleaseExplanation,
} from '../../src/remediation/release-explanation.rule.js';
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

/** A change of a release's changeset as stored (see release-explanation.rule.ts). */
export function aChangeFact(overrides: Partial<ChangeFact> = {}): ChangeFact {
  return {
    sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9001122334',
    pullRequestId: '42',
    pullRequestTitle: 'Fix checkout totals',
    pullRequestUrl: 'https://github.com/acme/shop/pull/42',
    pullRequestAuthor: 'alice',
    message: 'Merge pull request #42 from acme/fix-totals',
    author: 'web-flow',
    startedAt: new Date('2026-03-01T07:00:00Z'),
    leadTimeSeconds: 3 * 3600 + 1800,
    excludedReason: null,
    ...overrides,
  };
}

/** The explanation of a release with these changes (one by default). */
export function anExplanation(
  changes: readonly ChangeFact[] = [aChangeFact()],
  overrides: Partial<ExplanationInput> = {},
): ReleaseExplanation {
  return explainRelease({
    changesetStatus: 'FROM_PUSHES',
    changesetNote: null,
    changes,
    reason: 'errors 8.0% vs baseline 0.1% (p < 1e-9, burn 80x)',
    evidenceUrl: 'http://shipwatch.test/graphql?query=evidence-42',
    ...overrides,
  });
}
