import type { RollbackTarget } from '../remediation-action.js';
import {
  githubRepositoryDispatchRequest,
  githubWorkflowDispatchRequest,
} from './github.payload.js';
import type { DeliveryContext, OutboundRequest, RollbackAction } from './outbound-request.js';

export class GitHubDispatchSender {
  request(
    action: RollbackAction,
    target: Extract<
      RollbackTarget,
      { kind: 'GITHUB_REPOSITORY_DISPATCH' | 'GITHUB_WORKFLOW_DISPATCH' }
    >,
    ctx: DeliveryContext,
  ): OutboundRequest {
    return target.kind === 'GITHUB_REPOSITORY_DISPATCH'
      ? githubRepositoryDispatchRequest(action, target, ctx)
      : githubWorkflowDispatchRequest(action, target, ctx);
  }
}
