import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.schema.js';
import { checkOutboundUrl, slackResponseHosts, type OutboundHosts } from './outbound-hosts.rule.js';
import type { OutboxEntryEntity } from './outbox.entity.js';
import { OutboxHandlers } from './outbox-handlers.js';
import { OutboxService } from './outbox.service.js';
import {
  DELIVERY_TIMEOUT_MS,
  jsonHeaders,
  sendOutbound,
  type DeliveryContext,
  type DeliveryResult,
} from './senders/outbound-request.js';

export const SLACK_RESPONSE_KIND = 'SLACK_RESPONSE';

const refused = (reason: string): string => `refused: response_url ${reason}`;

/** A message for a response_url (docs.slack.dev, "Handling user interaction"). */
export interface SlackResponseMessage {
  readonly replace_original?: boolean;
  readonly text: string;
  readonly blocks?: readonly Record<string, unknown>[];
}

interface StoredResponse {
  readonly responseUrl: string;
  readonly message: SlackResponseMessage;
}

/**
 * Answers a Slack interaction later through its response_url (docs/remediation.md, "Slack
 * buttons": the message clicked on is replaced with the decision). The caller's transaction
 * queues the message in the remediation outbox (kind SLACK_RESPONSE), and the dispatcher POSTs
 * it, with its retries (for the 30 minutes Slack accepts a response_url).
 * The response_url comes in the request, so it is checked like any outbound target: Slack's
 * hooks host or a host listed in SHIPWATCH_OUTBOUND_ALLOWED_HOSTS / _PRIVATE_HOSTS, else the
 * entry is stored DEAD and never called.
 */
@Injectable()
export class SlackResponses implements OnModuleInit {
  private readonly logger = new Logger(SlackResponses.name);
  private readonly hosts: OutboundHosts;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly outbox: OutboxService,
    private readonly handlers: OutboxHandlers,
  ) {
    this.hosts = slackResponseHosts(config);
  }

  onModuleInit(): void {
    this.handlers.register(SLACK_RESPONSE_KIND, (entry, ctx) => this.deliver(entry, ctx));
  }

  /**
   * Queues the message in the caller's transaction, once per key; a response_url that may not be
   * called is stored DEAD with the reason (counted, never sent).
   */
  async enqueue(
    m: EntityManager,
    response: { key: string; deploymentId: string; responseUrl: string },
    message: SlackResponseMessage,
  ): Promise<void> {
    const refusal = this.refusal(response.responseUrl);
    const payload: StoredResponse = { responseUrl: response.responseUrl, message };
    await this.outbox.enqueueHandled(m, {
      idempotencyKey: `slack-response:${response.key}`,
      kind: SLACK_RESPONSE_KIND,
      channel: 'SLACK',
      deploymentId: response.deploymentId,
      payload: { action: { ...payload } },
      status: refusal ? 'DEAD' : 'PENDING',
      lastError: refusal,
    });
  }

  private refusal(responseUrl: string): string | null {
    const host = checkOutboundUrl(responseUrl, this.hosts);
    return host.ok ? null : refused(host.reason);
  }

  async deliver(entry: OutboxEntryEntity, ctx: DeliveryContext): Promise<DeliveryResult> {
    const { responseUrl, message } = entry.payload.action as unknown as StoredResponse;
    const host = checkOutboundUrl(responseUrl, this.hosts);
    if (!host.ok) {
      this.logger.warn(`not sending ${entry.idempotencyKey}: ${refused(host.reason)}`);
      return { ok: false, retryable: false, error: refused(host.reason) };
    }
    return sendOutbound(
      {
        url: responseUrl,
        headers: jsonHeaders(ctx),
        body: JSON.stringify(message),
        // a response_url is a credential for 30 minutes
        secrets: [responseUrl, new URL(responseUrl).pathname],
      },
      DELIVERY_TIMEOUT_MS,
      host.mayBePrivate,
    );
  }
}
