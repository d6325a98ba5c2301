import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Response } from 'express';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.schema.js';
import { ApiTokenService } from './api-token.service.js';
import type { AuthenticatedRequest } from './auth.guard.js';
import { bearerToken } from './principal.js';
import { TokenBuckets } from './rate-limit.rule.js';

/**
 * Per-token rate limit on every request that carries a known bearer token (GraphQL,
 * /cloudevents). Each replica keeps its own buckets. Over the limit: 429 with Retry-After.
 */
@Injectable()
export class RateLimitMiddleware implements NestMiddleware {
  private readonly buckets: TokenBuckets;

  constructor(
    private readonly tokens: ApiTokenService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.buckets = new TokenBuckets(config.rateLimitPerSecond, config.rateLimitBurst);
  }

  async use(req: AuthenticatedRequest, res: Response, next: NextFunction): Promise<void> {
    const token = bearerToken(req.headers.authorization);
    const principal = token ? await this.tokens.authenticate(token) : null;
    if (!principal) return next();
    req.principal = principal;
    const decision = this.buckets.take(principal.tokenId ?? principal.kind, Date.now());
    if (decision.allowed) return next();
    res
      .status(429)
      .setHeader('Retry-After', String(decision.retryAfterSeconds))
      .json({
        error: {
          code: 'RATE_LIMITED',
          message: `too many requests for this API token; retry after ${decision.retryAfterSeconds} s`,
          retryAfterSeconds: decision.retryAfterSeconds,
        },
      });
  }
}
