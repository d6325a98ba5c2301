import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { isDatabaseUnavailable } from '../common/errors/database-unavailable.js';
import { badInput } from '../common/errors/domain-error.js';
import { inSpan } from '../observability/tracing.js';
import type { Indexed } from './apply-context.js';
import { DeploymentHooks, type DeploymentTransition } from './deployment-hooks.js';
import type {
  DomainEvent,
  FieldError,
  IngestOutcome,
  RawDelivery,
  Transport,
} from './domain-events.js';
import { EventApplier } from './event.applier.js';
import { normalizeEvent, validateEvent } from './event.validator.js';
import { RefCache } from './ref-cache.js';
import { IngestionRepository, payloadJson, type RawEventRow } from './ingestion.repository.js';
import { eventsIngested, ingestDuration, type IngestedKind } from './ingestion.metrics.js';

/** The most events one `ingestEvents` call may carry. */
export const MAX_BATCH = 1_000;
const MAX_ATTEMPTS = 5;
const RETRYABLE = new Set(['40001', '40P01']); // serialization failure, deadlock
const FOREIGN_KEY_VIOLATION = '23503';

/** One item of a batch: a mapped event, or the errors that kept it from being one. */
export type BatchItem =
  | { readonly event: DomainEvent; readonly payload: unknown; readonly kind?: string }
  | { readonly errors: readonly FieldError[] };

export interface IndexedOutcome extends IngestOutcome {
  readonly index: number;
}

interface Submission {
  readonly index: number;
  readonly delivery: RawDelivery;
  readonly events: readonly DomainEvent[];
}

