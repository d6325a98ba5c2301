import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { DoraGaugesService } from './dora-gauges.service.js';
import { DoraRefreshService } from './dora-refresh.service.js';

/** Active only where the scheduler runs (SHIPWATCH_SCHEDULER=on); each tick hands work on. */
@Injectable()
export class DoraScheduler {
  private readonly logger = new Logger(DoraScheduler.name);

  constructor(
    private readonly refresher: DoraRefreshService,
    private readonly gauges: DoraGaugesService,
  ) {}

  /** Keeps Grafana's SQL (which reads the facts as they are) at most ten seconds behind. */
  @Interval('dora-refresh', 10_000)
  async refreshEveryTenSeconds(): Promise<void> {
    await this.refresher.refresh().catch((error: Error) => {
      this.logger.error(`DORA refresh failed: ${error.message}`);
    });
  }

  @Interval('dora-gauges', 60_000)
  async gaugesEveryMinute(): Promise<void> {
    await this.gauges.update(new Date()).catch((error: Error) => {
      this.logger.error(`DORA gauges failed: ${error.message}`);
    });
  }
}
