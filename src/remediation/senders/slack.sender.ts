import {
  ChannelNotConfigured,
  jsonHeaders,
  type AlertAction,
  type DeliveryContext,
  type OutboundRequest,
} from './outbound-request.js';
import { slackMessage } from './slack.payload.js';

export class SlackSender {
  constructor(private readonly webhookUrl: string | undefined) {}

  request(action: AlertAction, ctx: DeliveryContext): OutboundRequest {
    if (!this.webhookUrl) throw new ChannelNotConfigured('SLACK_WEBHOOK_URL');
    return {
      url: this.webhookUrl,
      headers: jsonHeaders(ctx),
      body: JSON.stringify(slackMessage(action)),
      // The whole URL is the credential; its path is the secret part.
      secrets: [this.webhookUrl, new URL(this.webhookUrl).pathname],
    };
  }
}
