import {
  Context,
  Parent,
  ResolveField,
  Resolver,
  type ComplexityEstimatorArgs,
} from '@nestjs/graphql';
import { DeliveryLoaders, naturalKey } from './delivery.loaders.js';
import { Deployment } from './models/deployment.model.js';
import { Incident, IncidentCause } from './models/incident.model.js';
import { Environment, Service } from './models/service.model.js';

type Ctx = { req: object };
const fewItems = ({ childComplexity }: ComplexityEstimatorArgs): number => 1 + 5 * childComplexity;

@Resolver(() => Incident)
export class IncidentResolver {
  constructor(private readonly loaders: DeliveryLoaders) {}

  @ResolveField(() => [Service], { complexity: fewItems })
  services(@Parent() i: Incident, @Context() ctx: Ctx): Promise<Service[]> {
    return this.loaders.of(ctx).servicesOfIncident.load(i.id);
  }

  @ResolveField(() => Environment, { nullable: true })
  environment(@Parent() i: Incident, @Context() ctx: Ctx): Promise<Environment | null> {
    return i.environmentId
      ? this.loaders.of(ctx).environment.load(i.environmentId)
      : Promise.resolve(null);
  }

  @ResolveField(() => [IncidentCause], { complexity: fewItems })
  causedBy(@Parent() i: Incident, @Context() ctx: Ctx): Promise<IncidentCause[]> {
    return this.loaders.of(ctx).causesOfIncident.load(i.id);
  }
}

@Resolver(() => IncidentCause)
export class IncidentCauseResolver {
  constructor(private readonly loaders: DeliveryLoaders) {}

  @ResolveField(() => Deployment, {
    nullable: true,
    description: 'The deployment, once Shipwatch has seen it',
  })
  deployment(@Parent() c: IncidentCause, @Context() ctx: Ctx): Promise<Deployment | null> {
    return this.loaders
      .of(ctx)
      .deploymentByKey.load(naturalKey(c.deploymentSource, c.deploymentExternalId));
  }
}
