import {
  aChangeFact,
  anAlert,
  anExplanation,
} from '../../../test/factories/remediation-actions.js';
import { pagerdutyDedupKey, pagerdutyEvent } from './pagerduty.payload.js';

describe('pagerdutyEvent (Events API v2)', () => {
  it('triggers with routing_key, dedup_key per deployment and a payload', () => {
    expect(pagerdutyEvent(anAlert({ channel: 'PAGERDUTY' }), 'R0UT1NGKEY')).toEqual({
      routing_key: 'R0UT1NGKEY',
      event_action: 'trigger',
      dedup_key: 'shipwatch/release/42',
      payload: {
        summary:
          '[FAILED] shop/checkout 1.4.2 in production: errors 8.0% vs baseline 0.1% (p < 1e-9, burn 80x)',
        source: 'shipwatch',
        severity: 'critical',
        timestamp: '2026-03-01T10:02:00.000Z',
        component: 'shop/checkout',
        group: 'production',
        class: 'FAILED',
        custom_details: {
          deployment_id: '42',
          version: '1.4.2',
          previous_version: '1.4.1',
          verdict: 'FAILED',
          summary: 'errors 8.0% vs baseline 0.1% (p < 1e-9, burn 80x)',
        },
      },
      links: [
        {
          href: 'http://shipwatch.test/deployments/42/verification',
          text: 'Release verification evidence',
        },
      ],
      client: 'Shipwatch',
      client_url: 'http://shipwatch.test/deployments/42/verification',
    });
  });

  it('resolves with the same dedup_key and nothing else', () => {
    expect(
      pagerdutyEvent(anAlert({ channel: 'PAGERDUTY', state: 'RESOLVED' }), 'R0UT1NGKEY'),
    ).toEqual({
      routing_key: 'R0UT1NGKEY',
      event_action: 'resolve',
      dedup_key: 'shipwatch/release/42',
    });
  });

  it('keeps summary within 1024 and dedup_key within 255 characters', () => {
    const long = anAlert({ summary: 'x'.repeat(5000) });
    expect(pagerdutyEvent(long, 'k').payload!.summary).toHaveLength(1024);
    expect(pagerdutyDedupKey({ ...long.release, deploymentId: '9'.repeat(400) }).length).toBe(255);
  });
});

describe('pagerdutyEvent with the release explanation', () => {
  it('carries the reason, evidence and changes in custom_details, and links the pull requests', () => {
    const event = pagerdutyEvent(
      anAlert({
        channel: 'PAGERDUTY',
        explanation: anExplanation([
          aChangeFact(),
          aChangeFact({
            sha: 'ffeeddccbbaa99887766554433221100ffeeddcc',
            pullRequestId: null,
            pullRequestTitle: null,
            pullRequestUrl: null,
            pullRequestAuthor: null,
            author: null,
            message: 'Direct push',
            leadTimeSeconds: null,
            excludedReason: 'NO_START_TIME',
            startedAt: null,
          }),
        ]),
      }),
      'R0UT1NGKEY',
    );
    expect(event.payload!.custom_details).toMatchObject({
      deployment_id: '42',
      reason: 'errors 8.0% vs baseline 0.1% (p < 1e-9, burn 80x)',
      evidence: 'http://shipwatch.test/graphql?query=evidence-42',
      changeset: '2 changes',
      changes: [
        {
          pull_request: '42',
          title: 'Fix checkout totals',
          url: 'https://github.com/acme/shop/pull/42',
          author: 'alice',
          sha: 'a1b2c3d4e5f6',
          lead_time: '3.5h',
          lead_time_seconds: 12_600,
        },
        {
          pull_request: null,
          title: 'Direct push',
          url: null,
          author: null,
          sha: 'ffeeddccbbaa',
          lead_time: 'none (NO_START_TIME)',
          lead_time_seconds: null,
        },
      ],
      more_changes: 0,
    });
    expect(event.links).toEqual([
      {
        href: 'http://shipwatch.test/deployments/42/verification',
        text: 'Release verification evidence',
      },
      { href: 'https://github.com/acme/shop/pull/42', text: '#42 Fix checkout totals' },
    ]);
  });

  it('stays far under the 512 KB event limit with 1,000 changes of 5,000-character titles', () => {
    const changes = Array.from({ length: 1_000 }, (_, i) =>
      aChangeFact({ sha: i.toString(16).padStart(40, '0'), pullRequestTitle: 'x'.repeat(5_000) }),
    );
    const event = pagerdutyEvent(
      anAlert({ channel: 'PAGERDUTY', explanation: anExplanation(changes) }),
      'R0UT1NGKEY',
    );
    expect(JSON.stringify(event).length).toBeLessThan(32 * 1024);
    expect(event.payload!.custom_details.more_changes).toBe(980);
    expect(event.links).toHaveLength(21);
  });
});
