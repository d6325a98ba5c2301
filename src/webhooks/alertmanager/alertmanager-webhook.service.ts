import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { presentedToken } from '../cloudevents/cloudevents.service.js';
import { IngestTokenAuthenticator } from '../ingest-token.js';
import { type WebhookReply, WebhookIntakeService } from '../webhook-intake.service.js';
import { mapOrRefuse, parseJsonBody } from '../json-delivery.js';
import type { Headers } from '../webhook-mapping.js';
import { type AlertLabelMapping, mapAlertmanagerDelivery } from './alertmanager.mapper.js';

/**
 * POST /webhooks/alertmanager: Alertmanager's webhook receiver (and Grafana Alerting's webhook
 * contact point) as incident intake. Authenticated by an API token of the ingest scope, sent as
 * `http_config.authorization` (Bearer) or basic-auth password. Alertmanager retries 5xx answers
 * only: a notification that is not Alertmanager's shape is refused 400 (nothing stored), one
 * whose alerts name no service is stored and acknowledged 202 with a note.
 */
@Injectable()
export class AlertmanagerWebhookService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly auth: IngestTokenAuthenticator,
    private readonly intake: WebhookIntakeService,
  ) {}

  receive(
    headers: Headers,
    rawBody: Buffer,
    labels: AlertLabelMapping,
    accessToken?: string,
  ): Promise<WebhookReply> {
    return this.intake.handle('alertmanager', async () => {
      await this.auth.authenticate(
        presentedToken(headers.authorization, accessToken),
        '/webhooks/alertmanager',
      );
      const payload = parseJsonBody(rawBody, this.config.jsonMaxDepth);
      const mapped = mapOrRefuse(() => mapAlertmanagerDelivery(payload, rawBody, labels));
      const outcome = await this.intake.deliver(
        'alertmanager',
        'alertmanager',
        mapped,
        headers,
        payload,
        'refuse',
      );
      return this.intake.reply(outcome);
    });
  }
}
