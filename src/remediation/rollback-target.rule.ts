/**
 * Validation of a rollback target (from a verification policy): well-formed fields and an
 * allowed host. Pure, so that policy saving (verification) and enqueueing (the outbox) apply the
 * same rule. Problems never quote a token or secret.
 */
import type { RollbackTarget } from './remediation-action.js';
import { checkOutboundUrl, type OutboundHosts } from './outbound-hosts.rule.js';
import { DEFAULT_GITHUB_API_URL } from './senders/github.payload.js';
import { DEFAULT_GITLAB_API_URL } from './senders/gitlab.payload.js';

export const MIN_WEBHOOK_SECRET_LENGTH = 16;

export interface TargetProblem {
  readonly code: 'INVALID_ROLLBACK_TARGET' | 'OUTBOUND_HOST_NOT_ALLOWED';
  readonly message: string;
}

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

/** The URL the target's sender calls (its host is what the allowlist checks). */
export function rollbackTargetUrl(target: RollbackTarget): string {
  switch (target.kind) {
    case 'WEBHOOK':
      return target.url;
    case 'GITHUB_REPOSITORY_DISPATCH':
    case 'GITHUB_WORKFLOW_DISPATCH':
      return target.apiUrl ?? DEFAULT_GITHUB_API_URL;
    case 'GITLAB_PIPELINE_TRIGGER':
      return target.apiUrl ?? DEFAULT_GITLAB_API_URL;
  }
}

export function validateRollbackTarget(
  target: RollbackTarget,
  allowedHosts: OutboundHosts,
): TargetProblem[] {
  const problems: string[] = [];
  const t = target as unknown as Record<string, unknown>;
  switch (target.kind) {
    case 'WEBHOOK':
      if (!nonEmpty(t.url)) problems.push('url is required');
      if (typeof t.secret !== 'string' || t.secret.length < MIN_WEBHOOK_SECRET_LENGTH) {
        problems.push(`secret must have at least ${MIN_WEBHOOK_SECRET_LENGTH} characters`);
      }
      break;
    case 'GITHUB_REPOSITORY_DISPATCH':
    case 'GITHUB_WORKFLOW_DISPATCH':
      if (typeof t.repository !== 'string' || !/^[\w.-]+\/[\w.-]+$/.test(t.repository)) {
        problems.push('repository must be owner/name');
      }
      if (!nonEmpty(t.token)) problems.push('token is required');
      if (target.kind === 'GITHUB_WORKFLOW_DISPATCH') {
        if (!nonEmpty(t.workflow)) problems.push('workflow (file name or id) is required');
        if (!nonEmpty(t.ref)) problems.push('ref is required');
      }
      if (t.eventType !== undefined && (!nonEmpty(t.eventType) || t.eventType.length > 100)) {
        problems.push('eventType must have 1 to 100 characters');
      }
      break;
    case 'GITLAB_PIPELINE_TRIGGER':
      if (!nonEmpty(t.projectId)) problems.push('projectId is required');
      if (!nonEmpty(t.ref)) problems.push('ref is required');
      if (!nonEmpty(t.token)) problems.push('token is required');
      break;
    default:
      problems.push(`unknown kind ${JSON.stringify(t.kind)}`);
      return problems.map((message) => ({ code: 'INVALID_ROLLBACK_TARGET', message }));
  }
  const out: TargetProblem[] = problems.map((message) => ({
    code: 'INVALID_ROLLBACK_TARGET',
    message,
  }));
  const url = rollbackTargetUrl(target);
  if (nonEmpty(url)) {
    const check = checkOutboundUrl(url, allowedHosts);
    if (!check.ok)
      out.push({ code: 'OUTBOUND_HOST_NOT_ALLOWED', message: `target URL ${check.reason}` });
  }
  return out;
}
