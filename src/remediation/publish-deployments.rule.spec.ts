import { aRelease } from '../../test/factories/remediation-actions.js';
import type { DeploymentTransition } from '../ingestion/deployment-hooks.js';
import {
  environmentSelected,
  publishActions,
  publishes,
  publishVerdictActions,
  shipwatchDeploymentUrl,
  type PublishSettings,
} from './publish-deployments.rule.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');

function aTransition(overrides: Partial<DeploymentTransition> = {}): DeploymentTransition {
  return {
    deploymentId: '42',
    source: 'ci',
    externalId: 'run-7',
    service: { id: '1', name: 'checkout', namespace: 'shop', team: null },
    environment: { id: '2', name: 'prod-eu', tier: 'production' },
    version: '1.4.2',
    previousVersion: '1.4.1',
    commitSha: 'abc123',
    kind: 'PLANNED',
    status: 'SUCCEEDED',
    previousStatus: 'IN_PROGRESS',
    startedAt: new Date('2026-03-01T11:58:00.000Z'),
    finishedAt: new Date('2026-03-01T11:59:00.000Z'),
    traceParent: null,
    occurredAt: new Date('2026-03-01T11:59:00.000Z'),
    submittedBy: null,
    ...overrides,
  };
}

const settings: PublishSettings = {
  channels: ['PAGERDUTY', 'GRAFANA', 'SLACK'],
  environments: ['tier:production'],
  publicUrl: 'http://shipwatch.test',
};

describe('environmentSelected', () => {
  it('matches a tier entry by tier and a plain entry by name', () => {
    const staging = { id: '3', name: 'staging', tier: 'staging' as const };
    expect(environmentSelected(aTransition().environment, ['tier:production'])).toBe(true);
    expect(environmentSelected(staging, ['tier:production'])).toBe(false);
    expect(environmentSelected(staging, ['tier:production', 'staging'])).toBe(true);
    expect(environmentSelected(aTransition().environment, ['production'])).toBe(false);
  });
});

describe('publishes', () => {
  it('publishes a deployment of a selected environment that reaches SUCCEEDED', () => {
    expect(publishes(aTransition(), settings, NOW)).toBe(true);
    expect(publishes(aTransition({ previousStatus: null }), settings, NOW)).toBe(true);
  });

  it('does not publish other states, repeats, history, other environments or without channels', () => {
    expect(publishes(aTransition({ status: 'FAILED' }), settings, NOW)).toBe(false);
    expect(publishes(aTransition({ previousStatus: 'SUCCEEDED' }), settings, NOW)).toBe(false);
    expect(publishes(aTransition({ previousStatus: 'ROLLED_BACK' }), settings, NOW)).toBe(false);
    const old = new Date(NOW.getTime() - 6 * 60 * 60_000 - 1);
    expect(publishes(aTransition({ finishedAt: old }), settings, NOW)).toBe(false);
    const staging = { id: '3', name: 'staging', tier: 'staging' as const };
    expect(publishes(aTransition({ environment: staging }), settings, NOW)).toBe(false);
    expect(publishes(aTransition(), { ...settings, channels: [] }, NOW)).toBe(false);
  });
});

describe('publishActions', () => {
  it('is one action per channel, keyed by deployment and channel', () => {
    const actions = publishActions(aTransition(), 'https://ci.example.com/runs/7', settings);
    expect(actions.map((a) => [a.channel, a.idempotencyKey])).toEqual([
      ['PAGERDUTY', 'publish:42:PAGERDUTY'],
      ['GRAFANA', 'publish:42:GRAFANA'],
      ['SLACK', 'publish:42:SLACK'],
    ]);
    expect(actions[0]).toEqual({
      kind: 'PUBLISH',
      idempotencyKey: 'publish:42:PAGERDUTY',
      channel: 'PAGERDUTY',
      release: aRelease({ environment: 'prod-eu' }),
      deployment: {
        commitSha: 'abc123',
        startedAt: '2026-03-01T11:58:00.000Z',
        finishedAt: '2026-03-01T11:59:00.000Z',
        url: 'https://ci.example.com/runs/7',
        shipwatchUrl: shipwatchDeploymentUrl('http://shipwatch.test', '42'),
      },
    });
  });

  it('links the deployment in Shipwatch through GraphQL', () => {
    const url = new URL(shipwatchDeploymentUrl('http://shipwatch.test', '42'));
    expect(url.pathname).toBe('/graphql');
    expect(url.searchParams.get('query')).toContain('deployment(id: "42")');
  });
});

describe('publishVerdictActions', () => {
  const release = aRelease({ environment: 'prod-eu' });
  const stored = {
    release,
    environmentTier: 'production',
    commitSha: 'abc123',
    startedAt: null,
    finishedAt: new Date('2026-03-01T11:59:00.000Z'),
    url: null,
  };
  const verdict = { state: 'FAILED', reason: 'CRITICAL for 60s', at: NOW };

  it('is one action per channel, keyed by deployment, channel and verdict', () => {
    const actions = publishVerdictActions(stored, verdict, settings);
    expect(actions.map((a) => a.idempotencyKey)).toEqual([
      'publish:42:PAGERDUTY:FAILED',
      'publish:42:GRAFANA:FAILED',
      'publish:42:SLACK:FAILED',
    ]);
    expect(actions[0].verdict).toEqual({
      state: 'FAILED',
      reason: 'CRITICAL for 60s',
      at: '2026-03-01T12:00:00.000Z',
    });
    // an early HEALTHY overturned by its watch publishes both verdicts
    const healthy = publishVerdictActions(stored, { ...verdict, state: 'HEALTHY' }, settings);
    expect(healthy[0].idempotencyKey).toBe('publish:42:PAGERDUTY:HEALTHY');
  });

  it('publishes nothing for an environment that is not selected', () => {
    expect(
      publishVerdictActions({ ...stored, environmentTier: 'staging' }, verdict, settings),
    ).toEqual([]);
  });
});
