import { pagerdutyFixture } from '../../../test/support/webhooks.js';
import type { IncidentEvent } from '../../ingestion/domain-events.js';
import { validateEvent } from '../../ingestion/event.validator.js';
import { mapPagerdutyDelivery } from './pagerduty.mapper.js';

const NOW = new Date('2026-12-01T00:00:00Z');
const map = (file: string, options = {}) =>
  mapPagerdutyDelivery(pagerdutyFixture(file).payload, options);

describe('mapPagerdutyDelivery', () => {
  it('maps incident.triggered of the documented payload to the incident, detected at created_at', () => {
    const mapped = map('docs-incident-triggered.json');
    expect(mapped).toMatchObject({
      kind: 'incident.triggered',
      source: 'pagerduty',
      dedupeKey: '01BWDW0000000000000000TRIG',
    });
    const [event] = mapped.events as IncidentEvent[];
    expect(event).toEqual({
      type: 'incident',
      envelope: {
        source: 'pagerduty',
        eventId: '01BWDW0000000000000000TRIG',
        occurredAt: new Date('2020-04-09T15:16:28.101Z'),
      },
      incidentId: 'PGR0VU2',
      services: [{ name: 'API Service' }],
      title: 'A little bump in the road',
      severity: 'P1',
      url: 'https://acme.pagerduty.com/incidents/PGR0VU2',
      detectedAt: new Date('2020-04-09T15:16:27Z'),
    });
    expect(validateEvent(event, NOW)).toEqual([]);
  });

  it('resolves at the occurrence of incident.resolved; acknowledgement only describes', () => {
    const [resolved] = map('docs-incident-resolved.json').events as IncidentEvent[];
    expect(resolved.resolvedAt).toEqual(new Date('2020-04-09T16:02:11.004Z'));
    const [ack] = map('docs-incident-acknowledged.json').events as IncidentEvent[];
    expect(ack.resolvedAt).toBeUndefined();
    expect(ack.incidentId).toBe('PGR0VU2');
  });

  it('names the service and environment the subscription URL gives', () => {
    const [event] = map('docs-incident-triggered.json', {
      service: 'checkout',
      environment: 'prod-eu',
    }).events as IncidentEvent[];
    expect([event.services, event.environment]).toEqual([
      [{ name: 'checkout' }],
      { name: 'prod-eu' },
    ]);
  });

  it('maps the SDK test payload (no created_at) without a detection time', () => {
    const [event] = map('go-pagerduty-priority-updated.json').events as IncidentEvent[];
    expect(event).toMatchObject({ incidentId: 'PGR0VU2', severity: 'P1' });
    expect(event.detectedAt).toBeUndefined();
  });

  it('stores note events and reopenings without mapping them', () => {
    expect(map('docs-incident-annotated.json')).toMatchObject({
      events: [],
      kind: 'incident.annotated',
    });
    const reopened = pagerdutyFixture('docs-incident-triggered.json').payload as {
      event: Record<string, unknown>;
    };
    reopened.event.event_type = 'incident.reopened';
    expect(mapPagerdutyDelivery(reopened).note).toContain('first resolution');
  });

  it.each([
    ['no event', {}, 'event'],
    [
      'no id',
      { event: { event_type: 'incident.triggered', occurred_at: '2020-01-01T00:00:00Z' } },
      'event.id',
    ],
    [
      'a bad time',
      { event: { id: 'x', event_type: 'incident.triggered', occurred_at: 'yesterday' } },
      'event.occurred_at',
    ],
  ])('refuses %s', (_name, payload, message) => {
    expect(() => mapPagerdutyDelivery(payload)).toThrow(message);
  });
});
