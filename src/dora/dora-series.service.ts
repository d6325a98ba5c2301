import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.schema.js';
import {
  changeFailuresTotal,
  deploymentsTotal,
  leadTimeSeconds,
  recoveryTimeSeconds,
} from './dora.metrics.js';
import { DoraRepository } from './dora.repository.js';
import { ServiceSeriesCap } from './service-series.rule.js';

const THIRTY_DAYS_MS = 30 * 86_400_000;

/** The DORA metrics with a `service` label that are not recomputed from scratch each minute. */
const PER_SERVICE: (Counter<string> | Histogram<string>)[] = [
  deploymentsTotal,
  changeFailuresTotal,
  leadTimeSeconds,
  recoveryTimeSeconds,
];

/**
 * The `service` label of the DORA metrics, capped at SHIPWATCH_METRICS_MAX_SERVICES services
 * (ServiceSeriesCap). Activity is the number of deployments (any environment) in the last 30
 * days; the ranking runs where the scheduler runs, every minute with the gauges (before it, and
 * on replicas without the scheduler, slots go first come, first served). Every replica ranks with
 * the same query, so all label the same services.
 */
@Injectable()
export class DoraSeries {
  private readonly logger = new Logger(DoraSeries.name);
  private readonly cap: ServiceSeriesCap;

  constructor(
    private readonly repository: DoraRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.cap = new ServiceSeriesCap(config.metricsMaxServices);
  }

  /** The label value for an observation of `service` (`namespace/name`, or `name`). */
  label(service: string): string {
    return this.cap.label(service);
  }

  /** Hands the series to the most active services and removes the series of those evicted. */
  async rank(now: Date): Promise<void> {
    const ranked = await this.repository.mostActiveServices(
      new Date(now.getTime() - THIRTY_DAYS_MS),
      this.cap.capacity,
    );
    const evicted = new Set(this.cap.rank(ranked));
    if (evicted.size === 0) return;
    for (const metric of PER_SERVICE) {
      const removed = new Set<string>();
      for (const { labels } of (await metric.get()).values) {
        if (!evicted.has(String(labels.service))) continue;
        // A histogram's bucket samples carry `le`; its series are keyed without it.
        const { le: _bucket, ...series } = labels;
        const key = JSON.stringify(series);
        if (removed.has(key)) continue;
        removed.add(key);
        metric.remove(series as Record<string, string>);
      }
    }
    this.logger.log(`metrics: ${evicted.size} services moved to service="other"`);
  }
}
