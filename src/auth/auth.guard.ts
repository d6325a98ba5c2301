import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext, type GqlContextType } from '@nestjs/graphql';
import type { Request } from 'express';
import { DomainError } from '../common/errors/domain-error.js';
import type { Scope } from './api-token.entity.js';
import { ApiTokenService } from './api-token.service.js';
import { REQUIRED_SCOPE } from './auth.decorators.js';
import { bearerToken, hasScope, type Principal } from './principal.js';

export type AuthenticatedRequest = Request & { principal?: Principal };

/** The refusal of a bearer token that names no live API token. */
export const UNKNOWN_TOKEN = 'the API token is unknown or revoked';

/**
 * Every GraphQL operation is guarded: mutations need `ingest`, queries `read`, unless the
 * resolver declares another scope or `@Public()`. HTTP routes opt in with `@RequireScope`.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: ApiTokenService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const declared = this.reflector.getAllAndOverride<Scope | null | undefined>(REQUIRED_SCOPE, [
      context.getHandler(),
      context.getClass(),
    ]);
    let required: Scope | null;
    let req: AuthenticatedRequest;
    if (context.getType<GqlContextType>() === 'graphql') {
      const gql = GqlExecutionContext.create(context);
      req = gql.getContext<{ req: AuthenticatedRequest }>().req;
      const parent = gql.getInfo<{ parentType: { name: string } }>().parentType.name;
      if (parent !== 'Query' && parent !== 'Mutation') return true; // field resolvers
      required = declared !== undefined ? declared : parent === 'Mutation' ? 'ingest' : 'read';
    } else {
      if (declared === undefined || declared === null) return true;
      required = declared;
      req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    }
    if (required === null) return true;
    const principal = await this.resolve(req);
    if (!hasScope(principal, required)) {
      throw new DomainError('FORBIDDEN', `this operation needs a token with the ${required} scope`);
    }
    return true;
  }

  private async resolve(req: AuthenticatedRequest): Promise<Principal> {
    if (req.principal) return req.principal;
    const token = bearerToken(req.headers.authorization);
    if (!token) {
      throw new DomainError(
        'UNAUTHENTICATED',
        'send an API token as "Authorization: Bearer <token>"',
      );
    }
    const principal = await this.tokens.authenticate(token);
    if (!principal) throw new DomainError('UNAUTHENTICATED', UNKNOWN_TOKEN);
    req.principal = principal;
    return principal;
  }
}
