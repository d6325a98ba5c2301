import { vendorFixture } from '../../../test/support/webhooks.js';
import type { IncidentEvent } from '../../ingestion/domain-events.js';
import { mapGrafanaOncallDelivery } from './grafana-oncall.mapper.js';

const fixture = () => vendorFixture('grafana-oncall', 'docs-resolve.json');
const map = (payload: unknown, options = {}) =>
  mapGrafanaOncallDelivery(payload, Buffer.from(JSON.stringify(payload)), options);

describe('mapGrafanaOncallDelivery', () => {
  it('maps the documented resolve event to the resolved incident of its alert group', () => {
    const { payload, body } = fixture();
    const m = mapGrafanaOncallDelivery(payload, body, { service: 'checkout' });
    expect(m.kind).toBe('grafana_oncall.resolve');
    expect(m.events[0] as IncidentEvent).toMatchObject({
      incidentId: 'I6HNZGUFG4K11',
      services: [{ name: 'checkout' }],
      title: 'Incident',
      detectedAt: new Date('2023-04-19T21:53:48.231Z'),
      resolvedAt: new Date('2023-04-19T21:59:21.714Z'),
    });
  });

  it('prefers labels (alert group, then alert) to the URL, and needs a service', () => {
    const p = structuredClone(fixture().payload) as Record<string, Record<string, unknown>>;
    p.alert_payload.labels = { service_name: 'cart', environment: 'staging', severity: 'warning' };
    p.alert_group.labels = { severity: 'critical' };
    const ev = map(p, { service: 'checkout', environment: 'production' })
      .events[0] as IncidentEvent;
    expect(ev).toMatchObject({
      services: [{ name: 'cart' }],
      environment: { name: 'staging' },
      severity: 'critical',
    });
    expect(map(fixture().payload).note).toContain('names no service');
  });

  it('opens the incident on earlier events and stores unresolve and unknown events', () => {
    const p = structuredClone(fixture().payload) as Record<string, Record<string, unknown>>;
    p.event = { type: 'acknowledge', time: '2023-04-19T21:54:39Z' };
    p.alert_group = { ...p.alert_group, state: 'acknowledged', resolved_at: null };
    expect((map(p, { service: 's' }).events[0] as IncidentEvent).resolvedAt).toBeUndefined();
    p.event = { type: 'unresolve', time: '2023-04-19T22:00:00Z' };
    expect(map(p, { service: 's' }).events).toEqual([]);
    p.event = { type: 'personal notification', time: '2023-04-19T22:00:00Z' };
    expect(map(p, { service: 's' }).note).toContain('does not change the incident');
  });

  it('refuses bodies without the event or alert group', () => {
    expect(() => map({ alert_group: { id: 'x' } })).toThrow('event');
    expect(() => map({ event: { type: 'resolve', time: '2023-04-19T22:00:00Z' } })).toThrow(
      'alert_group',
    );
  });
});
