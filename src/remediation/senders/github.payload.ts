/**
 * GitHub rollbacks: `repository_dispatch` (any workflow `on: repository_dispatch: types:
 * [shipwatch-rollback]` reads `github.event.client_payload`) or `workflow_dispatch` of one
 * workflow, whose `on.workflow_dispatch.inputs` must declare every input below (GitHub answers 422
 * to undeclared inputs). GitHub does not deduplicate: the workflow should use
 * `concurrency: { group: ${{ ...idempotency_key }} }` or check the key itself.
 * REST docs: POST /repos/{owner}/{repo}/dispatches, POST /repos/{owner}/{repo}/actions/workflows/{id}/dispatches (204).
 */
import type { RollbackTarget } from '../remediation-action.js';
import {
  jsonHeaders,
  type DeliveryContext,
  type OutboundRequest,
  type RollbackAction,
} from './outbound-request.js';

export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';
export const DEFAULT_GITHUB_EVENT_TYPE = 'shipwatch-rollback';

type RepositoryDispatch = Extract<RollbackTarget, { kind: 'GITHUB_REPOSITORY_DISPATCH' }>;
type WorkflowDispatch = Extract<RollbackTarget, { kind: 'GITHUB_WORKFLOW_DISPATCH' }>;

/** The inputs a workflow_dispatch workflow must declare (all strings; GitHub allows 10+). */
export const WORKFLOW_INPUTS = [
  'idempotency_key',
  'deployment_id',
  'service',
  'environment',
  'from_version',
  'to_version',
  'reason',
] as const;

function rollbackFields(action: RollbackAction, ctx: DeliveryContext) {
  const r = action.release;
  return {
    idempotency_key: ctx.idempotencyKey,
    deployment_id: r.deploymentId,
    service: r.service,
    environment: r.environment,
    from_version: r.version ?? '',
    to_version: action.toVersion,
    // workflow_dispatch inputs are limited in size; keep the reason short.
    reason: action.reason.slice(0, 500),
  } satisfies Record<(typeof WORKFLOW_INPUTS)[number], string>;
}

function githubHeaders(token: string, ctx: DeliveryContext): Record<string, string> {
  return {
    ...jsonHeaders(ctx),
    Accept: 'application/vnd.github+json',
    Authorization: `Bearer ${token}`,
    'X-GitHub-Api-Version': '2022-11-28',
  };
}

function repoPath(repository: string): string {
  const [owner, name] = repository.split('/');
  return `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
}

export function githubRepositoryDispatchRequest(
  action: RollbackAction,
  target: RepositoryDispatch,
  ctx: DeliveryContext,
): OutboundRequest {
  const api = (target.apiUrl ?? DEFAULT_GITHUB_API_URL).replace(/\/+$/, '');
  return {
    url: `${api}${repoPath(target.repository)}/dispatches`,
    headers: githubHeaders(target.token, ctx),
    body: JSON.stringify({
      event_type: target.eventType ?? DEFAULT_GITHUB_EVENT_TYPE,
      // client_payload allows at most 10 top-level properties.
      client_payload: { ...rollbackFields(action, ctx), namespace: action.release.namespace },
    }),
    secrets: [target.token],
  };
}

export function githubWorkflowDispatchRequest(
  action: RollbackAction,
  target: WorkflowDispatch,
  ctx: DeliveryContext,
): OutboundRequest {
  const api = (target.apiUrl ?? DEFAULT_GITHUB_API_URL).replace(/\/+$/, '');
  return {
    url: `${api}${repoPath(target.repository)}/actions/workflows/${encodeURIComponent(target.workflow)}/dispatches`,
    headers: githubHeaders(target.token, ctx),
    body: JSON.stringify({ ref: target.ref, inputs: rollbackFields(action, ctx) }),
    secrets: [target.token],
  };
}
