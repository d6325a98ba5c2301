import {
  alertmanagerAlerts,
  alertmanagerRequest,
  type PostableAlert,
} from './alertmanager.payload.js';
import {
  ChannelNotConfigured,
  type AlertAction,
  type DeliveryContext,
  type OutboundRequest,
} from './outbound-request.js';

export class AlertmanagerSender {
  constructor(private readonly alertmanagerUrl: string | undefined) {}

  request(
    action: AlertAction,
    firing: readonly PostableAlert[] | undefined,
    ctx: DeliveryContext,
  ): OutboundRequest {
    if (!this.alertmanagerUrl) throw new ChannelNotConfigured('ALERTMANAGER_URL');
    return alertmanagerRequest(this.alertmanagerUrl, alertmanagerAlerts(action, firing, ctx), ctx);
  }
}
