import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { mapOrRefuse, parseJsonBody } from '../json-delivery.js';
import { verifyStandardWebhook } from '../signatures.js';
import { type WebhookReply, WebhookIntakeService } from '../webhook-intake.service.js';
import type { Headers } from '../webhook-mapping.js';
import { invalidSignature, webhookNotConfigured } from '../webhooks.errors.js';
import { type IncidentIoHookOptions, mapIncidentIoDelivery } from './incident-io.mapper.js';

/**
 * POST /webhooks/incident-io: incident.io's webhooks (sent through Svix), authentic when a
 * `webhook-signature` entry is the Standard Webhooks HMAC-SHA256 of `webhook-id`,
 * `webhook-timestamp` and the body with INCIDENT_IO_WEBHOOK_SECRET (`whsec_...`) and the
 * timestamp is within 5 minutes of `now` (a captured delivery cannot be replayed later). The
 * signed `webhook-id`, the same on every retry, is the delivery's dedupe key. An event that
 * ingestion rejects (resolved before it was created) is stored raw with the reasons and
 * acknowledged 202, so that incident.io neither retries it nor disables the endpoint.
 */
@Injectable()
export class IncidentIoWebhookService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly intake: WebhookIntakeService,
  ) {}

  receive(
    headers: Headers,
    rawBody: Buffer,
    options: IncidentIoHookOptions,
    now: Date,
  ): Promise<WebhookReply> {
    return this.intake.handle('incident_io', async () => {
      const secret = this.config.incidentIoWebhookSecret;
      if (!secret) throw webhookNotConfigured('INCIDENT_IO_WEBHOOK_SECRET');
      const id = headers['webhook-id'];
      const refused = verifyStandardWebhook(
        secret,
        rawBody,
        { id, timestamp: headers['webhook-timestamp'], signature: headers['webhook-signature'] },
        now,
      );
      if (refused || !id) throw invalidSignature(refused ?? 'webhook-id is missing');
      const payload = parseJsonBody(rawBody, this.config.jsonMaxDepth);
      const mapped = mapOrRefuse(() => mapIncidentIoDelivery(payload, id, options));
      const outcome = await this.intake.deliver(
        'incident_io',
        'incident_io',
        mapped,
        headers,
        payload,
        'store',
      );
      return this.intake.reply(outcome);
    });
  }
}
