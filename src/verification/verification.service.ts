import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.schema.js';
import { DeploymentHooks } from '../ingestion/deployment-hooks.js';
import { inSpan } from '../observability/tracing.js';
import { evaluateTick, toSummary } from './analysis/tick-evaluator.js';
import { decideVerdict, stepVerification, type FinalState } from './analysis/verdict.rule.js';
import { LateWatchService } from './late-watch/late-watch.service.js';
import type { PrometheusClient } from './prometheus.client.js';
import { PROMETHEUS_CLIENT } from './prometheus.provider.js';
import { releaseSignalSource } from './release-signal-source.js';
import type { ReleaseVerificationEntity } from './release-verification.entity.js';
import { VerdictService } from './verdict.service.js';
import {
  measureOldestDueTickLag,
  verificationTickDuration,
  verificationTicks,
  verificationVerdicts,
} from './verification.metrics.js';
import {
  VerificationRepository,
  type ClaimLimits,
  type VerificationSubject,
} from './verification.repository.js';
import { recordSpan, withDeploymentTrace } from './verification.tracing.js';
import { tickEvidence } from './verification-tick.mapper.js';

export interface TickRun {
  readonly verificationId: string;
  readonly deploymentId: string;
  readonly state: string;
}

/**
 * Runs due ticks: claim (fair across submitters and services, capped, SKIP LOCKED + lease),
 * query Prometheus outside any transaction, then write the tick, the verdict and its
 * consequences in one transaction.
 */
