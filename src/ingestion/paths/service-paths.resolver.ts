import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequireScope } from '../../auth/auth.decorators.js';
import { ServiceRefArgs } from '../inference/inference-rules.input.js';
import { SetServicePathsInput } from './service-paths.input.js';
import { ServicePaths } from './service-paths.model.js';
import { ServicePathsService } from './service-paths.service.js';

/** The path globs of services in shared repositories (docs/dora.md). */
@Resolver(() => ServicePaths)
export class ServicePathsResolver {
  constructor(private readonly paths: ServicePathsService) {}

  @Query(() => [ServicePaths], {
    description:
      'The path globs a service declares, one entry per repository (SERVICE_NOT_FOUND when unknown)',
  })
  servicePaths(@Args() args: ServiceRefArgs): Promise<ServicePaths[]> {
    return this.paths.get(args.service, args.namespace);
  }

  @Mutation(() => ServicePaths, {
    description:
      'Sets the path globs a service declares in a repository and recomputes its production deployments with them; an invalid glob is refused with INVALID_PATH_GLOB',
  })
  @RequireScope('admin')
  setServicePaths(@Args('input') input: SetServicePathsInput): Promise<ServicePaths> {
    return this.paths.set(input);
  }
}
