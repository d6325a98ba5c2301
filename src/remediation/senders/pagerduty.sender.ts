import {
  ChannelNotConfigured,
  jsonHeaders,
  type AlertAction,
  type DeliveryContext,
  type OutboundRequest,
} from './outbound-request.js';
import { pagerdutyEvent } from './pagerduty.payload.js';

export class PagerDutySender {
  constructor(
    private readonly eventsUrl: string,
    private readonly routingKey: string | undefined,
  ) {}

  request(action: AlertAction, ctx: DeliveryContext): OutboundRequest {
    if (!this.routingKey) throw new ChannelNotConfigured('PAGERDUTY_ROUTING_KEY');
    return {
      url: this.eventsUrl,
      headers: jsonHeaders(ctx),
      body: JSON.stringify(pagerdutyEvent(action, this.routingKey)),
      secrets: [this.routingKey],
    };
  }
}
