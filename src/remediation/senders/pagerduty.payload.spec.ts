import { anAlert } from '../../../test/factories/remediation-actions.js';
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
