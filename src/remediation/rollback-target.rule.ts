/**
 * Validation of a rollback target (from a verification policy): well-formed fields and an
 * allowed host. Pure, so that policy saving (verification) and enqueueing (the outbox) apply the
 * same rule. Problems never quote a token or secret.
 */
import type { RollbackTarget, SecretReference } from './remediation-action.js';
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

/** Where a target kind keeps its secret, inline (`value`) or by reference. */
export function secretFieldsOf(kind: RollbackTarget['kind']): {
  readonly value: 'secret' | 'token';
  readonly reference: 'secretFrom' | 'tokenFrom';
} {
  return kind === 'WEBHOOK'
    ? { value: 'secret', reference: 'secretFrom' }
    : { value: 'token', reference: 'tokenFrom' };
}

/** The reference of a target to its secret, if it has one. */
export function secretReferenceOf(target: RollbackTarget): SecretReference | undefined {
  const ref = (target as unknown as Record<string, unknown>)[secretFieldsOf(target.kind).reference];
  return ref !== null && typeof ref === 'object' ? (ref as SecretReference) : undefined;
}

export type SecretEnvironment = Readonly<Record<string, string | undefined>>;

/**
 * The target as its sender needs it: a referenced secret read from the environment now (so a
 * rotated variable applies from the next rollback), absent when the variable is unset or empty.
 */
export function resolveTargetSecret(
  target: RollbackTarget,
  env: SecretEnvironment,
): RollbackTarget {
  const ref = secretReferenceOf(target);
  if (!ref) return target;
  const field = secretFieldsOf(target.kind).value;
  const rest = Object.fromEntries(
    Object.entries(target).filter(([key]) => key !== field),
  ) as Record<string, unknown>;
  const value = env[ref.env];
  return (value ? { ...rest, [field]: value } : rest) as unknown as RollbackTarget;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export interface SecretReferenceProblem {
  readonly code: 'INVALID_ROLLBACK_TARGET' | 'SECRET_ENV_NOT_SET';
  /** e.g. `rollbackTarget.tokenFrom.env` */
  readonly field: string;
  readonly message: string;
}

/**
 * The problems of a target's secret reference when a policy is saved: both a value and a
 * reference, a name that is no environment variable name, a variable of Shipwatch's own
 * configuration (`reserved`: its database URL or tokens are never sent to a rollback target), or
 * a variable the server does not have (SECRET_ENV_NOT_SET). Never quotes a value.
 */
export function secretReferenceProblems(
  target: RollbackTarget,
  env: SecretEnvironment,
  reserved: ReadonlySet<string>,
): SecretReferenceProblem[] {
  const ref = secretReferenceOf(target);
  if (!ref) return [];
  const fields = secretFieldsOf(target.kind);
  const field = `rollbackTarget.${fields.reference}.env`;
  const invalid = (message: string): SecretReferenceProblem[] => [
    { code: 'INVALID_ROLLBACK_TARGET', field, message },
  ];
  if ((target as unknown as Record<string, unknown>)[fields.value] !== undefined)
    return invalid(`give ${fields.value} or ${fields.reference}, not both`);
  if (typeof ref.env !== 'string' || !ENV_NAME.test(ref.env))
    return invalid(`${JSON.stringify(ref.env)} is not an environment variable name`);
  if (reserved.has(ref.env))
    return invalid(`${ref.env} is a variable of Shipwatch's own configuration, never sent out`);
  if (!env[ref.env])
    return [
      {
        code: 'SECRET_ENV_NOT_SET',
        field,
        message: `the environment variable ${ref.env} is not set on the Shipwatch server`,
      },
    ];
  return [];
}

export function validateRollbackTarget(
  target: RollbackTarget,
  allowedHosts: OutboundHosts,
): TargetProblem[] {
  const problems: string[] = [];
  const t = target as unknown as Record<string, unknown>;
  const ref = target.kind ? secretReferenceOf(target) : undefined;
  /** A referenced secret the environment did not give (the variable was unset when read). */
  const unresolved = (field: string): boolean => {
    if (!ref || t[field] !== undefined) return false;
    problems.push(
      `${secretFieldsOf(target.kind).reference}: the environment variable ${ref.env} is not set on the Shipwatch server`,
    );
    return true;
  };
  switch (target.kind) {
    case 'WEBHOOK':
      if (!nonEmpty(t.url)) problems.push('url is required');
      if (unresolved('secret')) break;
      if (typeof t.secret !== 'string' || t.secret.length < MIN_WEBHOOK_SECRET_LENGTH) {
        problems.push(`secret must have at least ${MIN_WEBHOOK_SECRET_LENGTH} characters`);
      }
      break;
    case 'GITHUB_REPOSITORY_DISPATCH':
    case 'GITHUB_WORKFLOW_DISPATCH':
      if (typeof t.repository !== 'string' || !/^[\w.-]+\/[\w.-]+$/.test(t.repository)) {
        problems.push('repository must be owner/name');
      }
      if (!unresolved('token') && !nonEmpty(t.token)) problems.push('token is required');
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
      if (!unresolved('token') && !nonEmpty(t.token)) problems.push('token is required');
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
