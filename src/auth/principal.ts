import type { Scope } from './api-token.entity.js';

/** Who is calling: the bootstrap token or a stored API token. */
export interface Principal {
  readonly kind: 'bootstrap' | 'token';
  readonly tokenId?: string;
  readonly name: string;
  readonly scopes: readonly Scope[];
}

/** `admin` includes every other scope. */
export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes('admin') || principal.scopes.includes(scope);
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** The submitter recorded on ingested events (`envelope.submittedBy`): stable, never a secret. */
export function submitterOf(principal: Principal | undefined): string | undefined {
  if (!principal) return undefined;
  return principal.kind === 'token' && principal.tokenId
    ? `token:${principal.tokenId}`
    : 'bootstrap';
}

/**
 * Who does something people decide (a deploy lock, a decision on a verification): a token's
 * principal (GraphQL, CLI) or a Slack user (slash command, buttons).
 */
export interface Actor {
  /** `token:<id>`, `bootstrap` or `slack:<user id>`. */
  readonly id: string;
  readonly name: string;
}

export const actorOf = (principal: Principal | undefined): Actor => ({
  id: submitterOf(principal) ?? 'anonymous',
  name: principal?.name ?? 'anonymous',
});
