import { Args, Query, Resolver } from '@nestjs/graphql';
import { DeploymentGateModel } from './models/deployment-gate.model.js';
import { GateService } from './gate.service.js';

@Resolver(() => DeploymentGateModel)
export class GateResolver {
  constructor(private readonly gate: GateService) {}

  @Query(() => DeploymentGateModel, {
    description:
      'The pre-deploy gate: ALLOW, WARN or DENY with coded reasons (open incidents, locks, freeze windows, a version that FAILED, a verification still running, a degraded environment, the error budget, and for a target the earlier waves of the release). An unknown service is ALLOWed with an UNKNOWN_SERVICE warning. `shipwatch gate` asks it',
  })
  async deploymentGate(
    @Args('service', { type: () => String }) service: string,
    @Args('environment', { type: () => String }) environment: string,
    @Args('version', { type: () => String, nullable: true }) version?: string | null,
    @Args('namespace', { type: () => String, nullable: true }) namespace?: string | null,
    @Args('target', {
      type: () => String,
      nullable: true,
      description:
        'A wave of a multi-target release (region, cluster): the answer then comes from the other targets’ verdicts for this version too (WAVE_* reasons)',
    })
    target?: string | null,
  ): Promise<DeploymentGateModel> {
    const answer = await this.gate.decide({ service, environment, version, namespace, target });
    return {
      service: service.trim(),
      namespace: (namespace ?? '').trim(),
      environment: environment.trim(),
      version: version?.trim() || null,
      target: target?.trim() || null,
      ...answer,
      reasons: [...answer.reasons],
    };
  }
}
