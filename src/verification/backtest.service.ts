import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { badInput } from '../common/errors/domain-error.js';
import { replayVerification } from './analysis/tick-evaluator.js';
import type { BacktestPolicyInput } from './dto/backtest-policy.input.js';
import type { BacktestResultModel } from './models/backtest.model.js';
import type { VerificationStateEnum } from './models/release-verification.model.js';
import type { VerificationModeEnum } from './models/verification-policy.model.js';
import type { PrometheusClient } from './prometheus.client.js';
import { PROMETHEUS_CLIENT } from './prometheus.provider.js';
import { PrometheusSignalSource, targetScope } from './prometheus.source.js';
import { prometheusUnavailable } from './verification.errors.js';
import type { PolicySpec } from './verification-policy.js';
import { assertSpec, specOf, VerificationPolicyService } from './verification-policy.service.js';
import { replayedTickModels } from './verification-tick.mapper.js';

interface PastDeployment {
  id: string;
  version: string | null;
  previous_version: string | null;
  target: string | null;
  status: string;
  started_at: Date | null;
  finished_at: Date;
}

const MAX_DEPLOYMENTS = 50;

/**
 * "Would this policy have rolled these back, and when?": replays verifications of past
 * deployments tick by tick with the production analysis code, reading Prometheus at past instants.
 */
@Injectable()
export class BacktestService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly policies: VerificationPolicyService,
    @Inject(PROMETHEUS_CLIENT) private readonly prometheus: PrometheusClient | null,
  ) {}

  async backtest(input: BacktestPolicyInput, now = new Date()): Promise<BacktestResultModel> {
    if (!this.prometheus) throw prometheusUnavailable('PROMETHEUS_URL is not configured');
    const scope = {
      service: input.service,
      namespace: input.namespace ?? '',
      environment: input.environment,
    };
    const { spec, isDefault } = await this.policyFor(input, scope);
    if (!(await this.prometheus.ready())) {
      throw prometheusUnavailable(`Prometheus at ${this.prometheus.baseUrl} is not ready`);
    }
    const limit = Math.min(input.limit ?? 20, MAX_DEPLOYMENTS);
    if (limit < 1) throw badInput('limit must be at least 1');
    const deployments = await this.pastDeployments(scope, input, limit);
    const results = [];
    for (const d of deployments) {
      const finishedAt = new Date(d.finished_at);
      const startedAt = d.started_at ? new Date(d.started_at) : finishedAt;
      const source = new PrometheusSignalSource(this.prometheus, {
        ...scope,
        version: d.version,
        previousVersion: d.previous_version,
        preDeployVersion: d.previous_version,
        target: targetScope(spec.targetLabel, d.target),
      });
      const replay = await replayVerification(source, {
        spec,
        kind: 'RELEASE',
        deployStartedAt: startedAt.getTime() <= finishedAt.getTime() ? startedAt : finishedAt,
        deployFinishedAt: finishedAt,
        hasPreviousVersion: d.previous_version !== null && d.previous_version !== d.version,
        until: now,
        now,
      });
      const firstRegression = replay.ticks.find((t) =>
        ['REGRESSION', 'CRITICAL'].includes(t.outcome.classification),
      );
      results.push({
        deploymentId: String(d.id),
        version: d.version,
        previousVersion: d.previous_version,
        finishedAt,
        verdict: replay.decision.state as VerificationStateEnum,
        reason: replay.decision.reason,
        decidedAt: replay.decidedAt,
        healthyAt: replay.healthyAt,
        secondsToVerdict: replay.decidedAt
          ? (replay.decidedAt.getTime() - finishedAt.getTime()) / 1000
          : null,
        wouldRollBack: replay.decision.state === 'FAILED' && spec.mode === 'ENFORCE',
        firstRegressionAt: firstRegression?.window.start ?? null,
        ticks: replayedTickModels(replay),
        actualStatus: d.status,
      });
    }
    return {
      mode: spec.mode as VerificationModeEnum,
      isDefaultPolicy: isDefault,
      evaluatedAt: now,
      deployments: results,
    };
  }

  private async policyFor(
    input: BacktestPolicyInput,
    scope: { service: string; namespace: string; environment: string },
  ): Promise<{ spec: PolicySpec; isDefault: boolean }> {
    if (input.policy) {
      const spec = specOf(input.policy, []);
      assertSpec(spec);
      return { spec, isDefault: false };
    }
    const stored = await this.policies.resolve(this.dataSource.manager, {
      ...scope,
      tier: 'production',
    });
    if (!stored) throw prometheusUnavailable('PROMETHEUS_URL is not configured');
    return { spec: stored.spec, isDefault: stored.isDefault };
  }

  private async pastDeployments(
    scope: { service: string; namespace: string; environment: string },
    input: BacktestPolicyInput,
    limit: number,
  ): Promise<PastDeployment[]> {
    const ids = (input.deploymentIds ?? []).filter((id) => /^\d+$/.test(id));
    if (input.deploymentIds && ids.length !== input.deploymentIds.length) {
      throw badInput('deploymentIds must be numeric deployment ids');
    }
    return this.dataSource.query(
      `SELECT d.id, d.version, d.previous_version, d.target, d.status, d.started_at, d.finished_at
         FROM deployments d
         JOIN services s ON s.id = d.service_id
         JOIN environments e ON e.id = d.environment_id
        WHERE s.name = $1 AND s.namespace = $2 AND e.name = $3
          AND d.status IN ('SUCCEEDED', 'ROLLED_BACK') AND d.finished_at IS NOT NULL
          AND ($4::bigint[] IS NULL OR d.id = ANY($4::bigint[]))
          AND ($5::timestamptz IS NULL OR d.finished_at >= $5)
          AND ($6::timestamptz IS NULL OR d.finished_at <= $6)
        ORDER BY d.finished_at DESC
        LIMIT $7`,
      [
        scope.service,
        scope.namespace,
        scope.environment,
        input.deploymentIds ? ids : null,
        input.from ?? null,
        input.to ?? null,
        limit,
      ],
    );
  }
}
