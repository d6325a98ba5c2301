import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { inSpan } from '../observability/tracing.js';
import {
  changeFailuresTotal,
  leadTimeSeconds,
  pendingMarks,
  recoveryTimeSeconds,
} from './dora.metrics.js';
import { DoraRepository, type DoraRefreshResult } from './dora.repository.js';
import { DoraSeries } from './dora-series.service.js';

/** Marks folded per transaction; a backlog is worked off in several. */
const MARKS_PER_REFRESH = 20_000;
/** A burst larger than this is left to the next refresh rather than delaying a query further. */
const MAX_ROUNDS = 50;

/**
 * Keeps the DORA facts in step with the delivery tables: runs dora_refresh() until no change is
 * pending, one call at a time in this process (replicas are serialised by the function's
 * advisory lock), and turns the fact transitions it reports into Prometheus observations.
 */
@Injectable()
export class DoraRefreshService implements OnApplicationShutdown {
  private readonly logger = new Logger(DoraRefreshService.name);
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly repository: DoraRepository,
    private readonly series: DoraSeries,
  ) {}

  /** Resolves once every change committed before the call is folded in. */
  refresh(): Promise<void> {
    const run = this.chain.then(() => this.drain());
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** A refresh soon, coalescing bursts (after ingestion commits). */
  refreshSoon(delayMs = 1000): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refresh().catch((error: Error) =>
        this.logger.error(`DORA refresh failed: ${error.message}`),
      );
    }, delayMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async drain(): Promise<void> {
    await inSpan('dora.refresh', {}, async (span) => {
      let rounds = 0;
      let folded = 0;
      for (;;) {
        const result = await this.repository.refreshOnce(MARKS_PER_REFRESH);
        rounds += 1;
        folded += result.marks ?? 0;
        this.record(result);
        if (result.rebuilt) this.logger.log('DORA facts rebuilt from the delivery tables');
        if (result.remaining === 0 || rounds >= MAX_ROUNDS) break;
      }
      span.setAttributes({ 'dora.rounds': rounds, 'dora.changes': folded });
    });
  }

  /** Applies one refresh's transitions to the counters and histograms. */
  private record(result: DoraRefreshResult): void {
    const labels = (t: { service: string; tier: string }) => ({
      service: this.series.label(t.service),
      environment: t.tier,
    });
    for (const f of result.failures ?? []) changeFailuresTotal.inc(labels(f));
    for (const r of result.recoveries ?? []) recoveryTimeSeconds.observe(labels(r), r.seconds);
    for (const l of result.leadTimes ?? []) leadTimeSeconds.observe(labels(l), l.seconds);
    pendingMarks.set(result.remaining);
  }
}
