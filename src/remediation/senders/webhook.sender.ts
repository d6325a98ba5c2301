import type { RollbackTarget } from '../remediation-action.js';
import type { DeliveryContext, OutboundRequest, RollbackAction } from './outbound-request.js';
import { webhookRollbackRequest } from './webhook.payload.js';

export class WebhookSender {
  request(
    action: RollbackAction,
    target: Extract<RollbackTarget, { kind: 'WEBHOOK' }>,
    ctx: DeliveryContext,
  ): OutboundRequest {
    return webhookRollbackRequest(action, target, ctx);
  }
}
