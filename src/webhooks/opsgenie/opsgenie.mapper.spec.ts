import { vendorFixture } from '../../../test/support/webhooks.js';
import type { IncidentEvent } from '../../ingestion/domain-events.js';
import { validateEvent } from '../../ingestion/event.validator.js';
import { mapOpsgenieDelivery } from './opsgenie.mapper.js';

const fixture = (file: string, tags?: string[]) => {
  const { payload } = vendorFixture('opsgenie', file);
  if (tags) (payload.alert as Record<string, unknown>).tags = tags;
  return payload;
};
const map = (payload: unknown, options = {}) =>
  mapOpsgenieDelivery(payload, Buffer.from(JSON.stringify(payload)), options);

describe('mapOpsgenieDelivery', () => {
  it('maps the documented Create to the incident of the alert, by its service tag', () => {
    const mapped = map(fixture('docs-create.json', ['service:checkout', 'env:production']));
    const [event] = mapped.events as IncidentEvent[];
    expect(mapped.kind).toBe('opsgenie.Create');
    expect(event).toMatchObject({
      incidentId: '052652ac-5d1c-464a-812a-7dd18bbfba8c',
      services: [{ name: 'checkout' }],
      environment: { name: 'production' },
      title: 'test alert',
      detectedAt: new Date(1420452191104),
    });
    expect(event.resolvedAt).toBeUndefined();
    expect(validateEvent(event, new Date('2026-01-01T00:00:00Z'))).toEqual([]);
  });

  it('resolves at a Close action’s updatedAt (nanoseconds)', () => {
    const [event] = map(fixture('docs-close.json'), { service: 'checkout' })
      .events as IncidentEvent[];
    expect(event.resolvedAt).toEqual(new Date(1420452824764));
    expect(event.services).toEqual([{ name: 'checkout' }]);
  });

  it('stores an alert that names no service, and actions that change nothing', () => {
    expect(map(fixture('docs-create.json')).note).toContain('names no service');
    const note = fixture('docs-acknowledge.json');
    note.action = 'AddNote';
    expect(map(note, { service: 'x' })).toMatchObject({ events: [], kind: 'opsgenie.AddNote' });
  });

  it.each([
    ['no action', { alert: {} }, 'action'],
    ['no alert id', { action: 'Create', alert: {} }, 'alert.alertId'],
    [
      'a string time',
      { action: 'Create', alert: { alertId: 'a', createdAt: 'now' } },
      'alert.createdAt',
    ],
  ])('refuses %s', (_name, payload, message) => {
    expect(() => map(payload)).toThrow(message);
  });
});
