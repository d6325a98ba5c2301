import { Module } from '@nestjs/common';
import { GateModule } from '../gate/gate.module.js';
import { DoraGaugesService } from './dora-gauges.service.js';
import { DoraRefreshService } from './dora-refresh.service.js';
import { DoraSeries } from './dora-series.service.js';
import { DoraTransitionsListener } from './dora-transitions.listener.js';
import { DoraResolver } from './dora.resolver.js';
import { DoraRepository } from './dora.repository.js';
import { DoraScheduler } from './dora.scheduler.js';
import { DoraService } from './dora.service.js';

/** DORA metrics: SQL definitions (migration DoraMetrics), GraphQL, Prometheus. docs/dora.md. */
@Module({
  imports: [GateModule],
  providers: [
    DoraRepository,
    DoraRefreshService,
    DoraSeries,
    DoraGaugesService,
    DoraService,
    DoraResolver,
    DoraScheduler,
    DoraTransitionsListener,
  ],
  exports: [DoraRefreshService],
})
export class DoraModule {}
