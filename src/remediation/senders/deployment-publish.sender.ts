import type { AppConfig } from '../../config/config.schema.js';
import type { PublishAction } from '../remediation-action.js';
import {
  deploymentSlackMessage,
  grafanaAnnotation,
  pagerdutyChangeEvent,
  pagerdutyChangeUrl,
} from './deployment-publish.payload.js';
import {
  ChannelNotConfigured,
  jsonHeaders,
  type DeliveryContext,
  type OutboundRequest,
} from './outbound-request.js';
import { slackWebhookRequest } from './slack.sender.js';

/** Builds the request of a published deployment (PagerDuty change event, Grafana, Slack). */
export class DeploymentPublishSender {
  constructor(
    private readonly config: Pick<
      AppConfig,
      'pagerdutyUrl' | 'pagerdutyRoutingKey' | 'grafanaUrl' | 'grafanaApiToken' | 'slackWebhookUrl'
    >,
  ) {}

  request(action: PublishAction, ctx: DeliveryContext): OutboundRequest {
    const c = this.config;
    switch (action.channel) {
      case 'PAGERDUTY': {
        if (!c.pagerdutyRoutingKey) throw new ChannelNotConfigured('PAGERDUTY_ROUTING_KEY');
        return {
          url: pagerdutyChangeUrl(c.pagerdutyUrl),
          headers: jsonHeaders(ctx),
          body: JSON.stringify(pagerdutyChangeEvent(action, c.pagerdutyRoutingKey)),
          secrets: [c.pagerdutyRoutingKey],
        };
      }
      case 'GRAFANA': {
        if (!c.grafanaUrl) throw new ChannelNotConfigured('GRAFANA_URL');
        if (!c.grafanaApiToken) throw new ChannelNotConfigured('GRAFANA_API_TOKEN');
        return {
          url: `${c.grafanaUrl}/api/annotations`,
          headers: {
            ...jsonHeaders(ctx),
            Accept: 'application/json',
            Authorization: `Bearer ${c.grafanaApiToken}`,
          },
          body: JSON.stringify(grafanaAnnotation(action)),
          secrets: [c.grafanaApiToken],
        };
      }
      case 'SLACK':
        return slackWebhookRequest(c.slackWebhookUrl, deploymentSlackMessage(action), ctx);
    }
  }
}
