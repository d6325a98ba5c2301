import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { VerificationService } from './verification.service.js';

/**
 * Every second, claims the due verification ticks (any number of replicas share them) and runs
 * them. Runs only where SHIPWATCH_SCHEDULER is on (ScheduleModule is loaded only then).
 */
@Injectable()
export class VerificationScheduler {
  private readonly logger = new Logger(VerificationScheduler.name);
  private running = false;

  constructor(private readonly verifications: VerificationService) {}

  @Interval(1000)
  async everySecond(): Promise<void> {
    if (this.running) return; // the previous run is still querying Prometheus
    this.running = true;
    try {
      await this.verifications.runDueTicks(new Date());
    } catch (error) {
      this.logger.error(`verification ticks failed: ${(error as Error).message}`);
    } finally {
      this.running = false;
    }
  }
}
