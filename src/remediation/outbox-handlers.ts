import { Injectable } from '@nestjs/common';
import type { OutboxEntryEntity } from './outbox.entity.js';
import type { OutboxKind } from './retry.rule.js';
import type { DeliveryContext, DeliveryResult } from './senders/outbound-request.js';

/**
 * Delivers an outbox entry whose kind is not one HTTP request built by a sender (a GitHub
 * protection rule answer: gate decision, installation token, callback). It never throws for a
 * problem of the entry: it answers a DeliveryResult, retryable or not, like sendOutbound.
 */
export type OutboxHandler = (
  entry: OutboxEntryEntity,
  ctx: DeliveryContext,
) => Promise<DeliveryResult>;

/**
 * Where a module that owns such a kind registers its handler (at module init), so that the
 * dispatcher delivers it with the outbox's claims, leases and retries without depending on that
 * module.
 */
@Injectable()
export class OutboxHandlers {
  private readonly handlers = new Map<OutboxKind, OutboxHandler>();

  register(kind: OutboxKind, handler: OutboxHandler): void {
    if (this.handlers.has(kind)) throw new Error(`an outbox handler for ${kind} is registered`);
    this.handlers.set(kind, handler);
  }

  get(kind: OutboxKind): OutboxHandler | undefined {
    return this.handlers.get(kind);
  }
}
