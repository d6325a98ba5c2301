import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { isDatabaseUnavailable } from '../common/errors/database-unavailable.js';
import { badInput } from '../common/errors/domain-error.js';
import { jsonValueDeeperThan } from '../common/json-depth.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.schema.js';
import type { DeploymentTransition } from './deployment-hooks.js';
import type {
  DomainEvent,
  FieldError,
  IngestOutcome,
  RawDelivery,
  Transport,
} from './domain-events.js';
import { EventApplier } from './event.applier.js';
import { EventWriter, type Submission } from './event-writer.js';
import { normalizeEvent, validateEvent } from './event.validator.js';
import { RefCache } from './ref-cache.js';
import { eventsIngested, ingestDuration, type IngestedKind } from './ingestion.metrics.js';

/** The most events one `ingestEvents` call may carry. */
export const MAX_BATCH = 1_000;

/** One item of a batch: a mapped event, or the errors that kept it from being one. */
export type BatchItem =
  | { readonly event: DomainEvent; readonly payload: unknown; readonly kind?: string }
  | { readonly errors: readonly FieldError[] };

export interface IndexedOutcome extends IngestOutcome {
  readonly index: number;
}

/** Deliveries stored together or not at all: the outcomes, or every delivery's own errors. */
export type AllOrNothing =
  | { readonly stored: true; readonly outcomes: IngestOutcome[] }
  | { readonly stored: false; readonly errors: (readonly FieldError[])[] };

/**
 * The write path's front: validates and normalises events (invalid ones are rejected before any
 * transaction, so nothing of them is stored), dedupes within a batch, counts outcomes, and hands
 * the rest to EventWriter (one transaction per write, concurrent writes coalesced).
 *
 * Other modules that must change a deployment or an incident inside their own transaction (a
 * verification marking a deployment ROLLED_BACK, opening or resolving an incident) call
 * `applyEvent(manager, event)` with a synthetic event from source `shipwatch`, naming the
 * entity's own source in `deploymentSource` / `incidentSource`:
 *
 *   const { transitions } = await ingestion.applyEvent(manager, {
 *     type: 'deployment', envelope: { source: 'shipwatch', eventId: `verdict:${id}`, occurredAt: now },
 *     deploymentSource: t.source, deploymentId: t.externalId,
 *     service: { name: t.service.name, namespace: t.service.namespace },
 *     environment: { name: t.environment.name }, status: 'ROLLED_BACK',
 *   });
 *   // after your commit: hooks.emitCommitted(transitions)
 */
@Injectable()
export class IngestionService {
  private readonly logger = new Logger(IngestionService.name);

  constructor(
    private readonly writer: EventWriter,
    private readonly applier: EventApplier,
    private readonly refs: RefCache,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'jsonMaxDepth'>,
  ) {}

  /** A webhook delivery mapped to zero or more events (zero: stored as STORED_UNMAPPED). */
  async ingestDelivery(
    delivery: RawDelivery,
    events: readonly DomainEvent[],
  ): Promise<IngestOutcome> {
    const end = ingestDuration.startTimer({ mode: 'delivery' });
    try {
      const errors = this.problems(delivery, events, new Date());
      const kind: IngestedKind = events[0]?.type ?? 'unmapped';
      if (errors.length > 0) return count(kind, { result: 'REJECTED', errors });
      const [outcome] = await this.writer.write([{ delivery, events: events.map(normalizeEvent) }]);
      return count(kind, outcome);
    } finally {
      end();
    }
  }

  /**
   * Deliveries that stand or fall together (a CloudEvents batch): when any is invalid nothing is
   * written and each gets its own errors (none for the valid ones); else all are written in one
   * transaction, each with its outcome.
   */
  async ingestDeliveries(items: readonly Submission[]): Promise<AllOrNothing> {
    const end = ingestDuration.startTimer({ mode: 'delivery' });
    try {
      const now = new Date();
      const errors = items.map((item) => this.problems(item.delivery, item.events, now));
      if (errors.some((e) => e.length > 0)) {
        items.forEach((item, i) => {
          const kind = item.events[0]?.type ?? 'unmapped';
          if (errors[i].length > 0) eventsIngested.inc({ kind, result: 'REJECTED' });
        });
        return { stored: false, errors };
      }
      const outcomes = await this.writer.write(
        items.map((item) => ({ ...item, events: item.events.map(normalizeEvent) })),
      );
      outcomes.forEach((o, i) => count(items[i].events[0]?.type ?? 'unmapped', o));
      return { stored: true, outcomes };
    } finally {
      end();
    }
  }

  /**
   * Why a delivery cannot be stored: its events' validation errors, and a payload nested deeper
   * than SHIPWATCH_JSON_MAX_DEPTH (storing it would recurse that deep).
   */
  private problems(delivery: RawDelivery, events: readonly DomainEvent[], now: Date): FieldError[] {
    const errors = events.flatMap((e, i) =>
      validateEvent(e, now).map((err) =>
        events.length > 1 ? { ...err, field: `events[${i}].${err.field}` } : err,
      ),
    );
    if (jsonValueDeeperThan(delivery.payload, this.config.jsonMaxDepth)) {
      errors.push({
        field: 'payload',
        message: `nests objects and arrays more than ${this.config.jsonMaxDepth} levels deep`,
      });
    }
    return errors;
  }

