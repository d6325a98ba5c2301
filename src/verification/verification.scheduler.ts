import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { LateWatchService } from './late-watch/late-watch.service.js';
import { VerificationService } from './verification.service.js';

/**
 * Every second, claims the due verification ticks (any number of replicas share them) and runs
 * them, then the due checks of the late watch with what is left of the replica's batch (ticks
 * first: a late check never delays a tick). Runs only where SHIPWATCH_SCHEDULER is on
 * (ScheduleModule is loaded only then).
 */
@Injectable()
export class VerificationScheduler {
  private readonly logger = new Logger(VerificationScheduler.name);
  private running = false;

  constructor(
    private readonly verifications: VerificationService,
    private readonly lateWatch: LateWatchService,
  ) {}

  @Interval(1000)
  async everySecond(): Promise<void> {
    if (this.running) return; // the previous run is still querying Prometheus
    this.running = true;
    try {
      const now = new Date();
      const ticks = await this.verifications.runDueTicks(now);
      const left = this.verifications.limits.batch - ticks.length;
      if (left > 0) await this.lateWatch.runDue(now, left, this.verifications.workerId);
    } catch (error) {
      this.logger.error(`verification ticks failed: ${(error as Error).message}`);
    } finally {
      this.running = false;
    }
  }
}
