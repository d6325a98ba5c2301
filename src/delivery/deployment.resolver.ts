import {
  Context,
  Parent,
  ResolveField,
  Resolver,
  type ComplexityEstimatorArgs,
} from '@nestjs/graphql';
import { FrozenDeploymentsLoader } from '../gate/freezes/frozen-deployments.loader.js';
import { DeliveryLoaders, naturalKey } from './delivery.loaders.js';
import { DeploymentChange } from './models/change.model.js';
import { Deployment, ReleaseTarget, RemediationRef } from './models/deployment.model.js';
import { Incident } from './models/incident.model.js';
import { PipelineRun } from './models/pipeline-run.model.js';
import { Environment, Service } from './models/service.model.js';

type Ctx = { req: object };
/** Nested lists are unbounded; estimate them as a few items each. */
const fewItems = ({ childComplexity }: ComplexityEstimatorArgs): number => 1 + 5 * childComplexity;

/** A deployment's relations, loaded in batches per request. */
@Resolver(() => Deployment)
export class DeploymentResolver {
  constructor(
    private readonly loaders: DeliveryLoaders,
    private readonly frozen: FrozenDeploymentsLoader,
  ) {}

  @ResolveField(() => Service)
  async service(@Parent() d: Deployment, @Context() ctx: Ctx): Promise<Service> {
    return (await this.loaders.of(ctx).service.load(d.serviceId))!;
  }

  @ResolveField(() => Environment)
  async environment(@Parent() d: Deployment, @Context() ctx: Ctx): Promise<Environment> {
    return (await this.loaders.of(ctx).environment.load(d.environmentId))!;
  }

  @ResolveField(() => [DeploymentChange], {
    description: 'Its changeset (successful production deployments), each with its lead time',
    complexity: fewItems,
  })
  changes(@Parent() d: Deployment, @Context() ctx: Ctx): Promise<DeploymentChange[]> {
    return this.loaders.of(ctx).changes.load(d.id);
  }

  @ResolveField(() => [ReleaseTarget], {
    description:
      'A multi-target release: every target (wave) of this service, environment and version, in the order they finished, with its status and verification; empty without a target',
    complexity: fewItems,
  })
  releaseTargets(@Parent() d: Deployment, @Context() ctx: Ctx): Promise<ReleaseTarget[]> {
    if (!d.target) return Promise.resolve([]);
    return this.loaders.of(ctx).releaseTargets.load(d.id);
  }

  @ResolveField(() => PipelineRun, {
    nullable: true,
    description: 'The pipeline run that deployed it (its latest attempt), when known',
  })
  pipelineRun(@Parent() d: Deployment, @Context() ctx: Ctx): Promise<PipelineRun | null> {
    if (!d.pipelineRunSource || !d.pipelineRunExternalId) return Promise.resolve(null);
    return this.loaders
      .of(ctx)
      .pipelineRun.load(naturalKey(d.pipelineRunSource, d.pipelineRunExternalId));
  }

  @ResolveField(() => [Incident], { description: 'Incidents it caused', complexity: fewItems })
  incidents(@Parent() d: Deployment, @Context() ctx: Ctx): Promise<Incident[]> {
    return this.loaders.of(ctx).incidentsOfDeployment.load(naturalKey(d.source, d.externalId));
  }

  @ResolveField(() => Boolean, {
    nullable: true,
    description:
      'Finished while a deploy lock or a freeze window covering it was in force (docs/gate.md): still a deployment, flagged. Null until it finishes',
  })
  async duringFreeze(@Parent() d: Deployment, @Context() ctx: Ctx): Promise<boolean | null> {
    if (!d.finishedAt) return null;
    const loaders = this.loaders.of(ctx);
    const [service, environment] = await Promise.all([
      loaders.service.load(d.serviceId),
      loaders.environment.load(d.environmentId),
    ]);
    if (!service || !environment) return null;
    return this.frozen.load(ctx.req, {
      service: service.name,
      namespace: service.namespace,
      environment: environment.name,
      at: new Date(d.finishedAt),
    });
  }

  @ResolveField(() => [RemediationRef], { description: 'What it remediates', complexity: fewItems })
  remediates(@Parent() d: Deployment, @Context() ctx: Ctx): Promise<RemediationRef[]> {
    return this.loaders.of(ctx).remediations.load(d.id);
  }
}
