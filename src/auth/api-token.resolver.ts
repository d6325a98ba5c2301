import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { ApiTokenEntity } from './api-token.entity.js';
import { ApiTokenService } from './api-token.service.js';
import { RequireScope } from './auth.decorators.js';
import { CreateApiTokenInput } from './dto/create-api-token.input.js';
import { ApiToken, CreatedApiToken, type TokenScope } from './models/api-token.model.js';

const toModel = (e: ApiTokenEntity): ApiToken => ({
  id: e.id,
  name: e.name,
  prefix: e.tokenPrefix,
  scopes: e.scopes as TokenScope[],
  createdAt: e.createdAt,
  lastUsedAt: e.lastUsedAt,
  revokedAt: e.revokedAt,
});

@Resolver(() => ApiToken)
@RequireScope('admin')
export class ApiTokenResolver {
  constructor(private readonly tokens: ApiTokenService) {}

  @Query(() => [ApiToken], { description: 'Every API token, revoked ones included' })
  async apiTokens(): Promise<ApiToken[]> {
    return (await this.tokens.list()).map(toModel);
  }

  @Mutation(() => CreatedApiToken)
  async createApiToken(@Args('input') input: CreateApiTokenInput): Promise<CreatedApiToken> {
    const { token, entity } = await this.tokens.create(input.name, input.scopes);
    return { token, apiToken: toModel(entity) };
  }

  @Mutation(() => ApiToken)
  async revokeApiToken(@Args('id', { type: () => ID }) id: string): Promise<ApiToken> {
    return toModel(await this.tokens.revoke(id));
  }
}
