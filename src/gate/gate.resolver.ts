import { Args, Query, Resolver } from '@nestjs/graphql';
import { DeploymentGateModel } from './models/deployment-gate.model.js';
import { GateService } from './gate.service.js';

@Resolver(() => DeploymentGateModel)
export class GateResolver {
  constructor(private readonly gate: GateService) {}

  @Query(() => DeploymentGateModel, {
    description:
      'The pre-deploy gate: ALLOW, WARN or DENY with coded reasons (open incidents, locks, freeze windows, a version that FAILED, a verification still running, a degraded environment, the error budget). An unknown service is ALLOWed with an UNKNOWN_SERVICE warning. `shipwatch gate` asks it',
  })
  async deploymentGate(
    @Args('service', { type: () => String }) service: string,
    @Args('environment', { type: () => String }) environment: string,
    @Args('version', { type: () => String, nullable: true }) version?: string | null,
    @Args('namespace', { type: () => String, nullable: true }) namespace?: string | null,
  ): Promise<DeploymentGateModel> {
    const answer = await this.gate.decide({ service, environment, version, namespace });
    return {
      service: service.trim(),
      namespace: (namespace ?? '').trim(),
      environment: environment.trim(),
      version: version?.trim() || null,
      ...answer,
      reasons: [...answer.reasons],
    };
  }
}
