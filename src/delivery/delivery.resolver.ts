import { Args, ID, Query, Resolver, type ComplexityEstimatorArgs } from '@nestjs/graphql';
import { DeliveryService } from './delivery.service.js';
import { DeploymentsArgs, IncidentsArgs, PipelineRunsArgs, ServicesArgs } from './dto/list.args.js';
import { DEFAULT_PAGE_SIZE } from './cursor.js';
import {
  DeploymentConnection,
  IncidentConnection,
  PipelineRunConnection,
  ServiceConnection,
  type Connection,
} from './models/connection.model.js';
import { Deployment } from './models/deployment.model.js';
import type { Incident } from './models/incident.model.js';
import type { PipelineRun } from './models/pipeline-run.model.js';
import type { Service } from './models/service.model.js';

/** A page costs `first` times what one item costs. */
export const pageComplexity = ({ args, childComplexity }: ComplexityEstimatorArgs): number =>
  1 + (typeof args.first === 'number' ? args.first : DEFAULT_PAGE_SIZE) * childComplexity;

/** The delivery queries (scope `read`, from the global guard). */
@Resolver()
export class DeliveryResolver {
  constructor(private readonly delivery: DeliveryService) {}

  @Query(() => ServiceConnection, { complexity: pageComplexity })
  services(@Args() args: ServicesArgs): Promise<Connection<Service>> {
    return this.delivery.services(args);
  }

  @Query(() => DeploymentConnection, { complexity: pageComplexity })
  deployments(@Args() args: DeploymentsArgs): Promise<Connection<Deployment>> {
    return this.delivery.deployments(args);
  }

  @Query(() => Deployment, { nullable: true, description: 'null when there is no such deployment' })
  deployment(@Args('id', { type: () => ID }) id: string): Promise<Deployment | null> {
    return this.delivery.deployment(id);
  }

  @Query(() => PipelineRunConnection, { complexity: pageComplexity })
  pipelineRuns(@Args() args: PipelineRunsArgs): Promise<Connection<PipelineRun>> {
    return this.delivery.pipelineRuns(args);
  }

  @Query(() => IncidentConnection, { complexity: pageComplexity })
  incidents(@Args() args: IncidentsArgs): Promise<Connection<Incident>> {
    return this.delivery.incidents(args);
  }
}
