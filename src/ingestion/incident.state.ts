import type { IncidentEvent } from './domain-events.js';
import { earliest, latest, pick } from './lattice.rule.js';
import { sameTime } from './deployment.state.js';

/** The part of an incidents row that events decide (services and causes are unions, kept apart). */
export interface IncidentState {
  readonly title: string | null;
  readonly severity: string | null;
  readonly url: string | null;
  readonly impactStartedAt: Date | null;
  readonly detectedAt: Date | null;
  readonly mitigatedAt: Date | null;
  readonly resolvedAt: Date | null;
  readonly lastEventAt: Date;
}

/**
 * Impact start and detection are the earliest reported; mitigation, resolution and descriptive
 * fields take the newest event's value (an older event only fills a gap).
 */
export function applyIncidentEvent(
  current: IncidentState | null,
  event: IncidentEvent,
  occurredAt: Date,
): IncidentState {
  const newer = !current || occurredAt.getTime() > current.lastEventAt.getTime();
  const c: IncidentState = current ?? {
    title: null,
    severity: null,
    url: null,
    impactStartedAt: null,
    detectedAt: null,
    mitigatedAt: null,
    resolvedAt: null,
    lastEventAt: occurredAt,
  };
  return {
    title: pick(c.title, event.title, newer),
    severity: pick(c.severity, event.severity, newer),
    url: pick(c.url, event.url, newer),
    impactStartedAt: earliest(c.impactStartedAt, event.impactStartedAt),
    detectedAt: earliest(c.detectedAt, event.detectedAt),
    mitigatedAt: pick(c.mitigatedAt, event.mitigatedAt, newer),
    resolvedAt: pick(c.resolvedAt, event.resolvedAt, newer),
    lastEventAt: latest(c.lastEventAt, occurredAt),
  };
}

export function sameIncidentState(a: IncidentState, b: IncidentState): boolean {
  return (
    a.title === b.title &&
    a.severity === b.severity &&
    a.url === b.url &&
    sameTime(a.impactStartedAt, b.impactStartedAt) &&
    sameTime(a.detectedAt, b.detectedAt) &&
    sameTime(a.mitigatedAt, b.mitigatedAt) &&
    sameTime(a.resolvedAt, b.resolvedAt) &&
    sameTime(a.lastEventAt, b.lastEventAt)
  );
}
