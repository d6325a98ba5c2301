import {
  ChannelNotConfigured,
  jsonHeaders,
  type AlertAction,
  type DeliveryContext,
  type OutboundRequest,
} from './outbound-request.js';
import { slackMessage } from './slack.payload.js';

/** A message POSTed to the incoming webhook (alerts and published deployments). */
export function slackWebhookRequest(
  webhookUrl: string | undefined,
  message: object,
  ctx: DeliveryContext,
): OutboundRequest {
  if (!webhookUrl) throw new ChannelNotConfigured('SLACK_WEBHOOK_URL');
  return {
    url: webhookUrl,
    headers: jsonHeaders(ctx),
    body: JSON.stringify(message),
    // The whole URL is the credential; its path is the secret part.
    secrets: [webhookUrl, new URL(webhookUrl).pathname],
  };
}

export class SlackSender {
  constructor(private readonly webhookUrl: string | undefined) {}

  request(action: AlertAction, ctx: DeliveryContext): OutboundRequest {
    return slackWebhookRequest(this.webhookUrl, slackMessage(action), ctx);
  }
}
