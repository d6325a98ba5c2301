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
import { RequireScope } from '../auth/auth.decorators.js';
import type { AuthenticatedRequest } from '../auth/auth.guard.js';
import { BatchLoader } from '../delivery/batch-loader.js';
import { DeliveryLoaders, naturalKey } from '../delivery/delivery.loaders.js';
import { Deployment } from '../delivery/models/deployment.model.js';
import { Incident } from '../delivery/models/incident.model.js';
import { IncidentTriageArgs, ReviewIncidentCauseInput } from './dto/triage.input.js';
import { IncidentCauseReview, TriageDecision, TriageItem } from './models/triage.model.js';
import { TriageService } from './triage.service.js';

type Ctx = { req: AuthenticatedRequest };

/** Incident triage: the list (scope `read`) and the decisions (scope `triage` or `admin`). */
@Resolver(() => TriageItem)
export class TriageResolver {
  constructor(
    private readonly triage: TriageService,
    private readonly loaders: DeliveryLoaders,
  ) {}

  @Query(() => [TriageItem], {
    description:
      'Links between incidents and deployments: by default those that wait for a person (suspected and unresolved)',
    complexity: ({ args, childComplexity }: ComplexityEstimatorArgs) =>
      1 + (typeof args.first === 'number' ? args.first : 100) * childComplexity,
  })
  incidentTriage(@Args() args: IncidentTriageArgs): Promise<TriageItem[]> {
    return this.triage.list(args, new Date());
  }

  @Mutation(() => IncidentCauseReview, {
    description:
      'Confirms that a deployment caused an incident: the deployment counts as failed (attribution CONFIRMED)',
  })
  @RequireScope('triage')
  confirmIncidentCause(
    @Args('input') input: ReviewIncidentCauseInput,
    @Context() ctx: Ctx,
  ): Promise<IncidentCauseReview> {
    return this.triage.review(TriageDecision.CONFIRMED, input, ctx.req.principal);
  }

  @Mutation(() => IncidentCauseReview, {
    description:
      'Rejects a deployment as the cause of an incident: the link counts nowhere, and no longer makes the deployment suspected',
  })
  @RequireScope('triage')
  rejectIncidentCause(
    @Args('input') input: ReviewIncidentCauseInput,
    @Context() ctx: Ctx,
  ): Promise<IncidentCauseReview> {
    return this.triage.review(TriageDecision.REJECTED, input, ctx.req.principal);
  }

  @ResolveField(() => Deployment, { nullable: true })
  deployment(@Parent() item: TriageItem, @Context() ctx: Ctx): Promise<Deployment | null> {
    return this.loaders
      .of(ctx)
      .deploymentByKey.load(naturalKey(item.deploymentSource, item.deploymentExternalId));
  }
}

/** `Incident.causeReviews`: the audit of the incident's triage decisions, oldest first. */
@Resolver(() => Incident)
export class IncidentReviewsResolver {
  private readonly perRequest = new WeakMap<object, BatchLoader<string, IncidentCauseReview[]>>();

  constructor(private readonly triage: TriageService) {}

  @ResolveField(() => [IncidentCauseReview], {
    complexity: ({ childComplexity }: ComplexityEstimatorArgs) => 1 + 5 * childComplexity,
  })
  causeReviews(@Parent() i: Incident, @Context() ctx: Ctx): Promise<IncidentCauseReview[]> {
    let loader = this.perRequest.get(ctx.req);
    if (!loader) {
      loader = new BatchLoader(
        (ids) => this.triage.reviewsOf(ids),
        () => [],
      );
      this.perRequest.set(ctx.req, loader);
    }
    return loader.load(i.id);
  }
}
