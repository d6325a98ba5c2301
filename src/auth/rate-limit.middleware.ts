import { Inject, Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { safeEqual } from '../webhooks/signatures.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.schema.js';
import { ApiTokenService } from './api-token.service.js';
import type { AuthenticatedRequest } from './auth.guard.js';
import { bearerToken } from './principal.js';
import { clientKey, TokenBuckets, type RateLimitDecision } from './rate-limit.rule.js';

/**
 * Paths never limited per address: probes and scrapes (cheap, and a 429 there would restart a
 * healthy pod), and the webhooks, which authenticate each delivery by its signature and whose
 * senders (one GitLab host for a whole group) would otherwise lose deliveries.
 */
const UNLIMITED = /^\/(healthz|readyz|metrics)(\?|$)|^\/webhooks\//;

/**
 * The first thing every request meets, before its body is read: who is calling, and whether
 * they may call now. A request with a valid API token is limited per token; any other request
 * (no token, an unknown or revoked one) per client address (SHIPWATCH_TRUST_PROXY says which
 * address that is). Unknown tokens are cached apart from known ones (api-token.service.ts).
 * Over a limit: 429 with Retry-After. Each replica keeps its own buckets.
 */
@Injectable()
export class RateLimitMiddleware {
  private readonly perToken: TokenBuckets;
  private readonly perAddress: TokenBuckets;
  private readonly unknownTokens: TokenBuckets;

  constructor(
    private readonly tokens: ApiTokenService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.perToken = new TokenBuckets(config.rateLimitPerSecond, config.rateLimitBurst);
    const [rate, burst] = [config.anonymousRateLimitPerSecond, config.anonymousRateLimitBurst];
    this.perAddress = new TokenBuckets(rate, burst);
    this.unknownTokens = new TokenBuckets(rate, burst);
  }

  readonly use = (req: Request, res: Response, next: NextFunction): void => {
    this.admit(req as AuthenticatedRequest).then(
      (refusal) => (refusal ? tooMany(res, refusal) : next()),
      next,
    );
  };

  /** undefined: go on; else why the request is refused. */
  private async admit(req: AuthenticatedRequest): Promise<Refusal | undefined> {
    if (UNLIMITED.test(req.url)) return undefined;
    const token = bearerToken(req.headers.authorization);
    const now = Date.now();
    if (token && this.config.cloudeventsToken && safeEqual(token, this.config.cloudeventsToken))
      return this.limitToken('cloudevents-token', now);
    const address = clientKey(req.ip ?? req.socket.remoteAddress);
    let principal = token ? this.tokens.cached(token, now) : undefined;
    if (token && !principal) {
      // A token not known yet is looked up only while its address has unknown tokens to spare:
      // a flood of made-up tokens costs at most the anonymous rate in lookups, and anonymous
      // requests without a token do not spend that allowance.
      const lookup = this.unknownTokens.peek(address, now);
      if (!lookup.allowed) return { ...lookup, who: 'client address' };
      principal = (await this.tokens.authenticate(token, now)) ?? undefined;
      if (!principal) this.unknownTokens.take(address, now);
    }
    if (!principal) {
      const decision = this.perAddress.take(address, now);
      return decision.allowed ? undefined : { ...decision, who: 'client address' };
    }
    req.principal = principal;
    return this.limitToken(principal.tokenId ?? principal.kind, now);
  }

  private limitToken(key: string, now: number): Refusal | undefined {
    const decision = this.perToken.take(key, now);
    return decision.allowed ? undefined : { ...decision, who: 'API token' };
  }
}

type Refusal = RateLimitDecision & { readonly who: string };

function tooMany(res: Response, refusal: Refusal): void {
  res
    .status(429)
    .setHeader('Retry-After', String(refusal.retryAfterSeconds))
    .json({
      error: {
        code: 'RATE_LIMITED',
        message: `too many requests for this ${refusal.who}; retry after ${refusal.retryAfterSeconds} s`,
        retryAfterSeconds: refusal.retryAfterSeconds,
      },
    });
}
