import { Injectable } from '@nestjs/common';
import type { Gauge } from 'prom-client';
import {
  changeFailureRate30d,
  deploymentFrequency30d,
  leadTimeP50Seconds30d,
  recoveryTimeP50Seconds30d,
  reworkRate30d,
} from './dora.metrics.js';
import { DoraRepository, type ServiceGauges } from './dora.repository.js';
import { DoraSeries } from './dora-series.service.js';
import { gaugeSeries } from './service-series.rule.js';

const THIRTY_DAYS_MS = 30 * 86_400_000;
/** A snapshot younger than this is not recomputed (replicas tick at about the same pace). */
const SNAPSHOT_MAX_AGE_MS = 50_000;

/**
 * The 30-day per-service gauges. One replica computes the snapshot (advisory lock, stored in
 * dora_service_gauges); every replica exports the stored snapshot, so all export the same values.
 * Services past SHIPWATCH_METRICS_MAX_SERVICES share the `other` series (DoraSeries).
 */
@Injectable()
export class DoraGaugesService {
  constructor(
    private readonly repository: DoraRepository,
    private readonly series: DoraSeries,
  ) {}

  /** Returns whether this replica computed the snapshot. */
  async update(now: Date): Promise<boolean> {
    const computed = await this.repository.claimAndStoreGauges(
      new Date(now.getTime() - THIRTY_DAYS_MS),
      now,
      SNAPSHOT_MAX_AGE_MS,
    );
    await this.series.rank(now);
    const rows = gaugeSeries(await this.repository.readGauges(), (s) => this.series.label(s));
    const gauges: [Gauge<'service'>, (r: ServiceGauges) => number | null][] = [
      [deploymentFrequency30d, (r) => r.deploymentsPerDay],
      [leadTimeP50Seconds30d, (r) => r.leadTimeP50Seconds],
      [changeFailureRate30d, (r) => r.changeFailureRate],
      [recoveryTimeP50Seconds30d, (r) => r.recoveryP50Seconds],
      [reworkRate30d, (r) => r.reworkRate],
    ];
    for (const [gauge, value] of gauges) {
      gauge.reset();
      for (const row of rows) {
        const v = value(row);
        if (v !== null) gauge.set({ service: row.service }, v);
      }
    }
    return computed;
  }
}
