import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { DeploymentHooks } from '../../ingestion/deployment-hooks.js';
import type { PrometheusClient } from '../prometheus.client.js';
import { PROMETHEUS_CLIENT } from '../prometheus.provider.js';
import { releaseSignalSource } from '../release-signal-source.js';
import type { ReleaseVerificationEntity } from '../release-verification.entity.js';
import { VerdictService } from '../verdict.service.js';
import { verificationLateChecks, verificationLateRegressions } from '../verification.metrics.js';
import { VerificationRepository } from '../verification.repository.js';
import { timingWithDefaults } from '../verification-policy.js';
import { judgeLateCheck, nextLateCheck } from './late-regression.rule.js';
import { readLatePairs } from './late-readings.js';
import { LateWatchRepository } from './late-watch.repository.js';

/** Verification states whose release is watched after the verdict. */
const WATCHED_STATES = new Set(['HEALTHY', 'HEALTHY_LOW_CONFIDENCE']);

/**
 * The late watch (docs/verification.md "Late regressions"): after a HEALTHY verdict, every
 * `lateWatchIntervalSeconds` until `lateWatchSeconds` after the deploy finished, each SLI of the
 * release is read over the multiwindow burn-rate pairs with the verification's own counter
 * reading (per-series counters at the windows' boundaries), while the release is the latest
 * deployment of its service and environment. A regression is recorded, attributed and alerted
 * once (VerdictService.lateRegression) and ends the watch. Checks run after the pass's
 * verification ticks, with what is left of the replica's batch: they never delay a tick.
 */
@Injectable()
export class LateWatchService {
  private readonly logger = new Logger(LateWatchService.name);
  private readonly leaseMs: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly watches: LateWatchRepository,
    private readonly verifications: VerificationRepository,
    private readonly verdicts: VerdictService,
    private readonly hooks: DeploymentHooks,
    @Inject(PROMETHEUS_CLIENT) private readonly prometheus: PrometheusClient | null,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.leaseMs = config.verificationLeaseSeconds * 1000;
  }

  /**
   * Starts the watch of a verification that stopped ticking with a healthy verdict (called in
   * the tick's transaction). No watch for rollbacks, a watch of 0 s, or one already over.
   */
  async startIfHealthy(m: EntityManager, v: ReleaseVerificationEntity, now: Date): Promise<void> {
    if (v.kind !== 'RELEASE' || !WATCHED_STATES.has(v.state)) return;
    const timing = timingWithDefaults(v.policy.timing);
    const until = new Date(v.deployFinishedAt.getTime() + timing.lateWatchSeconds * 1000);
    if (timing.lateWatchSeconds <= 0 || until.getTime() <= now.getTime()) return;
    const first = Math.min(now.getTime() + timing.lateWatchIntervalSeconds * 1000, until.getTime());
    await this.watches.start(m, v.id, until, new Date(first), now);
  }

  /** Claims and runs up to `limit` due checks at `now` for `worker`; returns how many ran. */
  async runDue(now = new Date(), limit = 10, worker = 'late-watch'): Promise<number> {
    const ids = await this.watches.claimDue(
      now,
      worker,
      new Date(now.getTime() + this.leaseMs),
      limit,
    );
    let ran = 0;
    for (const id of ids) {
      try {
        if (await this.check(id, now, worker)) ran++;
      } catch (error) {
        this.logger.error(`late watch of verification ${id} failed: ${(error as Error).stack}`);
        await this.watches.releaseClaim(id, worker);
      }
    }
    return ran;
  }

  private async check(id: string, now: Date, worker: string): Promise<boolean> {
    const v = await this.verifications.find(id);
    const watch = await this.watches.find(id);
    if (!v || !watch || watch.state !== 'WATCHING') return false;
    const subject = await this.verifications.subject(id);
    const latest = await this.watches.isLatest(this.dataSource.manager, subject.deploymentId);
    const outcome = latest
      ? judgeLateCheck(
          await readLatePairs(
            releaseSignalSource(this.prometheus, v, subject),
            v.policy.slis,
            v.policy.analysis,
            now,
            v.deployFinishedAt,
          ),
          v.policy.analysis,
        )
      : { regression: null, pairs: [] };
    const timing = timingWithDefaults(v.policy.timing);
    const step = nextLateCheck({
      at: now,
      until: watch.watchUntil,
      intervalSeconds: timing.lateWatchIntervalSeconds,
      latest,
      regressed: outcome.regression !== null,
    });
    const committed = await this.dataSource.transaction(async (m) => {
      const locked = await this.watches.lockClaimed(m, id, worker);
      if (!locked || locked.checks !== watch.checks) return null;
      await this.watches.recordCheck(m, id, {
        at: now,
        outcome: { latest, pairs: outcome.pairs },
        end: step.end,
        nextCheckAt: step.nextCheckAt,
      });
      const regression = outcome.regression;
      if (!regression) return { transitions: [], rolledBack: null };
      const onsetAt = new Date(regression.short.start);
      const findingId = await this.watches.insertRegression(m, {
        verificationId: id,
        detectedAt: now,
        regression,
        onsetAt,
        evidence: { pairs: outcome.pairs },
      });
      if (!findingId) return { transitions: [], rolledBack: null };
      const current = (await this.verifications.find(id, m)) ?? v;
      const done = await this.verdicts.lateRegression(
        m,
        current,
        subject,
        { reason: regression.reason, onsetAt },
        now,
      );
      await this.watches.recordConsequences(m, findingId, {
        incidentId: done.incidentId,
        incidentOpened: done.incidentOpened,
        rollbackRequested: done.rollbackRequested,
        rollbackBlockedReason: done.rollbackBlocked,
      });
      this.logger.warn(
        `deployment ${subject.deploymentId} (${subject.service} ${v.version ?? '?'}): late regression: ${regression.reason}${done.rollbackRequested ? '; rollback requested' : ''}`,
      );
      return { transitions: done.transitions, rolledBack: done.rollbackRequested };
    });
    if (!committed) return false;
    this.hooks.emitCommitted(committed.transitions);
    verificationLateChecks.inc({ outcome: step.end ?? 'QUIET' });
    if (committed.rolledBack !== null) {
      verificationLateRegressions.inc({ rolled_back: String(committed.rolledBack) });
    }
    return true;
  }
}
