import type { ServiceGauges } from './dora.repository.js';

/**
 * Which services have Prometheus series of their own. Any INGEST token can name new services, so
 * the `service` label is capped: at most `capacity` services have their own series, the others
 * share the `other` series. Until the first ranking, services get a slot in the order they are
 * first seen; each ranking (most active first) then hands the slots to the most active services
 * and evicts the rest, whose series the caller removes. A counter therefore never goes down: an
 * evicted service's series disappears and its later observations count under `other`; a promoted
 * service's series starts at zero.
 */
export const OTHER_SERVICES = 'other';

export class ServiceSeriesCap {
  private own = new Set<string>();

  constructor(readonly capacity: number) {}

  /** The `service` label value for an observation of `service`. */
  label(service: string): string {
    if (service === OTHER_SERVICES || this.own.has(service)) return service;
    if (this.own.size >= this.capacity) return OTHER_SERVICES;
    this.own.add(service);
    return service;
  }

  /**
   * Keeps the first `capacity` of `ranked` (most active first) and, while there is room, the
   * services that already have series; returns the services evicted.
   */
  rank(ranked: readonly string[]): string[] {
    const next = new Set(ranked.filter((s) => s !== OTHER_SERVICES).slice(0, this.capacity));
    for (const service of this.own) {
      if (next.size >= this.capacity) break;
      next.add(service);
    }
    const evicted = [...this.own].filter((s) => !next.has(s));
    this.own = next;
    return evicted;
  }
}

/**
 * The gauge series to export: one per service with a label of its own, and one `other` series
 * that sums the deployment frequency of the rest. Medians and ratios of the rest cannot be
 * derived from per-service figures, so `other` has none.
 */
export function gaugeSeries(
  rows: readonly ServiceGauges[],
  labelOf: (service: string) => string,
): ServiceGauges[] {
  const out: ServiceGauges[] = [];
  let otherPerDay: number | undefined;
  for (const row of rows) {
    const service = labelOf(row.service);
    if (service === OTHER_SERVICES) otherPerDay = (otherPerDay ?? 0) + row.deploymentsPerDay;
    else out.push({ ...row, service });
  }
  if (otherPerDay !== undefined) {
    out.push({
      service: OTHER_SERVICES,
      deploymentsPerDay: otherPerDay,
      leadTimeP50Seconds: null,
      changeFailureRate: null,
      recoveryP50Seconds: null,
      reworkRate: null,
    });
  }
  return out;
}
