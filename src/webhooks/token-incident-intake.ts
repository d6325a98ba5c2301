import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.schema.js';
import { presentedToken } from './cloudevents/cloudevents.service.js';
import { IngestTokenAuthenticator } from './ingest-token.js';
import { mapOrRefuse, parseJsonBody } from './json-delivery.js';
import { type WebhookReply, WebhookIntakeService } from './webhook-intake.service.js';
import type { Headers, MappedDelivery } from './webhook-mapping.js';
import type { WebhookSource } from './webhooks.metrics.js';

/**
 * Incident intake from tools that sign nothing but send the headers configured on their webhook
 * (Opsgenie's custom headers, Grafana OnCall's Authorization Header): the header carries
 * `Authorization: Bearer <API token of the ingest scope>`. An event that ingestion rejects (closed
 * before it was opened) is stored with the reasons and acknowledged 202: the tool cannot correct
 * it, and a 4xx would only make it retry or give up on the webhook.
 */
@Injectable()
export class TokenIncidentIntake {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly auth: IngestTokenAuthenticator,
    private readonly intake: WebhookIntakeService,
  ) {}

  receive(
    source: Extract<WebhookSource, 'opsgenie' | 'grafana_oncall'>,
    headers: Headers,
    rawBody: Buffer,
    map: (payload: unknown) => MappedDelivery,
  ): Promise<WebhookReply> {
    return this.intake.handle(source, async () => {
      await this.auth.authenticate(
        presentedToken(headers.authorization, undefined),
        `/webhooks/${source.replace('_', '-')}`,
      );
      const payload = parseJsonBody(rawBody, this.config.jsonMaxDepth);
      const mapped = mapOrRefuse(() => map(payload));
      const outcome = await this.intake.deliver(source, source, mapped, headers, payload, 'store');
      return this.intake.reply(outcome);
    });
  }
}