/**
 * The write path. Every delivery is ONE transaction: its raw event is inserted first
 * (`ON CONFLICT (source, dedupe_key) DO NOTHING`: a conflict means DUPLICATE and nothing else is
 * applied), then its events are applied, then it commits. Invalid events are rejected before the
 * transaction, so nothing of them is stored. Serialization failures and deadlocks are retried.
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
    private readonly dataSource: DataSource,
    private readonly repo: IngestionRepository,
    private readonly applier: EventApplier,
    private readonly hooks: DeploymentHooks,
    private readonly refs: RefCache,
  ) {}

  /** A webhook delivery mapped to zero or more events (zero: stored as STORED_UNMAPPED). */
  async ingestDelivery(
    delivery: RawDelivery,
    events: readonly DomainEvent[],
  ): Promise<IngestOutcome> {
    const end = ingestDuration.startTimer({ mode: 'delivery' });
    try {
      const now = new Date();
      const errors = events.flatMap((e, i) =>
        validateEvent(e, now).map((err) =>
          events.length > 1 ? { ...err, field: `events[${i}].${err.field}` } : err,
        ),
      );
      const kind: IngestedKind = events[0]?.type ?? 'unmapped';
      if (errors.length > 0) return count(kind, { result: 'REJECTED', errors });
      const [{ index: _index, ...outcome }] = await this.store([
        { index: 0, delivery, events: events.map(normalizeEvent) },
      ]);
      return count(kind, outcome);
    } finally {
      end();
    }
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
   * valid events go through one transaction with multi-row statements; should it fail for an
   * unexpected reason, each event is retried alone so that one bad event cannot sink the rest.
   */
  async ingestBatch(items: readonly BatchItem[], transport: Transport): Promise<IndexedOutcome[]> {
    if (items.length > MAX_BATCH)
      throw badInput(`at most ${MAX_BATCH} events per call, got ${items.length}`);
    const end = ingestDuration.startTimer({ mode: 'batch' });
    try {
      const now = new Date();
      const outcomes = new Map<number, IndexedOutcome>();
      const submissions: Submission[] = [];
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
   * for duplicates (the caller owns idempotency). onTransition listeners run here; pass the
   * returned transitions to `DeploymentHooks.emitCommitted` after your commit.
   */
  async applyEvent(
    manager: EntityManager,
    event: DomainEvent,
  ): Promise<{ entityId?: string; transitions: DeploymentTransition[] }> {
    const errors = validateEvent(event, new Date());
    if (errors.length > 0) throw badInput(`invalid ${event.type} event`, { errors });
    const applied = await this.applier.apply({ manager, refs: this.refs, receivedAt: new Date() }, [
      { index: 0, event: normalizeEvent(event) },
    ]);
    return { entityId: applied.entityIds.get(0), transitions: applied.transitions };
  }

  private async storeIsolated(submissions: readonly Submission[]): Promise<IndexedOutcome[]> {
    try {
      return await this.store(submissions);
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
          outcomes.push(...(await this.store([s])));
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

  /** One transaction for all submissions; afterCommit listeners run once it committed. */
  private async store(submissions: readonly Submission[]): Promise<IndexedOutcome[]> {
    if (submissions.length === 0) return [];
    const { outcomes, transitions } = await inSpan(
      'ingestion.store',
      { 'shipwatch.deliveries': submissions.length },
      () => this.withRetry((m) => this.storeIn(m, submissions)),
    );
    this.hooks.emitCommitted(transitions);
    return outcomes;
  }

  private async storeIn(
    m: EntityManager,
    submissions: readonly Submission[],
  ): Promise<{ outcomes: IndexedOutcome[]; transitions: DeploymentTransition[] }> {
    const payloads = submissions.map((s) => payloadJson(s.delivery.payload ?? null));
    const hashes = payloads.map(sha256);
    const rawIds = await this.repo.insertRawEvents(
      m,
      submissions.map((s, i): RawEventRow => ({
        source: s.delivery.source,
        dedupe_key: s.delivery.dedupeKey,
        transport: s.delivery.transport,
        kind: s.delivery.kind,
        occurred_at: s.delivery.occurredAt ?? null,
        payload_hash: hashes[i],
        headers: s.delivery.headers,
        payload: payloads[i],
        outcome: s.events.length > 0 ? 'ACCEPTED' : 'STORED_UNMAPPED',
        note: s.events.length > 0 ? null : (s.delivery.note ?? null),
      })),
    );
    const rawIdOf = (s: Submission) =>
      rawIds.get(`${s.delivery.source}\u0000${s.delivery.dedupeKey}`);
    const fresh = submissions.filter((s) => rawIdOf(s) !== undefined);
    const events: Indexed[] = fresh.flatMap((s) =>
      s.events.map((event) => ({ index: s.index, event })),
    );
    const applied = await this.applier.apply(
      { manager: m, refs: this.refs, receivedAt: new Date() },
      events,
    );
    const outcomes: IndexedOutcome[] = [];
    for (const [i, s] of submissions.entries()) {
      const rawEventId = rawIdOf(s);
      if (rawEventId === undefined) {
        const stored = await this.repo.rawEventHash(m, s.delivery.source, s.delivery.dedupeKey);
        outcomes.push({
          index: s.index,
          result: 'DUPLICATE',
          errors: [],
          note:
            stored !== null && stored !== hashes[i]
              ? 'an event with this source and id but a different payload was stored earlier; the first one is kept'
              : undefined,
        });
      } else if (s.events.length === 0) {
        outcomes.push({
          index: s.index,
          result: 'ACCEPTED',
          rawEventId,
          errors: [],
          note:
            s.delivery.note ?? 'stored as received; Shipwatch does not model this kind of delivery',
        });
      } else {
        outcomes.push({
          index: s.index,
          result: 'ACCEPTED',
          rawEventId,
          entityId: applied.entityIds.get(s.index),
          errors: [],
        });
      }
    }
    return { outcomes, transitions: applied.transitions };
  }

  private async withRetry<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction(work);
      } catch (error) {
        const code = sqlState(error);
        // A cached service or environment that no longer exists: forget the cache, try again.
        if (code === FOREIGN_KEY_VIOLATION && attempt === 1) this.refs.clear();
        else if (!code || !RETRYABLE.has(code) || attempt >= MAX_ATTEMPTS) throw error;
        this.logger.debug(`transaction failed with ${code}; retry ${attempt}`);
        await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
      }
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

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

function sqlState(error: unknown): string | undefined {
  const e = error as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}
