import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { mapOrRefuse, parseJsonBody } from '../json-delivery.js';
import { verifyFluxSignature } from '../signatures.js';
import { type WebhookReply, WebhookIntakeService } from '../webhook-intake.service.js';
import { type Headers, bodyDedupeKey } from '../webhook-mapping.js';
import { invalidSignature, webhookNotConfigured } from '../webhooks.errors.js';
import { FLUX_SOURCE, type FluxHookOptions, mapFluxDelivery } from './flux.mapper.js';

/**
 * POST /webhooks/flux: events of Flux's notification-controller through a Provider of type
 * `generic-hmac`, authentic when `X-Signature` is the HMAC of the body with FLUX_WEBHOOK_SECRET
 * (the Provider secret's `token`). The dedupe key is the hash of the signed body. An event that
 * ingestion rejects is stored raw with the reasons (202): Flux would only retry it.
 */
@Injectable()
export class FluxWebhookService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly intake: WebhookIntakeService,
  ) {}

  receive(headers: Headers, rawBody: Buffer, options: FluxHookOptions): Promise<WebhookReply> {
    return this.intake.handle('flux', async () => {
      const secret = this.config.fluxWebhookSecret;
      if (!secret) throw webhookNotConfigured('FLUX_WEBHOOK_SECRET');
      const refused = verifyFluxSignature(secret, rawBody, headers['x-signature']);
      if (refused) throw invalidSignature(refused);
      const payload = parseJsonBody(rawBody, this.config.jsonMaxDepth);
      const mapped = mapOrRefuse(() =>
        mapFluxDelivery(
          payload,
          { source: FLUX_SOURCE, dedupeKey: bodyDedupeKey(rawBody) },
          options,
        ),
      );
      const outcome = await this.intake.deliver('flux', 'flux', mapped, headers, payload, 'store');
      return this.intake.reply(outcome);
    });
  }
}
