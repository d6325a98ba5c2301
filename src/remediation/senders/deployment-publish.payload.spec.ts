import { aRelease } from '../../../test/factories/remediation-actions.js';
import type { PublishAction } from '../remediation-action.js';
import {
  deploymentSlackMessage,
  grafanaAnnotation,
  pagerdutyChangeEvent,
  pagerdutyChangeUrl,
} from './deployment-publish.payload.js';

const SHIPWATCH = 'http://shipwatch.test/graphql?query=deployment-42';

function aPublication(overrides: Partial<PublishAction> = {}): PublishAction {
  return {
    kind: 'PUBLISH',
    idempotencyKey: 'publish:42:PAGERDUTY',
    channel: 'PAGERDUTY',
    release: aRelease(),
    deployment: {
      commitSha: '0123456789abcdef0123456789abcdef01234567',
      startedAt: '2026-03-01T10:00:00.000Z',
      finishedAt: '2026-03-01T10:02:30.000Z',
      url: 'https://ci.example.com/runs/7',
      shipwatchUrl: SHIPWATCH,
    },
    ...overrides,
  };
}

describe('pagerdutyChangeUrl', () => {
  it('is /v2/change/enqueue beside the Events API v2 endpoint', () => {
    expect(pagerdutyChangeUrl('https://events.pagerduty.com/v2/enqueue')).toBe(
      'https://events.pagerduty.com/v2/change/enqueue',
    );
    expect(pagerdutyChangeUrl('http://127.0.0.1:9999/pd/v2/enqueue')).toBe(
      'http://127.0.0.1:9999/pd/v2/change/enqueue',
    );
    expect(() => pagerdutyChangeUrl('https://events.example.com/hook')).toThrow(/v2\/enqueue/);
  });
});

describe('pagerdutyChangeEvent (Events API v2 change event)', () => {
  it('has routing_key, payload {summary, source, timestamp, custom_details} and links', () => {
    expect(pagerdutyChangeEvent(aPublication(), 'pd-key')).toEqual({
      routing_key: 'pd-key',
      payload: {
        summary: 'Deployed shop/checkout 1.4.2 to production (from 1.4.1)',
        source: 'shop/checkout',
        timestamp: '2026-03-01T10:02:30.000Z',
        custom_details: {
          service: 'checkout',
          namespace: 'shop',
          environment: 'production',
          version: '1.4.2',
          previous_version: '1.4.1',
          commit: '0123456789abcdef0123456789abcdef01234567',
          deployment_id: '42',
          deployment_url: 'https://ci.example.com/runs/7',
        },
      },
      links: [
        { href: SHIPWATCH, text: 'Deployment in Shipwatch' },
        { href: 'https://ci.example.com/runs/7', text: 'Deployment run' },
      ],
    });
  });

  it('links Shipwatch only when the deployment has no link, and keeps the summary within 1024', () => {
    const a = aPublication({
      release: { ...aPublication().release, namespace: '', version: 'v'.repeat(2000) },
      deployment: { ...aPublication().deployment, url: null },
    });
    const event = pagerdutyChangeEvent(a, 'pd-key');
    expect(event.links).toEqual([{ href: SHIPWATCH, text: 'Deployment in Shipwatch' }]);
    expect(event.payload.custom_details.deployment_url).toBe(SHIPWATCH);
    expect(event.payload.source).toBe('checkout');
    expect(event.payload.summary).toHaveLength(1024);
  });
});

