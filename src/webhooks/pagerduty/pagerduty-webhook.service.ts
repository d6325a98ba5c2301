import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { mapOrRefuse, parseJsonBody } from '../json-delivery.js';
import { verifyPagerdutySignature } from '../signatures.js';
import { type WebhookReply, WebhookIntakeService } from '../webhook-intake.service.js';
import type { Headers } from '../webhook-mapping.js';
import { invalidSignature, webhookNotConfigured } from '../webhooks.errors.js';
import { type PagerdutyHookOptions, mapPagerdutyDelivery } from './pagerduty.mapper.js';

/**
 * POST /webhooks/pagerduty: PagerDuty V3 webhook subscriptions, authentic when one
 * `X-PagerDuty-Signature` entry is the HMAC-SHA256 of the body with PAGERDUTY_WEBHOOK_SECRET.
 * An event that ingestion rejects (resolved before it was created) is stored raw with the
 * reasons and acknowledged 202, so that PagerDuty neither retries it nor disables the
 * subscription.
 */
@Injectable()
export class PagerdutyWebhookService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly intake: WebhookIntakeService,
  ) {}

  receive(headers: Headers, rawBody: Buffer, options: PagerdutyHookOptions): Promise<WebhookReply> {
    return this.intake.handle('pagerduty', async () => {
      const secret = this.config.pagerdutyWebhookSecret;
      if (!secret) throw webhookNotConfigured('PAGERDUTY_WEBHOOK_SECRET');
      const refused = verifyPagerdutySignature(secret, rawBody, headers['x-pagerduty-signature']);
      if (refused) throw invalidSignature(refused);
      const payload = parseJsonBody(rawBody, this.config.jsonMaxDepth);
      const mapped = mapOrRefuse(() => mapPagerdutyDelivery(payload, options));
      const outcome = await this.intake.deliver(
        'pagerduty',
        'pagerduty',
        mapped,
        headers,
        payload,
        'store',
      );
      return this.intake.reply(outcome);
    });
  }
}
