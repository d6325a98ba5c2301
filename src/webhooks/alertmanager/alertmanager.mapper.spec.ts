import { alertmanagerFixture } from '../../../test/support/webhooks.js';
import type { IncidentEvent } from '../../ingestion/domain-events.js';
import { validateEvent } from '../../ingestion/event.validator.js';
import {
  ALERTMANAGER_SOURCE,
  alertLabelMapping,
  mapAlertmanagerDelivery,
} from './alertmanager.mapper.js';

const map = (payload: unknown, labels = alertLabelMapping({})) =>
  mapAlertmanagerDelivery(payload, Buffer.from(JSON.stringify(payload)), labels);

const clone = (file: string) =>
  JSON.parse(alertmanagerFixture(file).body.toString('utf8')) as {
    alerts: Record<string, unknown>[];
  } & Record<string, unknown>;

describe('mapAlertmanagerDelivery', () => {
  it('maps a firing alert of the real Alertmanager to an incident with its impact start', () => {
    const { body, payload } = alertmanagerFixture('alertmanager-0.25-firing.json');
    const mapped = mapAlertmanagerDelivery(payload, body, alertLabelMapping({}));
    expect(mapped).toMatchObject({ kind: 'alertmanager.firing', source: ALERTMANAGER_SOURCE });
    expect(mapped.note).toBeUndefined();
    const [event] = mapped.events as IncidentEvent[];
    expect(event).toEqual({
      type: 'incident',
      envelope: {
        source: 'alertmanager',
        eventId: 'cfcc387148f02b7c/2026-12-03T22:16:20.577Z/firing',
        occurredAt: new Date('2026-12-03T22:16:20.577Z'),
      },
      incidentId: 'cfcc387148f02b7c@2026-12-03T22:16:20.577Z',
      services: [{ name: 'checkout' }],
      environment: { name: 'production' },
      title: 'checkout errors at 12% since 1.4.2',
      severity: 'critical',
      url: 'http://vm:19490/graph?g0.expr=vector%280.12%29&g0.tab=1',
      impactStartedAt: new Date('2026-12-03T22:16:20.577Z'),
      causedByVersion: '1.4.2',
    });
    expect(validateEvent(event, new Date('2026-12-03T23:00:00Z'))).toEqual([]);
  });

  it('gives the resolved notification the same incident, resolved at endsAt', () => {
    const { body, payload } = alertmanagerFixture('alertmanager-0.25-resolved.json');
    const mapped = mapAlertmanagerDelivery(payload, body, alertLabelMapping({}));
    const [event] = mapped.events as IncidentEvent[];
    expect(mapped.kind).toBe('alertmanager.resolved');
    expect(event.incidentId).toBe('cfcc387148f02b7c@2026-12-03T22:16:20.577Z');
    expect(event.resolvedAt).toEqual(new Date('2026-12-03T22:16:32.577Z'));
    expect(event.envelope.occurredAt).toEqual(event.resolvedAt);
  });

  it('leaves out alerts without a service label, naming them in the note', () => {
    const { body, payload } = alertmanagerFixture('grafana-docs-webhook.json');
    const mapped = mapAlertmanagerDelivery(payload, body, alertLabelMapping({}));
    expect(mapped.events).toEqual([]);
    expect(mapped.note).toContain('2 of 2 alerts name no service (labels service, service_name)');
    expect(mapped.note).toContain('High memory usage (c6eadffa33fcdf37)');
  });

  it('reads other labels when the receiver URL names them, and a fixed environment', () => {
    const { body, payload } = alertmanagerFixture('grafana-docs-webhook.json');
    const mapped = mapAlertmanagerDelivery(
      payload,
      body,
      alertLabelMapping({ serviceLabel: 'team', environmentLabel: 'zone', environment: 'x' }),
    );
    const events = mapped.events as IncidentEvent[];
    expect(events.map((e) => [e.services[0].name, e.environment?.name, e.title])).toEqual([
      ['blue', 'us-1', 'This alert was triggered for zone us-1'],
      ['blue', 'eu-1', 'This alert was triggered for zone eu-1'],
    ]);
    // Grafana's startsAt carries an offset: stored as the same instant in UTC.
    expect(events[0].impactStartedAt).toEqual(new Date('2021-10-12T07:51:03.157Z'));
    const noZone = clone('grafana-docs-webhook.json');
    for (const a of noZone.alerts) delete (a.labels as Record<string, string>).zone;
    const fixed = map(noZone, alertLabelMapping({ serviceLabel: 'team', environment: 'prod-eu' }));
    expect((fixed.events[0] as IncidentEvent).environment).toEqual({ name: 'prod-eu' });
  });

  it('identifies a notification by its content, and an alert occurrence by fingerprint and start', () => {
    const firing = clone('alertmanager-0.25-firing.json');
    expect(map(firing).dedupeKey).toBe(map(clone('alertmanager-0.25-firing.json')).dedupeKey);
    const again = clone('alertmanager-0.25-firing.json');
    again.alerts[0].startsAt = '2026-12-03T23:00:00Z';
    expect((map(again).events[0] as IncidentEvent).incidentId).toBe(
      'cfcc387148f02b7c@2026-12-03T23:00:00.000Z',
    );
    const noFingerprint = clone('alertmanager-0.25-firing.json');
    delete noFingerprint.alerts[0].fingerprint;
    const other = clone('alertmanager-0.25-firing.json');
    delete other.alerts[0].fingerprint;
    (other.alerts[0].labels as Record<string, string>).severity = 'warning';
    const id = (p: unknown) => (map(p).events[0] as IncidentEvent).incidentId;
    expect(id(noFingerprint)).toMatch(/^[0-9a-f]{16}@/);
    expect(id(noFingerprint)).not.toBe(id(other));
  });

  it.each([
    ['not an object', [], 'expected a JSON object'],
    ['another protocol version', { version: '3', status: 'firing', alerts: [] }, 'version'],
    ['an unknown status', { version: '4', status: 'pending', alerts: [] }, 'status'],
    ['alerts not a list', { version: '4', status: 'firing', alerts: {} }, 'alerts'],
    [
      'an alert without startsAt',
      { version: '4', status: 'firing', alerts: [{ status: 'firing', labels: {}, endsAt: '' }] },
      'alerts[0].startsAt',
    ],
    [
      'a label that is not a string',
      {
        version: '4',
        status: 'firing',
        alerts: [{ status: 'firing', labels: { service: 1 }, startsAt: '2026-12-03T22:00:00Z' }],
      },
      'alerts[0].labels.service',
    ],
  ])('refuses %s', (_name, payload, message) => {
    expect(() => map(payload)).toThrow(message);
  });

  it('maps an alert resolved before it started to an event that validation refuses', () => {
    const resolved = clone('alertmanager-0.25-resolved.json');
    resolved.alerts[0].endsAt = '2026-12-03T22:00:00Z';
    const [event] = map(resolved).events;
    expect(validateEvent(event, new Date('2026-12-04T00:00:00Z'))).toEqual([
      { field: 'resolvedAt', message: expect.stringContaining('impactStartedAt') as string },
    ]);
  });
});
