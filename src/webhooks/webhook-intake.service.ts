import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error.js';
import type { FieldError, IngestOutcome, Transport } from '../ingestion/domain-events.js';
import { IngestionService } from '../ingestion/ingestion.service.js';
import { inSpan } from '../observability/tracing.js';
import { type Headers, type MappedDelivery, storableHeaders } from './webhook-mapping.js';
import { invalidEvent } from './webhooks.errors.js';
import {
  type WebhookResult,
  type WebhookSource,
  resultOfError,
  webhookDeliveries,
} from './webhooks.metrics.js';

/** What became of one delivery (one event of a CloudEvents batch). */
export interface DeliveryOutcome {
  readonly kind: string;
  /** STORED: kept raw and acknowledged, as Shipwatch does not model it (HTTP 202). */
  readonly result: 'ACCEPTED' | 'STORED' | 'DUPLICATE' | 'REJECTED';
  readonly rawEventId?: string;
  readonly entityId?: string;
  readonly note?: string;
  readonly errors?: readonly FieldError[];
}

/** The HTTP answer to a webhook delivery that was not refused. */
export interface WebhookReply {
  readonly status: 200 | 202;
  readonly body: Record<string, unknown>;
}

/**
 * What to do when an authentic, well-formed delivery maps to an event that ingestion rejects:
 * `refuse` answers 400 with the errors; `store` keeps it raw with the errors as its note and
 * answers 202 (GitLab permanently disables a hook that answers 4xx).
 */
export type OnRejected = 'refuse' | 'store';

/**
 * The one path from a verified, mapped webhook delivery to ingestion, shared by the GitHub,
 * GitLab and CloudEvents endpoints: raw event (secrets stripped) and domain events in one
 * transaction through IngestionService.ingestDelivery, then the reply and the metrics.
 */
@Injectable()
export class WebhookIntakeService {
  private readonly logger = new Logger(WebhookIntakeService.name);

  constructor(private readonly ingestion: IngestionService) {}

  /**
   * Runs one endpoint call in a span; a refusal (DomainError) is counted under its result and
   * logged, then rethrown for the HTTP filter.
   */
  async handle<T>(source: WebhookSource, work: () => Promise<T>): Promise<T> {
    return inSpan('webhook.receive', { 'shipwatch.webhook.source': source }, async () => {
      try {
        return await work();
      } catch (error) {
        const result = error instanceof DomainError ? resultOfError(error.code) : undefined;
        if (result && error instanceof DomainError) {
          webhookDeliveries.inc({ source, result });
          this.logger.warn({
            msg: `${source} delivery refused: ${error.message}`,
            code: error.code,
          });
        }
        throw error;
      }
    });
  }

  /**
   * Several mapped deliveries of one request (a CloudEvents batch), stored all together or not
   * at all: when ingestion rejects any event, nothing is stored and the answer is 400
   * INVALID_EVENT with every event's errors (`details.results`, in order).
   */
  async deliverAll(
    source: WebhookSource,
    transport: Transport,
    items: readonly { readonly mapped: MappedDelivery; readonly payload: unknown }[],
    headers: Headers,
  ): Promise<DeliveryOutcome[]> {
    const stored = storableHeaders(headers);
    const written = await this.ingestion.ingestDeliveries(
      items.map(({ mapped, payload }) => ({
        delivery: {
          transport,
          source: mapped.source,
          dedupeKey: mapped.dedupeKey,
          kind: mapped.kind,
          occurredAt: mapped.occurredAt,
          headers: stored,
          payload,
          note: mapped.note,
        },
        events: mapped.events,
      })),
    );
    if (!written.stored) {
      const rejected = written.errors.filter((e) => e.length > 0).length;
      webhookDeliveries.inc({ source, result: 'rejected' }, rejected);
      const results = items.map(({ mapped }, index) => ({
        index,
        kind: mapped.kind,
        result: written.errors[index].length > 0 ? 'REJECTED' : 'NOT_STORED',
        ...(written.errors[index].length > 0 ? { errors: written.errors[index] } : {}),
      }));
      this.logger.warn({
        msg: `${source} batch refused: ${rejected} of ${items.length} events are invalid`,
      });
      throw new DomainError(
        'INVALID_EVENT',
        `${rejected} of ${items.length} events are invalid: ${describe(written.errors.find((e) => e.length > 0) ?? [])}; none was stored`,
        { httpStatus: 400, details: { results } },
      );
    }
    return written.outcomes.map((outcome, i) => {
      const result = classify(outcome, items[i].mapped, undefined);
      webhookDeliveries.inc({ source, result: METRIC[result.result] });
      return result;
    });
  }

