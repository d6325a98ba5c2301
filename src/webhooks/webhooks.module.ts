import { type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { GithubAppModule } from '../github-app/github-app.module.js';
import { AlertmanagerWebhookService } from './alertmanager/alertmanager-webhook.service.js';
import { CdeventsSchemas } from './cloudevents/cdevents.schemas.js';
import { CloudEventsService } from './cloudevents/cloudevents.service.js';
import { GithubWebhookService } from './github/github-webhook.service.js';
import { FluxWebhookService } from './flux/flux-webhook.service.js';
import { GitlabWebhookService } from './gitlab/gitlab-webhook.service.js';
import { IncidentIoWebhookService } from './incident-io/incident-io-webhook.service.js';
import { IngestTokenAuthenticator } from './ingest-token.js';
import { PagerdutyWebhookService } from './pagerduty/pagerduty-webhook.service.js';
import { RawBodyMiddleware } from './raw-body.middleware.js';
import { TokenIncidentIntake } from './token-incident-intake.js';
import { WebhookIntakeService } from './webhook-intake.service.js';
import { WebhooksController } from './webhooks.controller.js';

/**
 * GitHub, GitLab, CloudEvents/CDEvents and Flux adapters and incident intake (Alertmanager, PagerDuty, Opsgenie, Grafana OnCall, incident.io): verify, map (pure mappers per source),
 * and hand every delivery to IngestionService.ingestDelivery, which stores the raw event and
 * applies the domain events in one transaction.
 */
@Module({
  imports: [GithubAppModule],
  controllers: [WebhooksController],
  providers: [
    WebhookIntakeService,
    GithubWebhookService,
    GitlabWebhookService,
    CloudEventsService,
    AlertmanagerWebhookService,
    PagerdutyWebhookService,
    FluxWebhookService,
    TokenIncidentIntake,
    IncidentIoWebhookService,
    IngestTokenAuthenticator,
    // the vendored CDEvents schemas, read once at boot and compiled on first use
    { provide: CdeventsSchemas, useFactory: () => new CdeventsSchemas() },
  ],
})
export class WebhooksModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(RawBodyMiddleware)
      .forRoutes(
        { path: 'webhooks/github', method: RequestMethod.POST },
        { path: 'webhooks/gitlab', method: RequestMethod.POST },
        { path: 'cloudevents', method: RequestMethod.POST },
        { path: 'webhooks/alertmanager', method: RequestMethod.POST },
        { path: 'webhooks/pagerduty', method: RequestMethod.POST },
        { path: 'webhooks/opsgenie', method: RequestMethod.POST },
        { path: 'webhooks/grafana-oncall', method: RequestMethod.POST },
        { path: 'webhooks/incident-io', method: RequestMethod.POST },
        { path: 'webhooks/flux', method: RequestMethod.POST },
      );
  }
}
