import { Injectable } from '@nestjs/common';
import { FreezeWindowsRepository } from '../gate/freezes/freeze-windows.repository.js';
import { timingOf } from '../gate/freezes/freeze-windows.service.js';
import { deployedDuringFreeze } from '../gate/freezes/frozen-deployment.rule.js';
import { DeployLocksRepository } from '../gate/locks/deploy-locks.repository.js';
import { inSpan } from '../observability/tracing.js';
import { toPeriod } from './dora-report.calculator.js';
import { checkWindow } from './dora-filter.rule.js';
import { DoraRefreshService } from './dora-refresh.service.js';
import { invalidDoraFilter, tooManyBuckets } from './dora.errors.js';
import { DoraRepository } from './dora.repository.js';
import type { DoraMetricsFilter } from './dto/dora-metrics-filter.input.js';
import { DEFAULT_BENCHMARK_SET } from './levels/dora-levels.js';
import { MAX_BUCKETS } from './dora-filter.rule.js';
import type { DoraFlow, DoraMetrics, DoraRequest } from './models/dora-metrics.model.js';

const clean = (list: readonly string[] | null | undefined): string[] | null => {
  const items = [...new Set((list ?? []).map((s) => s.trim()).filter((s) => s !== ''))];
  return items.length > 0 ? items : null;
};

/** The doraMetrics query: validates the filter, folds pending changes in, reads dora_report. */
@Injectable()
export class DoraService {
  constructor(
    private readonly repository: DoraRepository,
    private readonly refresher: DoraRefreshService,
    private readonly locks: DeployLocksRepository,
    private readonly freezes: FreezeWindowsRepository,
  ) {}

  async metrics(filter: DoraMetricsFilter): Promise<DoraMetrics> {
    const problem = checkWindow(filter);
    if (problem?.kind === 'TOO_MANY_BUCKETS') throw tooManyBuckets(problem.buckets, MAX_BUCKETS);
    if (problem)
      throw invalidDoraFilter(problem.message, {
        field: problem.kind === 'ORDER' ? 'to' : 'timezone',
      });
    const services = clean(filter.services);
    const teams = clean(filter.teams);
    const attributions = filter.attributions?.length ? [...new Set(filter.attributions)] : null;
    return inSpan(
      'dora.report',
      {
        'dora.granularity': filter.granularity,
        'dora.scoped': services !== null || teams !== null,
      },
      async () => {
        await this.refresher.refresh();
        const scope = await this.repository.resolveServices(services, teams);
        const rows = await this.repository.report({
          from: filter.from,
          to: filter.to,
          timezone: filter.timezone,
          granularity: filter.granularity,
          tier: filter.environment,
          services,
          teams,
          weekStart: filter.weekStartsOn,
          attributions,
        });
        const periods = rows.map((row) => ({ row, period: toPeriod(row, DEFAULT_BENCHMARK_SET) }));
        const window = periods.find((p) => p.row.scope === 'WINDOW');
        if (!window) throw new Error('dora_report returned no WINDOW row');
        const { id, report, year, url, note } = DEFAULT_BENCHMARK_SET;
        return {
          request: { from: filter.from, to: filter.to, tier: filter.environment, services, teams },
          definitionVersion: window.row.definitionVersion,
          benchmark: { id, report, year, url, note },
          scope: {
            environment: filter.environment,
            services: scope.matched,
            unmatchedServices: scope.unmatched,
            teams,
            timezone: filter.timezone,
            granularity: filter.granularity,
            weekStartsOn: filter.weekStartsOn,
            attributions,
          },
          window: window.period,
          buckets: periods.filter((p) => p.row.scope === 'BUCKET').map((p) => p.period),
        };
      },
    );
  }

  /** Time between deployments and batch size of a report's window and scope. */
  flow(request: DoraRequest): Promise<DoraFlow> {
    return inSpan('dora.flow', {}, async () => {
      const [flow, deploymentsDuringFreezes] = await Promise.all([
        this.repository.flow(request),
        this.deploymentsDuringFreezes(request),
      ]);
      return { ...flow, deploymentsDuringFreezes };
    });
  }

  /**
   * The deployments of the report's scope that finished while a deploy lock or a freeze window
   * covering them was in force (still counted as deployments everywhere else). Read at query
   * time from the locks and windows, which are never deleted, so it needs no stored flag.
   */
  private async deploymentsDuringFreezes(request: DoraRequest): Promise<number> {
    const [deployments, locks, windows] = await Promise.all([
      this.repository.scopedDeployments(request),
      this.locks.overlapping(request.from, request.to),
      this.freezes.overlapping(request.from, request.to),
    ]);
    if (deployments.length === 0 || (locks.length === 0 && windows.length === 0)) return 0;
    return deployedDuringFreeze(
      deployments,
      locks,
      windows.map((w) => ({ ...w, timing: timingOf(w) })),
    ).filter(Boolean).length;
  }
}