  async deliver(
    source: WebhookSource,
    transport: Transport,
    mapped: MappedDelivery,
    headers: Headers,
    payload: unknown,
    onRejected: OnRejected,
  ): Promise<DeliveryOutcome> {
    const delivery = {
      transport,
      source: mapped.source,
      dedupeKey: mapped.dedupeKey,
      kind: mapped.kind,
      occurredAt: mapped.occurredAt,
      headers: storableHeaders(headers),
      payload,
      note: mapped.note,
    };
    let outcome: IngestOutcome = await this.ingestion.ingestDelivery(delivery, mapped.events);
    let rejectedNote: string | undefined;
    if (outcome.result === 'REJECTED' && onRejected === 'store') {
      rejectedNote = `not applied, the mapped event is invalid: ${describe(outcome.errors)}`;
      const errors = outcome.errors;
      outcome = await this.ingestion.ingestDelivery({ ...delivery, note: rejectedNote }, []);
      outcome = { ...outcome, errors };
    }
    const result = classify(outcome, mapped, rejectedNote);
    webhookDeliveries.inc({ source, result: METRIC[result.result] });
    if (result.result === 'REJECTED' || rejectedNote) {
      this.logger.warn({
        msg: `${source} ${mapped.kind} delivery ${mapped.dedupeKey}: ${describe(outcome.errors)}`,
      });
    }
    return result;
  }

  /** The reply to a single delivery: 200, 202 when stored unmodelled, 400 when rejected. */
  reply(outcome: DeliveryOutcome): WebhookReply {
    if (outcome.result === 'REJECTED')
      throw invalidEvent(outcome.errors ?? [], { kind: outcome.kind });
    return { status: outcome.result === 'STORED' ? 202 : 200, body: replyBody(outcome) };
  }
}

const METRIC: Record<DeliveryOutcome['result'], WebhookResult> = {
  ACCEPTED: 'accepted',
  STORED: 'stored',
  DUPLICATE: 'duplicate',
  REJECTED: 'rejected',
};

function classify(
  outcome: IngestOutcome,
  mapped: MappedDelivery,
  rejectedNote: string | undefined,
): DeliveryOutcome {
  const base = { kind: mapped.kind, rawEventId: outcome.rawEventId };
  switch (outcome.result) {
    case 'DUPLICATE':
      return { ...base, result: 'DUPLICATE', note: outcome.note };
    case 'REJECTED':
      return { ...base, result: 'REJECTED', errors: outcome.errors };
    case 'ACCEPTED':
      if (mapped.events.length === 0 || rejectedNote) {
        return {
          ...base,
          result: 'STORED',
          note: rejectedNote ?? outcome.note ?? mapped.note,
          ...(rejectedNote ? { errors: outcome.errors } : {}),
        };
      }
      return { ...base, result: 'ACCEPTED', entityId: outcome.entityId, note: mapped.note };
  }
}

/** `{ result, rawEventId, entityId?, kind, note? }`; STORED reads as ACCEPTED with its note. */
export function replyBody(outcome: DeliveryOutcome): Record<string, unknown> {
  return {
    result: outcome.result === 'STORED' ? 'ACCEPTED' : outcome.result,
    ...(outcome.rawEventId !== undefined ? { rawEventId: outcome.rawEventId } : {}),
    ...(outcome.entityId !== undefined ? { entityId: outcome.entityId } : {}),
    kind: outcome.kind,
    ...(outcome.note !== undefined ? { note: outcome.note } : {}),
    ...(outcome.errors?.length ? { errors: outcome.errors } : {}),
  };
}

const describe = (errors: readonly FieldError[]): string =>
  errors.map((e) => `${e.field} ${e.message}`).join('; ');
