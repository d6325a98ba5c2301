import { anExplanation } from '../../../test/factories/remediation-actions.js';
import type { ReleaseRef } from '../../remediation/remediation-action.js';
import { planRemediation, type PlanInput } from './remediation-plan.rule.js';

const NOW = new Date('2026-11-20T10:05:00Z');
const release: ReleaseRef = {
  deploymentId: '7',
  service: 'checkout',
  namespace: '',
  environment: 'production',
  version: '2.0.0',
  previousVersion: '1.9.0',
};
const input = (overrides: Partial<PlanInput> = {}): PlanInput => ({
  kind: 'RELEASE',
  state: 'FAILED',
  reason: 'CRITICAL on 2 consecutive ticks',
  canaryRegressed: false,
  mode: 'ENFORCE',
  release,
  rollbackTarget: { kind: 'WEBHOOK', url: 'http://127.0.0.1:9/rb', secret: 'abcdefgh' },
  alertChannels: ['ALERTMANAGER', 'SLACK'],
  guards: { alreadyRequested: false, lastRollbackAt: null, failedVersions: [] },
  cooldownSeconds: 3600,
  now: NOW,
  startsAt: new Date('2026-11-20T10:04:00Z'),
  generatorUrl: 'http://shipwatch/x',
  ...overrides,
});

describe('planRemediation', () => {
  it('rolls back once (idempotency key per deployment) and pages every channel in enforce mode', () => {
    const p = planRemediation(input());
    expect(p.rollbackRequested).toBe(true);
    expect(p.actions.map((a) => a.idempotencyKey)).toEqual([
      'rollback:7',
      'alert:7:FAILED:FIRING:ALERTMANAGER',
      'alert:7:FAILED:FIRING:SLACK',
    ]);
    expect(p.actions[0]).toMatchObject({ kind: 'ROLLBACK', toVersion: '1.9.0' });
    expect(p.openIncident).toBe(true);
  });

  it('pages a refused rollback on the alert channels and claims no rollback is under way', () => {
    const refused = 'target URL host rollback.internal is not in SHIPWATCH_OUTBOUND_ALLOWED_HOSTS';
    const guards = {
      alreadyRequested: false,
      lastRollbackAt: null,
      failedVersions: [],
      rollbackRefused: refused,
    };
    const p = planRemediation(input({ guards, configuredChannels: ['PAGERDUTY'] }));
    expect(p.rollbackRequested).toBe(false);
    expect(p.rollbackBlocked).toBe(`rollback refused: ${refused}`);
    expect(p.openIncident).toBe(true);
    expect(p.actions.map((a) => a.idempotencyKey)).toEqual([
      'alert:7:FAILED:FIRING:ALERTMANAGER',
      'alert:7:FAILED:FIRING:SLACK',
      'alert:7:ROLLBACK_BLOCKED:FIRING:ALERTMANAGER',
      'alert:7:ROLLBACK_BLOCKED:FIRING:SLACK',
    ]);
    expect(p.actions[0]).toMatchObject({
      summary: expect.stringMatching(/automatic rollback was refused \(target URL host/),
    });
    expect(p.actions[2]).toMatchObject({
      verdict: 'ROLLBACK_BLOCKED',
      severity: 'critical',
      summary: expect.stringMatching(/could not request the rollback of checkout 2.0.0.*by hand/),
    });
    // A policy without alert channels still pages: every channel configured in Shipwatch.
    const silent = planRemediation(
      input({ guards, alertChannels: [], configuredChannels: ['PAGERDUTY'] }),
    );
    expect(silent.actions.map((a) => a.idempotencyKey)).toEqual([
      'alert:7:ROLLBACK_BLOCKED:FIRING:PAGERDUTY',
    ]);
    // Only a wanted rollback can be refused: advise mode and healthy verdicts page nothing more.
    expect(planRemediation(input({ guards, mode: 'ADVISE' })).rollbackBlocked).toBe('mode ADVISE');
    expect(planRemediation(input({ guards, state: 'HEALTHY' })).actions).toEqual([]);
  });

  it('blocks a second automatic rollback of the service within the cooldown', () => {
    const recent = planRemediation(
      input({
        guards: {
          alreadyRequested: false,
          lastRollbackAt: new Date(NOW.getTime() - 600_000),
          failedVersions: [],
        },
      }),
    );
    expect(recent.rollbackRequested).toBe(false);
    expect(recent.rollbackBlocked).toMatch(/cooldown 3600s/);
    expect(recent.actions.map((a) => a.kind)).toEqual(['ALERT', 'ALERT']);
    expect(recent.actions[0]).toMatchObject({
      severity: 'critical',
      summary: expect.stringMatching(/rollback recommended/),
    });
    const old = planRemediation(
      input({
        guards: {
          alreadyRequested: false,
          lastRollbackAt: new Date(NOW.getTime() - 3_600_000),
          failedVersions: [],
        },
      }),
    );
    expect(old.rollbackRequested).toBe(true);
  });

  it('never rolls back to a version that failed, nor twice, nor without a target or previous version', () => {
    const guards = { alreadyRequested: false, lastRollbackAt: null, failedVersions: ['1.9.0'] };
    expect(planRemediation(input({ guards })).rollbackBlocked).toMatch(/1.9.0 failed verification/);
    const twice = planRemediation(
      input({ guards: { ...guards, failedVersions: [], alreadyRequested: true } }),
    );
    expect(twice.rollbackBlocked).toMatch(/already requested/);
    expect(planRemediation(input({ rollbackTarget: null })).rollbackBlocked).toMatch(
      /no rollback target/,
    );
    const unknown = planRemediation(input({ release: { ...release, previousVersion: null } }));
    expect(unknown.rollbackBlocked).toMatch(/previous version is unknown/);
  });

  it('only alerts in advise mode and does nothing in dry-run', () => {
    const advise = planRemediation(input({ mode: 'ADVISE' }));
    expect(advise.actions.map((a) => a.kind)).toEqual(['ALERT', 'ALERT']);
    expect(advise.openIncident).toBe(true);
    const dry = planRemediation(input({ mode: 'DRY_RUN' }));
    expect(dry).toMatchObject({
      actions: [],
      openIncident: false,
      rollbackBlocked: 'mode DRY_RUN',
    });
  });

  it('sends nothing for healthy or unverified releases', () => {
    for (const state of [
      'HEALTHY',
      'HEALTHY_LOW_CONFIDENCE',
      'UNVERIFIED',
      'SUPERSEDED',
    ] as const) {
      expect(planRemediation(input({ state })).actions).toEqual([]);
    }
  });

  it('puts the explanation on the rollback and the alerts about this release, not on others', () => {
    const explanation = anExplanation();
    const failed = planRemediation(input({ explanation }));
    expect(failed.actions.map((a) => a.explanation)).toEqual([
      explanation,
      explanation,
      explanation,
    ]);
    const remediated = { ...release, deploymentId: '6', version: '2.0.0' };
    const rollbackFailed = planRemediation(
      input({
        kind: 'ROLLBACK',
        explanation,
        remediated: { release: remediated, state: 'FAILED' },
      }),
    );
    expect(rollbackFailed.actions.length).toBeGreaterThan(0);
    expect(rollbackFailed.actions.every((a) => a.explanation === undefined)).toBe(true);
  });
});
