import type { IncidentEvent } from './domain-events.js';
import { applyIncidentEvent, type IncidentState } from './incident.state.js';

const t = (minute: number) => new Date(Date.UTC(2025, 5, 1, 10, minute));
const event = (minute: number, extra: Partial<IncidentEvent>): IncidentEvent => ({
  type: 'incident',
  envelope: { source: 'pd', eventId: `i-${minute}`, occurredAt: t(minute) },
  incidentId: 'INC-1',
  services: [],
  ...extra,
});
const fold = (events: IncidentEvent[]): IncidentState =>
  events.reduce<IncidentState | null>(
    (s, e) => applyIncidentEvent(s, e, e.envelope.occurredAt!),
    null,
  )!;

describe('incident state', () => {
  const events = [
    event(5, { detectedAt: t(5), impactStartedAt: t(3), severity: 'SEV3' }),
    event(8, { detectedAt: t(4), severity: 'SEV1', mitigatedAt: t(8) }),
    event(20, { resolvedAt: t(20), title: 'errors' }),
  ];

  it('keeps the earliest impact and detection, the newest severity and resolution', () => {
    const expected = {
      detectedAt: t(4),
      impactStartedAt: t(3),
      severity: 'SEV1',
      mitigatedAt: t(8),
      resolvedAt: t(20),
      title: 'errors',
      lastEventAt: t(20),
    };
    expect(fold(events)).toMatchObject(expected);
    expect(fold([...events].reverse())).toMatchObject(expected);
  });
});
