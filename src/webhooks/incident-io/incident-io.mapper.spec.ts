import { vendorFixture } from '../../../test/support/webhooks.js';
import type { IncidentEvent } from '../../ingestion/domain-events.js';
import { validateEvent } from '../../ingestion/event.validator.js';
import { mapIncidentIoDelivery } from './incident-io.mapper.js';

const NOW = new Date('2026-12-01T00:00:00Z');
const CREATED = 'public_incident.incident_created_v2';
const STATUS = 'public_incident.incident_status_updated_v2';
const fixture = (file: string) => vendorFixture('incident-io', file).payload;
/** The OpenAPI example of an event, with its incident changed by `edit`. */
function example(file: string, edit: (incident: Record<string, unknown>) => void = () => {}) {
  const payload = structuredClone(fixture(file)) as Record<string, Record<string, unknown>>;
  const data = payload[payload.event_type as unknown as string];
  edit((data.incident as Record<string, unknown> | undefined) ?? data);
  return payload;
}
/** A custom field entry in the documented shape, with single-select option values. */
const field = (name: string, ...values: string[]) => ({
  custom_field: { id: `F-${name}`, name, field_type: 'multi_select', options: [] },
  values: values.map((value) => ({ value_option: { id: `O-${value}`, value } })),
});
const map = (payload: unknown, options = {}) =>
  mapIncidentIoDelivery(payload, 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', options);

describe('mapIncidentIoDelivery', () => {
  it('maps the documented incident_created_v2 example onto its incident', () => {
    const mapped = map(fixture('openapi-incident-created-v2.json'), { service: 'checkout' });
    expect(mapped).toMatchObject({
      kind: CREATED,
      source: 'incident_io',
      dedupeKey: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
      occurredAt: new Date('2021-08-17T13:28:57.801Z'),
    });
    const [event] = mapped.events as IncidentEvent[];
    expect(event).toEqual({
      type: 'incident',
      envelope: {
        source: 'incident_io',
        eventId: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
        occurredAt: new Date('2021-08-17T13:28:57.801Z'),
      },
      incidentId: '01FDAG4SAP5TYPT98WGR2N7W91',
      services: [{ name: 'checkout' }],
      title: 'Our database is sad',
      severity: 'Minor',
      url: 'https://app.incident.io/incidents/123',
      impactStartedAt: new Date('2021-08-17T13:28:57.801Z'),
      detectedAt: new Date('2021-08-17T13:28:57.801Z'),
    });
    expect(validateEvent(event, NOW)).toEqual([]);
  });

  it('reads the incident of a status change, resolved once the new status is learning or closed', () => {
    const payload = example('openapi-incident-status-updated-v2.json', (i) => {
      i.updated_at = '2021-08-17T15:00:00Z';
    });
    const data = payload[STATUS];
    data.new_status = { ...(data.new_status as object), category: 'learning' };
    const [event] = map(payload, { service: 'checkout' }).events as IncidentEvent[];
    expect(event).toMatchObject({
      incidentId: '01FDAG4SAP5TYPT98WGR2N7W91',
      resolvedAt: new Date('2021-08-17T15:00:00Z'),
    });
    // the documented example's new status is in triage: open
    const [open] = map(fixture('openapi-incident-status-updated-v2.json'), { service: 'checkout' })
      .events as IncidentEvent[];
    expect(open.resolvedAt).toBeUndefined();
  });

  it('prefers a Resolved at timestamp to updated_at, and closed to live', () => {
    const resolved = example('openapi-incident-updated-v2.json', (i) => {
      i.incident_status = { ...(i.incident_status as object), category: 'closed' };
      i.updated_at = '2021-08-18T09:00:00Z';
      i.incident_timestamp_values = [
        ...(i.incident_timestamp_values as object[]),
        {
          incident_timestamp: { id: 'T2', name: 'Resolved at', rank: 4 },
          value: { value: '2021-08-17T14:10:00Z' },
        },
      ];
    });
    const [event] = map(resolved, { service: 'checkout' }).events as IncidentEvent[];
    expect(event.resolvedAt).toEqual(new Date('2021-08-17T14:10:00Z'));
    const live = example('openapi-incident-updated-v2.json', (i) => {
      i.incident_status = { ...(i.incident_status as object), category: 'live' };
    });
    expect((map(live, { service: 'x' }).events[0] as IncidentEvent).resolvedAt).toBeUndefined();
  });

  it('takes services and the environment from custom fields before the URL', () => {
    const payload = example('openapi-incident-created-v2.json', (i) => {
      i.custom_field_entries = [
        ...(i.custom_field_entries as object[]),
        field('Affected services', 'payments', 'checkout', 'payments'),
        field('Environment', 'prod-eu'),
      ];
    });
    const [event] = map(payload, { service: 'other', environment: 'staging' })
      .events as IncidentEvent[];
    expect([event.services, event.environment]).toEqual([
      [{ name: 'payments' }, { name: 'checkout' }],
      { name: 'prod-eu' },
    ]);
  });

  it('stores, with a note, what is no incident of a known service, and other events', () => {
    expect(map(fixture('openapi-incident-created-v2.json'))).toMatchObject({
      events: [],
      note: expect.stringContaining('names no service') as string,
    });
    const declined = example('openapi-incident-created-v2.json', (i) => {
      i.incident_status = { ...(i.incident_status as object), category: 'declined' };
    });
    expect(map(declined, { service: 'x' }).note).toContain('declined');
    expect(
      map({ event_type: 'private_incident.incident_created_v2', [CREATED]: { id: 'abc123' } }),
    ).toMatchObject({ events: [], note: expect.stringContaining('private') as string });
    expect(map({ event_type: 'public_incident.follow_up_created_v1' })).toMatchObject({
      kind: 'public_incident.follow_up_created_v1',
      events: [],
    });
  });

  it.each(['constructor', 'toString', '__proto__'])(
    'stores an event_type %s, a member of every object, with a note (found by the fuzzer)',
    (type) => {
      expect(map({ event_type: type, [CREATED]: {} })).toMatchObject({ kind: type, events: [] });
    },
  );

  it('refuses what is not an incident.io webhook', () => {
    expect(() => map([1])).toThrow('event_type');
    expect(() => map({ event_type: CREATED })).toThrow(CREATED);
    expect(() =>
      map({ event_type: CREATED, [CREATED]: { id: 'x', updated_at: 'yesterday' } }),
    ).toThrow('updated_at');
  });
});
