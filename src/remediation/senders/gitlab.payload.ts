/**
 * GitLab rollbacks through a pipeline trigger token:
 * POST {api}/projects/{id or URL-encoded path}/trigger/pipeline with `token`, `ref` and
 * `variables` (201 Created). The pipeline sees SHIPWATCH_* CI/CD variables; GitLab does not
 * deduplicate, so a job should check SHIPWATCH_IDEMPOTENCY_KEY (or use a resource_group).
 */
import type { RollbackTarget } from '../remediation-action.js';
import {
  jsonHeaders,
  type DeliveryContext,
  type OutboundRequest,
  type RollbackAction,
} from './outbound-request.js';

export const DEFAULT_GITLAB_API_URL = 'https://gitlab.com/api/v4';

type PipelineTrigger = Extract<RollbackTarget, { kind: 'GITLAB_PIPELINE_TRIGGER' }>;

export function gitlabTriggerVariables(
  action: RollbackAction,
  ctx: DeliveryContext,
): Record<string, string> {
  const r = action.release;
  return {
    SHIPWATCH_ACTION: 'rollback',
    SHIPWATCH_IDEMPOTENCY_KEY: ctx.idempotencyKey,
    SHIPWATCH_DEPLOYMENT_ID: r.deploymentId,
    SHIPWATCH_SERVICE: r.service,
    SHIPWATCH_NAMESPACE: r.namespace,
    SHIPWATCH_ENVIRONMENT: r.environment,
    SHIPWATCH_FROM_VERSION: r.version ?? '',
    SHIPWATCH_TO_VERSION: action.toVersion,
    SHIPWATCH_REASON: action.reason,
  };
}

export function gitlabPipelineTriggerRequest(
  action: RollbackAction,
  target: PipelineTrigger,
  ctx: DeliveryContext,
): OutboundRequest {
  const api = (target.apiUrl ?? DEFAULT_GITLAB_API_URL).replace(/\/+$/, '');
  return {
    url: `${api}/projects/${encodeURIComponent(target.projectId)}/trigger/pipeline`,
    headers: jsonHeaders(ctx),
    body: JSON.stringify({
      token: target.token,
      ref: target.ref,
      variables: gitlabTriggerVariables(action, ctx),
    }),
    secrets: [target.token],
  };
}
