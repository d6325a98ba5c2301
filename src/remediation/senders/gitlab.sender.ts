import type { RollbackTarget } from '../remediation-action.js';
import { gitlabPipelineTriggerRequest } from './gitlab.payload.js';
import type { DeliveryContext, OutboundRequest, RollbackAction } from './outbound-request.js';

export class GitLabTriggerSender {
  request(
    action: RollbackAction,
    target: Extract<RollbackTarget, { kind: 'GITLAB_PIPELINE_TRIGGER' }>,
    ctx: DeliveryContext,
  ): OutboundRequest {
    return gitlabPipelineTriggerRequest(action, target, ctx);
  }
}
