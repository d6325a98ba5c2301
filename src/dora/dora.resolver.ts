import {
  Args,
  type ComplexityEstimatorArgs,
  Parent,
  Query,
  ResolveField,
  Resolver,
} from '@nestjs/graphql';
import { parseTimestamp } from '../common/time.js';
import { approximateBuckets, MAX_BUCKETS } from './dora-filter.rule.js';
import { DoraService } from './dora.service.js';
import { DoraGranularity, DoraMetricsFilter } from './dto/dora-metrics-filter.input.js';
import { DoraFlow, DoraMetrics } from './models/dora-metrics.model.js';

/** What one calendar bucket adds to the cost of a query (configuration: SHIPWATCH_GRAPHQL_MAX_COST). */
export const BUCKET_COST = 4;

/**
 * The cost of a report grows with its bucket count, so many aliased reports of long windows are
 * refused before they run. The filter arrives as sent in variables (strings) or coerced from a
 * literal (Dates); one that does not fit is refused by GraphQL right after.
 */
export const doraMetricsComplexity = ({
  args,
  childComplexity,
}: ComplexityEstimatorArgs): number => {
  const filter = (args.filter ?? {}) as Record<string, unknown>;
  const at = (value: unknown): Date | undefined => {
    if (value instanceof Date) return value;
    const parsed = typeof value === 'string' ? parseTimestamp(value) : undefined;
    return parsed?.ok ? parsed.date : undefined;
  };
  const [from, to] = [at(filter.from), at(filter.to)];
  // `DAY` as sent in variables, `day` once graphql-js has coerced a literal.
  const sent = typeof filter.granularity === 'string' ? filter.granularity : 'WEEK';
  const named = sent.toUpperCase() as keyof typeof DoraGranularity;
  const granularity = DoraGranularity[named] ?? DoraGranularity.WEEK;
  // A window over MAX_BUCKETS is refused by the service (DORA_TOO_MANY_BUCKETS) before any work.
  const buckets =
    from && to ? Math.min(approximateBuckets({ from, to, granularity }), MAX_BUCKETS) : 1;
  return 1 + childComplexity + BUCKET_COST * buckets;
};

@Resolver(() => DoraMetrics)
export class DoraResolver {
  constructor(private readonly dora: DoraService) {}

  @Query(() => DoraMetrics, {
    complexity: doraMetricsComplexity,
    description:
      'Deployment frequency, change lead time, change failure rate, failed deployment recovery time and deployment rework rate of a window and its calendar buckets (definitions: docs/dora.md)',
  })
  doraMetrics(@Args('filter') filter: DoraMetricsFilter): Promise<DoraMetrics> {
    return this.dora.metrics(filter);
  }

  @ResolveField(() => DoraFlow, {
    description:
      'Time between production deployments, batch size and lead-time stages over the window, in the same scope (docs/dora.md, "Flow figures")',
  })
  flow(@Parent() metrics: DoraMetrics): Promise<DoraFlow> {
    if (!metrics.request) throw new Error('DoraMetrics without its request');
    return this.dora.flow(metrics.request);
  }
}