  /** One event as its own delivery: source = envelope.source, dedupe key = envelope.eventId. */
  ingest(
    event: DomainEvent,
    transport: Transport,
    payload: unknown,
    kind?: string,
  ): Promise<IngestOutcome> {
    return this.ingestDelivery(deliveryOf(event, transport, payload, kind), [event]);
  }

  /** `ingest` for the single-event GraphQL mutations: invalid input is a BAD_USER_INPUT error. */
  async record(event: DomainEvent, payload: unknown, kind: string): Promise<IngestOutcome> {
    const outcome = await this.ingest(event, 'graphql', payload, kind);
    if (outcome.result === 'REJECTED') {
      throw badInput(
        `invalid ${event.type}: ${outcome.errors.map((e) => `${e.field} ${e.message}`).join('; ')}`,
        { errors: outcome.errors },
      );
    }
    return outcome;
  }

  /**
   * Many events, one outcome each: valid ones are stored even when others are rejected. All
   * valid events go through one write with multi-row statements; should it fail for an
   * unexpected reason, each event is retried alone so that one bad event cannot sink the rest.
   */
  async ingestBatch(items: readonly BatchItem[], transport: Transport): Promise<IndexedOutcome[]> {
    if (items.length > MAX_BATCH)
      throw badInput(`at most ${MAX_BATCH} events per call, got ${items.length}`);
    const end = ingestDuration.startTimer({ mode: 'batch' });
    try {
      const now = new Date();
      const outcomes = new Map<number, IndexedOutcome>();
      const submissions: (Submission & { index: number })[] = [];
      const seen = new Set<string>();
      items.forEach((item, index) => {
        const errors = 'errors' in item ? item.errors : validateEvent(item.event, now);
        if ('errors' in item || errors.length > 0) {
          outcomes.set(index, { index, result: 'REJECTED', errors });
          return;
        }
        const event = normalizeEvent(item.event);
        const key = `${event.envelope.source}\u0000${event.envelope.eventId}`;
        if (seen.has(key)) {
          outcomes.set(index, {
            index,
            result: 'DUPLICATE',
            errors: [],
            note: 'repeated within this batch',
          });
          return;
        }
        seen.add(key);
        submissions.push({
          index,
          delivery: deliveryOf(event, transport, item.payload, item.kind),
          events: [event],
        });
      });
      for (const o of await this.storeIsolated(submissions)) outcomes.set(o.index, o);
      return items.map((item, index) => {
        const o = outcomes.get(index)!;
        const kind = 'event' in item ? item.event.type : 'unmapped';
        eventsIngested.inc({ kind, result: o.result });
        return o;
      });
    } finally {
      end();
    }
  }

  /**
   * Applies an event inside the caller's transaction, without storing a raw event or checking
   * for duplicates (the caller owns idempotency). onTransitions listeners run here; pass the
   * returned transitions to `DeploymentHooks.emitCommitted` after your commit.
   */
  async applyEvent(
    manager: EntityManager,
    event: DomainEvent,
  ): Promise<{ entityId?: string; transitions: DeploymentTransition[] }> {
    const errors = validateEvent(event, new Date());
    if (errors.length > 0) throw badInput(`invalid ${event.type} event`, { errors });
    // The caller commits: what this transaction creates is not shared (scope never published).
    const refs = this.refs.scope();
    const applied = await this.applier.apply({ manager, refs, receivedAt: new Date() }, [
      { index: 0, event: normalizeEvent(event) },
    ]);
    return { entityId: applied.entityIds.get(0), transitions: applied.transitions };
  }

  private async storeIsolated(
    submissions: readonly (Submission & { index: number })[],
  ): Promise<IndexedOutcome[]> {
    const indexed = (outcomes: readonly IngestOutcome[]) =>
      outcomes.map((o, i) => ({ index: submissions[i].index, ...o }));
    try {
      return indexed(await this.writer.write(submissions));
    } catch (error) {
      // Without a database nothing can be stored: the whole call fails as UNAVAILABLE (the
      // client retries it; what was stored meanwhile then answers DUPLICATE).
      if (submissions.length <= 1 || isDatabaseUnavailable(error)) throw error;
      this.logger.warn(
        `batch of ${submissions.length} failed (${(error as Error).message}); storing one by one`,
      );
      const outcomes: IndexedOutcome[] = [];
      for (const s of submissions) {
        try {
          const [o] = await this.writer.write([s]);
          outcomes.push({ index: s.index, ...o });
        } catch (single) {
          if (isDatabaseUnavailable(single)) throw single;
          this.logger.error(
            `event ${s.delivery.source}/${s.delivery.dedupeKey} could not be stored: ${(single as Error).stack}`,
          );
          outcomes.push({
            index: s.index,
            result: 'REJECTED',
            errors: [{ field: '', message: 'could not be stored (internal error); retry later' }],
          });
        }
      }
      return outcomes;
    }
  }
}

function count<O extends IngestOutcome>(kind: IngestedKind, outcome: O): O {
  eventsIngested.inc({ kind, result: outcome.result });
  return outcome;
}

function deliveryOf(
  event: DomainEvent,
  transport: Transport,
  payload: unknown,
  kind?: string,
): RawDelivery {
  return {
    transport,
    source: event.envelope.source,
    dedupeKey: event.envelope.eventId,
    kind: kind ?? event.type,
    occurredAt: event.envelope.occurredAt,
    headers: {},
    payload,
  };
}
