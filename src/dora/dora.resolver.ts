import { Args, Query, Resolver } from '@nestjs/graphql';
import { DoraService } from './dora.service.js';
import { DoraMetricsFilter } from './dto/dora-metrics-filter.input.js';
import { DoraMetrics } from './models/dora-metrics.model.js';

@Resolver(() => DoraMetrics)
export class DoraResolver {
  constructor(private readonly dora: DoraService) {}

  @Query(() => DoraMetrics, {
    description:
      'Deployment frequency, change lead time, change failure rate, failed deployment recovery time and deployment rework rate of a window and its calendar buckets (definitions: docs/dora.md)',
  })
  doraMetrics(@Args('filter') filter: DoraMetricsFilter): Promise<DoraMetrics> {
    return this.dora.metrics(filter);
  }
}
