import {
  Args,
  Context,
  Mutation,
  Parent,
  Query,
  ResolveField,
  Resolver,
  type ComplexityEstimatorArgs,
} from '@nestjs/graphql';
import { DataSource } from 'typeorm';
import { RequireScope } from '../auth/auth.decorators.js';
import { BatchLoader } from '../delivery/batch-loader.js';
import { Service } from '../delivery/models/service.model.js';
import { CatalogRepository } from './catalog.repository.js';
import { CatalogService } from './catalog.service.js';
import {
  ApplyCatalogInput,
  SetEnvironmentTierInput,
  SetServiceOwnerInput,
  UpsertTeamInput,
} from './dto/catalog.input.js';
import { CatalogPlan, ServiceOwner, Team } from './models/catalog.model.js';

type Ctx = { req: object };

/** The service catalog (docs/dora.md, "Service catalog"): writes need `admin`. */
@Resolver(() => Service)
export class CatalogResolver {
  private readonly perRequest = new WeakMap<object, BatchLoader<string, ServiceOwner[]>>();

  constructor(
    private readonly catalog: CatalogService,
    private readonly repo: CatalogRepository,
    private readonly dataSource: DataSource,
  ) {}

  @Mutation(() => CatalogPlan, {
    description:
      'Applies a Backstage catalog-info.yaml and/or a CODEOWNERS file in one transaction (dryRun: only the plan)',
  })
  @RequireScope('admin')
  applyCatalog(@Args('input') input: ApplyCatalogInput): Promise<CatalogPlan> {
    return this.catalog.applyFiles(input, new Date());
  }

  @Mutation(() => [ServiceOwner], {
    description: 'Makes a team the owner of a service from a time on; returns the history',
  })
  @RequireScope('admin')
  async setServiceOwner(@Args('input') input: SetServiceOwnerInput): Promise<ServiceOwner[]> {
    await this.catalog.setServiceOwner(
      input.service,
      input.namespace ?? '',
      input.team,
      input.effectiveAt ?? new Date(),
    );
    const id = await this.repo.serviceId(
      this.dataSource.manager,
      input.service,
      input.namespace ?? '',
    );
    return this.repo.owners(this.dataSource.manager, id);
  }

  @Mutation(() => Team)
  @RequireScope('admin')
  async upsertTeam(@Args('input') input: UpsertTeamInput): Promise<Team> {
    await this.catalog.upsertTeam(input.name, input.displayName ?? null);
    return (await this.teams()).find((t) => t.name === input.name.trim())!;
  }

  @Mutation(() => Boolean, {
    description: 'Sets the tier of an environment (created when unknown); DORA recomputes',
  })
  @RequireScope('admin')
  async setEnvironmentTier(@Args('input') input: SetEnvironmentTierInput): Promise<boolean> {
    await this.catalog.setEnvironmentTier(input.environment, input.tier);
    return true;
  }

  @Query(() => [Team])
  async teams(): Promise<Team[]> {
    const rows = await this.repo.teams(this.dataSource.manager);
    return rows.map((r) => ({
      name: r.name as string,
      displayName: (r.display_name as string | null) ?? null,
      source: r.source as string,
    }));
  }

  @ResolveField(() => [ServiceOwner], {
    description: 'Ownership history, oldest first',
    complexity: ({ childComplexity }: ComplexityEstimatorArgs) => 1 + 5 * childComplexity,
  })
  owners(@Parent() s: Service, @Context() ctx: Ctx): Promise<ServiceOwner[]> {
    let loader = this.perRequest.get(ctx.req);
    if (!loader) {
      loader = new BatchLoader(
        async (ids) => {
          const out = new Map<string, ServiceOwner[]>();
          for (const o of await this.repo.ownersOfServices(this.dataSource.manager, ids))
            out.set(o.serviceId, [...(out.get(o.serviceId) ?? []), o]);
          return out;
        },
        () => [],
      );
      this.perRequest.set(ctx.req, loader);
    }
    return loader.load(s.id);
  }
}