describe('grafanaAnnotation (POST /api/annotations)', () => {
  it('spans the deployment in epoch milliseconds, with tags and text', () => {
    expect(grafanaAnnotation(aPublication({ channel: 'GRAFANA' }))).toEqual({
      time: Date.parse('2026-03-01T10:00:00.000Z'),
      timeEnd: Date.parse('2026-03-01T10:02:30.000Z'),
      tags: ['deployment', 'service:checkout', 'namespace:shop', 'env:production', 'version:1.4.2'],
      text: `Deployed shop/checkout 1.4.2 to production (from 1.4.1), commit 0123456789ab. <a href="${SHIPWATCH}">Shipwatch</a>`,
    });
  });

  it('is a point in time without a start, and leaves out unknown tags', () => {
    const a = aPublication({
      release: { ...aPublication().release, namespace: '', version: null, previousVersion: null },
      deployment: { ...aPublication().deployment, startedAt: null, commitSha: null },
    });
    const annotation = grafanaAnnotation(a);
    expect(annotation.time).toBe(annotation.timeEnd);
    expect(annotation.tags).toEqual(['deployment', 'service:checkout', 'env:production']);
    expect(annotation.text).toBe(
      `Deployed checkout (unknown version) to production. <a href="${SHIPWATCH}">Shipwatch</a>`,
    );
  });
});

describe('deploymentSlackMessage (incoming webhook body)', () => {
  it('has a fallback text and section/context blocks', () => {
    expect(deploymentSlackMessage(aPublication({ channel: 'SLACK' }))).toEqual({
      text: ':rocket: Deployed shop/checkout 1.4.2 to production (from 1.4.1)',
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: ':rocket: Deployed shop/checkout 1.4.2 to production (from 1.4.1)',
          },
        },
        {
          type: 'context',
          elements: [
            { type: 'mrkdwn', text: `<${SHIPWATCH}|Deployment in Shipwatch>` },
            { type: 'mrkdwn', text: '<https://ci.example.com/runs/7|Deployment run>' },
            { type: 'mrkdwn', text: 'deployment 42' },
            { type: 'mrkdwn', text: 'commit 0123456789ab' },
          ],
        },
      ],
    });
  });

  it('escapes what Slack reads as markup', () => {
    const a = aPublication({ release: { ...aPublication().release, version: '<b>&1' } });
    expect(deploymentSlackMessage(a).text).toBe(
      ':rocket: Deployed shop/checkout &lt;b&gt;&amp;1 to production (from 1.4.1)',
    );
  });
});

describe('a published verdict', () => {
  const verdict = {
    state: 'FAILED',
    reason: 'CRITICAL for 60s with a healthy baseline',
    at: '2026-03-01T10:05:00.000Z',
  };

  it('is a change event saying the verdict and its reason, at the verdict’s time', () => {
    const event = pagerdutyChangeEvent(aPublication({ verdict }), 'pd-key');
    expect(event.payload).toMatchObject({
      summary:
        'Release shop/checkout 1.4.2 in production verified FAILED: CRITICAL for 60s with a healthy baseline',
      timestamp: '2026-03-01T10:05:00.000Z',
      custom_details: { verdict: 'FAILED', verdict_reason: verdict.reason, version: '1.4.2' },
    });
  });

  it('is an annotation at one point, tagged verdict and verdict:<state> instead of deployment', () => {
    const note = grafanaAnnotation(aPublication({ channel: 'GRAFANA', verdict }));
    const at = Date.parse(verdict.at);
    expect([note.time, note.timeEnd]).toEqual([at, at]);
    expect(note.tags).toEqual([
      'verdict',
      'verdict:FAILED',
      'service:checkout',
      'namespace:shop',
      'env:production',
      'version:1.4.2',
    ]);
    expect(note.text).toMatch(/^Release shop\/checkout 1\.4\.2 in production verified FAILED: /);
  });

  it('is a Slack message led by the verdict', () => {
    const failed = deploymentSlackMessage(aPublication({ channel: 'SLACK', verdict }));
    expect(failed.text).toMatch(
      /^:rotating_light: Release shop\/checkout 1\.4\.2 .*verified FAILED/,
    );
    const healthy = deploymentSlackMessage(
      aPublication({ channel: 'SLACK', verdict: { ...verdict, state: 'HEALTHY' } }),
    );
    expect(healthy.text).toMatch(/^:white_check_mark: /);
  });
});
