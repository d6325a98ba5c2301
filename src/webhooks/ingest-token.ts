import { Injectable } from '@nestjs/common';
import { ApiTokenService } from '../auth/api-token.service.js';
import { hasScope } from '../auth/principal.js';
import { DomainError } from '../common/errors/domain-error.js';
import { safeEqual } from './signatures.js';

/**
 * Endpoints whose producers authenticate with a bearer token rather than a signature
 * (CloudEvents, Alertmanager): an API token with the ingest scope, or the endpoint's own shared
 * token when one is configured.
 */
@Injectable()
export class IngestTokenAuthenticator {
  constructor(private readonly tokens: ApiTokenService) {}

  /** Resolves when `token` may post to the endpoint; else a 401/403 DomainError. */
  async authenticate(
    token: string | undefined,
    endpoint: string,
    shared?: { readonly name: string; readonly value: string | undefined },
  ): Promise<void> {
    if (!token) {
      throw new DomainError(
        'UNAUTHENTICATED',
        `send "Authorization: Bearer <token>" with an API token of the ingest scope${shared ? ` or ${shared.name}` : ''}`,
      );
    }
    if (shared?.value && safeEqual(token, shared.value)) return;
    const principal = await this.tokens.authenticate(token);
    if (!principal) throw new DomainError('UNAUTHENTICATED', 'the token is unknown or revoked');
    if (!hasScope(principal, 'ingest')) {
      throw new DomainError(
        'FORBIDDEN',
        `posting to ${endpoint} needs a token with the ingest scope`,
      );
    }
  }
}
