import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import type { AuthenticatedRequest } from '../auth/auth.guard.js';
import { submitterOf } from '../auth/principal.js';
import { ChangeInput } from './dto/change.input.js';
import { DeploymentInput } from './dto/deployment.input.js';
import { EventInput } from './dto/event.input.js';
import { IncidentInput } from './dto/incident.input.js';
import { PipelineRunInput } from './dto/pipeline-run.input.js';
import {
  toBatchItem,
  toChangeEvent,
  toDeploymentEvent,
  toIncidentEvent,
  toPipelineRunEvent,
} from './input.mapper.js';
import { IngestionService, MAX_BATCH, type BatchItem } from './ingestion.service.js';
import type { DomainEvent } from './domain-events.js';
import { IngestOutcome } from './models/ingest-outcome.model.js';

/** Stamps who sent the event (from the guard's principal, never from the payload). */
function submitted<E extends DomainEvent>(event: E, req: AuthenticatedRequest): E {
  const submittedBy = submitterOf(req.principal);
  return submittedBy ? { ...event, envelope: { ...event.envelope, submittedBy } } : event;
}

/** The ingestion mutations (scope `ingest`, from the global guard). Invalid single events are BAD_USER_INPUT. */
@Resolver()
export class IngestionResolver {
  constructor(private readonly ingestion: IngestionService) {}

  @Mutation(() => IngestOutcome, { description: 'Record a pipeline run event' })
  recordPipelineRun(@Args('input') input: PipelineRunInput): Promise<IngestOutcome> {
    return this.ingestion.record(
      toPipelineRunEvent(input),
      input,
      'recordPipelineRun',
    ) as Promise<IngestOutcome>;
  }

  @Mutation(() => IngestOutcome, { description: 'Record a deployment event' })
  recordDeployment(
    @Args('input') input: DeploymentInput,
    @Context('req') req: AuthenticatedRequest,
  ): Promise<IngestOutcome> {
    return this.ingestion.record(
      submitted(toDeploymentEvent(input), req),
      input,
      'recordDeployment',
    ) as Promise<IngestOutcome>;
  }

  @Mutation(() => IngestOutcome, { description: 'Record pushed commits or a merged pull request' })
  recordChange(@Args('input') input: ChangeInput): Promise<IngestOutcome> {
    return this.ingestion.record(
      toChangeEvent(input),
      input,
      'recordChange',
    ) as Promise<IngestOutcome>;
  }

  @Mutation(() => IngestOutcome, { description: 'Record an incident event' })
  recordIncident(@Args('input') input: IncidentInput): Promise<IngestOutcome> {
    return this.ingestion.record(
      toIncidentEvent(input),
      input,
      'recordIncident',
    ) as Promise<IngestOutcome>;
  }

  @Mutation(() => [IngestOutcome], {
    description: `Up to ${MAX_BATCH} events, one outcome each in order; valid events are stored even when others are REJECTED`,
  })
  ingestEvents(
    @Args('events', { type: () => [EventInput] }) events: EventInput[],
    @Context('req') req: AuthenticatedRequest,
  ): Promise<IngestOutcome[]> {
    const items = events
      .map(toBatchItem)
      .map((item): BatchItem =>
        'event' in item ? { ...item, event: submitted(item.event, req) } : item,
      );
    return this.ingestion.ingestBatch(items, 'graphql') as Promise<IngestOutcome[]>;
  }
}
