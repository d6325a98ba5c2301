import { Injectable } from '@nestjs/common';
import type { Applied, ApplyContext, Indexed } from './apply-context.js';
import { ChangeApplier } from './change.applier.js';
import { DeploymentApplier } from './deployment.applier.js';
import type {
  ChangeEvent,
  DeploymentEvent,
  DomainEvent,
  IncidentEvent,
  PipelineRunEvent,
  TestResultEvent,
} from './domain-events.js';
import { IncidentApplier } from './incident.applier.js';
import { PipelineRunApplier } from './pipeline-run.applier.js';
import { TestResultApplier } from './test-result.applier.js';

/**
 * Applies validated, normalised events inside a transaction, kind by kind so that each kind is a
 * few multi-row statements whatever the batch size. Changes go first (a deployment in the same
 * batch then finds its pushes), test results after pipeline runs (they total the runs of their
 * chain), incidents last (they name deployments).
 */
@Injectable()
export class EventApplier {
  constructor(
    private readonly changes: ChangeApplier,
    private readonly runs: PipelineRunApplier,
    private readonly tests: TestResultApplier,
    private readonly deployments: DeploymentApplier,
    private readonly incidents: IncidentApplier,
  ) {}

  async apply(ctx: ApplyContext, events: readonly Indexed[]): Promise<Applied> {
    const of = <E extends DomainEvent>(type: E['type']) =>
      events.filter((i): i is Indexed<E> => i.event.type === type);
    const runs = of<PipelineRunEvent>('pipelineRun');
    const parts = [
      await this.changes.apply(ctx, of<ChangeEvent>('change')),
      await this.runs.apply(ctx, runs),
      await this.tests.apply(
        ctx,
        of<TestResultEvent>('testResult'),
        runs.flatMap((i) => (i.event.chainId ? [i.event.chainId] : [])),
      ),
      await this.deployments.apply(ctx, of<DeploymentEvent>('deployment')),
      await this.incidents.apply(ctx, of<IncidentEvent>('incident')),
    ];
    return {
      entityIds: new Map(parts.flatMap((p) => [...p.entityIds])),
      transitions: parts.flatMap((p) => p.transitions),
    };
  }
}
