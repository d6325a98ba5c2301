import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { badInput } from '../common/errors/domain-error.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.schema.js';
import { inferEnvironmentTier } from '../ingestion/environment-tier.rule.js';
import { readCounts } from '../verification/analysis/counter-reading.js';
import type { PrometheusClient } from '../verification/prometheus.client.js';
import { PROMETHEUS_CLIENT } from '../verification/prometheus.provider.js';
import { PrometheusSignalSource, targetScope } from '../verification/prometheus.source.js';
import { VerificationPolicyService } from '../verification/verification-policy.service.js';
import { targetProblem } from '../ingestion/target.rule.js';
import { GateRepository } from './gate.repository.js';
import { FreezeWindowsService } from './freezes/freeze-windows.service.js';
import { DeployLocksService } from './locks/deploy-locks.service.js';
import { decideGate, type BudgetReading, type GateAnswer, type GateWave } from './gate.rule.js';

/** How far back the gate reads the error budget burn. */
export const BUDGET_WINDOW_SECONDS = 3600;

export interface GateQuery {
  readonly service: string;
  readonly namespace?: string | null;
  readonly environment: string;
  readonly version?: string | null;
  /** The wave's target (region, cluster) of a multi-target release. */
  readonly target?: string | null;
}

/** Gathers the gate's facts (PostgreSQL, Prometheus) and asks gate.rule.ts. */
@Injectable()
export class GateService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: GateRepository,
    private readonly locks: DeployLocksService,
    private readonly freezes: FreezeWindowsService,
    private readonly policies: VerificationPolicyService,
    @Inject(PROMETHEUS_CLIENT) private readonly prometheus: PrometheusClient | null,
    @Inject(APP_CONFIG)
    private readonly config: Pick<AppConfig, 'autoLockOnFailed' | 'autoLockOnSeverities'>,
  ) {}

  async decide(
    q: GateQuery,
    now = new Date(),
  ): Promise<GateAnswer & { waves: GateWave[]; evaluatedAt: Date }> {
    const service = q.service.trim();
    const environment = q.environment.trim();
    const namespace = (q.namespace ?? '').trim();
    const version = q.version?.trim() || null;
    const target = q.target?.trim() || null;
    if (service === '') throw badInput('service must not be empty', { field: 'service' });
    const targetError = target === null ? null : targetProblem(target);
    if (targetError) throw badInput(`target ${targetError}`, { field: 'target' });
    if (environment === '')
      throw badInput('environment must not be empty', { field: 'environment' });
    const [serviceId, env] = await Promise.all([
      this.repo.serviceId(service, namespace),
      this.repo.environment(environment),
    ]);
    const [locks, freezes, incidents, verifications, waves] = await Promise.all([
      this.locks.covering(service, namespace, environment, now),
      this.freezes.covering(service, namespace, environment, now),
      this.repo.openIncidents(serviceId, env?.id ?? null),
      serviceId && env
        ? this.repo.verifications(serviceId, env.id, version, target)
        : Promise.resolve({ runningVerifications: [], latestVerdict: null, failedVersion: null }),
      serviceId && env && version && target
        ? this.repo.waves(serviceId, env.id, version, target)
        : Promise.resolve([]),
    ]);
    const budget = serviceId
      ? await this.budget(
          service,
          namespace,
          environment,
          env?.tier ?? inferEnvironmentTier(environment),
          now,
          target,
        )
      : ({ kind: 'NOT_APPLICABLE', why: 'unknown service' } as const);
    const answer = decideGate({
      service,
      environment,
      version,
      target,
      waves,
      serviceKnown: serviceId !== null,
      // The gate names who locked by the token's name, not its id.
      locks: locks.map((l) => ({ ...l, lockedBy: l.lockedByName })),
      freezes: freezes.map(({ window: w, occurrence }) => ({
        ...w,
        createdBy: w.createdByName,
        ...occurrence,
      })),
      openIncidents: incidents,
      autoLock: {
        onFailed: this.config.autoLockOnFailed,
        severities: this.config.autoLockOnSeverities,
      },
      ...verifications,
      budget,
      now,
    });
    return { ...answer, waves, evaluatedAt: now };
  }

  /**
   * The burn of each SLI of the policy that verifies the service here, over the last hour, every
   * version together (the pre-deploy side with no version), against the policy's page rate.
   * A wave's budget is its target's (the policy's targetLabel), as its verification would read.
   */
  private async budget(
    service: string,
    namespace: string,
    environment: string,
    tier: ReturnType<typeof inferEnvironmentTier>,
    now: Date,
    target: string | null,
  ): Promise<BudgetReading> {
    if (!this.prometheus) return { kind: 'NOT_APPLICABLE', why: 'PROMETHEUS_URL is not set' };
    const policy = await this.policies.resolve(this.dataSource.manager, {
      service,
      namespace,
      environment,
      tier,
    });
    if (!policy) return { kind: 'NOT_APPLICABLE', why: 'no verification policy applies' };
    const source = new PrometheusSignalSource(this.prometheus, {
      service,
      namespace,
      environment,
      version: null,
      previousVersion: null,
      preDeployVersion: null,
      target: targetScope(policy.spec.targetLabel, target),
    });
    const range = { start: new Date(now.getTime() - BUDGET_WINDOW_SECONDS * 1000), end: now };
    const slis: { name: string; burnRate: number | null }[] = [];
    for (const sli of policy.spec.slis) {
      const { reading } = await readCounts(source, sli, 'PRE_DEPLOY', range, null);
      if (reading.kind === 'ERROR') return { kind: 'UNAVAILABLE', message: reading.message };
      const counts = reading.kind === 'OK' ? reading.counts : null;
      slis.push({
        name: sli.name,
        burnRate:
          counts && counts.total > 0 ? counts.bad / counts.total / (1 - sli.objective) : null,
      });
    }
    return {
      kind: 'READ',
      slis,
      threshold: policy.spec.analysis.pageBurnRate,
      windowSeconds: BUDGET_WINDOW_SECONDS,
    };
  }
}