@Injectable()
export class VerificationService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(VerificationService.name);
  readonly workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  readonly limits: ClaimLimits;
  private readonly leaseMs: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: VerificationRepository,
    private readonly verdicts: VerdictService,
    private readonly hooks: DeploymentHooks,
    private readonly lateWatch: LateWatchService,
    @Inject(PROMETHEUS_CLIENT) private readonly prometheus: PrometheusClient | null,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.limits = {
      batch: config.verificationMaxRunningPerReplica,
      perSubmitter: config.verificationMaxRunningPerSubmitter,
    };
    this.leaseMs = config.verificationLeaseSeconds * 1000;
  }

  onModuleInit(): void {
    measureOldestDueTickLag(() => this.repo.oldestDueTickLagSeconds(new Date()));
  }

  onModuleDestroy(): void {
    measureOldestDueTickLag(null);
  }

  /**
   * Claims and runs the due ticks of one pass at `now` (the scheduler calls this every second).
   * `present` is the wall clock at which Prometheus is read: samples stamped after it come from
   * a skewed clock (FUTURE_SAMPLE). Tests that drive ticks at past instants keep the real one.
   */
  async runDueTicks(now = new Date(), present = new Date()): Promise<TickRun[]> {
    const leaseUntil = new Date(now.getTime() + this.leaseMs);
    const ids = await this.repo.claimDue(now, this.workerId, leaseUntil, this.limits);
    const runs: TickRun[] = [];
    for (const id of ids) {
      try {
        const run = await this.runClaimedTick(id, now, present);
        if (run) runs.push(run);
      } catch (error) {
        this.logger.error(`verification ${id}: tick failed: ${(error as Error).stack}`);
        await this.repo.releaseClaim(id, this.workerId);
      }
    }
    return runs;
  }

  private async runClaimedTick(id: string, now: Date, present: Date): Promise<TickRun | null> {
    const v = await this.repo.find(id);
    if (!v || v.nextTickAt === null) return null;
    const subject = await this.repo.subject(id);
    return withDeploymentTrace(v.traceParent, () =>
      inSpan(
        'release.verification.tick',
        {
          'deployment.id': subject.deploymentId,
          'service.name': subject.service,
          'service.version': v.version ?? '',
          'deployment.environment.name': subject.environment,
          'shipwatch.verification.tick': v.tickCount + 1,
        },
        async (span) => {
          const run = await this.tick(v, subject, now, present);
          if (run) span.setAttribute('shipwatch.verification.state', run.state);
          return run;
        },
      ),
    );
  }

  private async tick(
    v: ReleaseVerificationEntity,
    subject: VerificationSubject,
    now: Date,
    present: Date,
  ): Promise<TickRun | null> {
    const endTimer = verificationTickDuration.startTimer();
    const source = releaseSignalSource(this.prometheus, v, subject);
    const spec = v.policy;
    const tick = await evaluateTick(source, {
      spec,
      kind: v.kind,
      tickAt: now,
      deployStartedAt: v.deployStartedAt,
      deployFinishedAt: v.deployFinishedAt,
      windowStart: v.pendingWindowStart,
      // A redeploy of the same version has no other version beside it to compare with.
      hasPreviousVersion: v.previousVersion !== null && v.previousVersion !== v.version,
      preDeployAnchor: v.preDeployAnchor,
      now: present,
    });
    const duration = endTimer();
    const committed = await this.dataSource.transaction(async (m) => {
      const locked = await this.repo.lockClaimed(m, v.id, this.workerId);
      // Lost the claim (lease expired and another replica ran this tick): drop our result.
      if (!locked || locked.tickCount !== v.tickCount) return null;
      const history = await this.repo.tickSummaries(m, v.id);
      const decision = decideVerdict({
        kind: v.kind,
        startedAt: v.deployFinishedAt,
        now,
        ticks: [...history, toSummary(tick)],
        // as locked: a person may have extended the bake since the claim (extendBake)
        timing: locked.policy.timing,
        analysis: spec.analysis,
      });
      const step = stepVerification(locked.state, decision);
      const failing =
        tick.outcome.classification === 'CRITICAL' || tick.outcome.classification === 'REGRESSION';
      const firstFailingAt = v.firstFailingAt ?? (failing ? tick.window.start : null);
      await this.repo.insertTick(m, {
        verificationId: v.id,
        tickNumber: v.tickCount + 1,
        tickAt: now,
        windowStart: tick.window.start,
        windowEnd: tick.window.end,
        classification: tick.outcome.classification,
        severity: tick.outcome.severity,
        baselineDegraded: tick.outcome.baselineDegraded,
        settleSignificant: tick.outcome.settleSignificant,
        inWarmUp: tick.inWarmUp,
        reason: tick.outcome.reason,
        evidence: tickEvidence(tick),
        stateAfter: step.state,
        durationSeconds: duration,
      });
      await this.repo.updateAfterTick(
        m,
        v.id,
        {
          state: step.state,
          // an early HEALTHY under watch keeps its reason unless a verdict overturns it
          reason:
            step.verdict?.reason ??
            (step.state === 'RUNNING' ? decision.reason : (v.reason ?? decision.reason)),
          nextTickAt: step.ticking
            ? new Date(now.getTime() + tick.scrape.nextTickSeconds * 1000)
            : null,
          pendingWindowStart: tick.nextWindowStart,
          tickCount: v.tickCount + 1,
          baselineKind: tick.slis[0]?.baselineKind ?? null,
          firstFailingAt,
          finishedAt: step.verdict ? now : v.finishedAt,
        },
        now,
      );
      const transitions = step.verdict
        ? await this.verdicts.apply(m, { ...locked, firstFailingAt }, subject, step.verdict, now)
        : [];
      // A healthy release that stops ticking is watched for late regressions (late-watch/).
      if (!step.ticking)
        await this.lateWatch.startIfHealthy(m, { ...locked, state: step.state }, now);
      return { transitions, step };
    });
    if (!committed) return null;
    const { transitions, step } = committed;
    this.hooks.emitCommitted(transitions);
    verificationTicks.inc({ classification: tick.outcome.classification });
    const verdict = step.verdict;
    if (verdict) this.finished(v, subject, verdict.state as FinalState, verdict.reason, now);
    return { verificationId: v.id, deploymentId: subject.deploymentId, state: step.state };
  }

  private finished(
    v: ReleaseVerificationEntity,
    subject: VerificationSubject,
    state: FinalState,
    reason: string,
    now: Date,
  ): void {
    verificationVerdicts.inc({ verdict: state });
    this.logger.log(
      `deployment ${subject.deploymentId} (${subject.service} ${v.version ?? '?'}): ${state}: ${reason}`,
    );
    recordSpan({
      name: v.kind === 'ROLLBACK' ? 'release.rollback.verification' : 'release.verification',
      traceParent: v.traceParent,
      start: v.startedAt,
      end: now,
      attributes: {
        'deployment.id': subject.deploymentId,
        'service.name': subject.service,
        'service.namespace': subject.namespace,
        'service.version': v.version ?? '',
        'deployment.environment.name': subject.environment,
        'shipwatch.verification.verdict': state,
        'shipwatch.verification.mode': v.policy.mode,
        'shipwatch.verification.reason': reason,
      },
      failed: state === 'FAILED',
      message: reason,
    });
  }
}
