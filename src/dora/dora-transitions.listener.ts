import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.schema.js';
import { DeploymentHooks, type DeploymentTransition } from '../ingestion/deployment-hooks.js';
import { DoraRefreshService } from './dora-refresh.service.js';
import { DoraSeries } from './dora-series.service.js';
import { deploymentsTotal } from './dora.metrics.js';

export const serviceLabel = (s: { readonly name: string; readonly namespace: string }): string =>
  s.namespace === '' ? s.name : `${s.namespace}/${s.name}`;

/**
 * Hears committed deployment transitions: counts them, and (where the scheduler runs) folds them
 * into the DORA facts a second later, so that counters and histograms move as events arrive.
 */
@Injectable()
export class DoraTransitionsListener implements OnModuleInit {
  constructor(
    private readonly hooks: DeploymentHooks,
    private readonly refresher: DoraRefreshService,
    private readonly series: DoraSeries,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.hooks.afterCommit((t) => this.onCommitted(t));
  }

  onCommitted(t: DeploymentTransition): void {
    deploymentsTotal.inc({
      service: this.series.label(serviceLabel(t.service)),
      environment: t.environment.tier,
      status: t.status,
    });
    if (this.config.schedulerEnabled) this.refresher.refreshSoon();
  }
}
