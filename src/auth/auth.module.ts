import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiTokenResolver } from './api-token.resolver.js';
import { ApiTokenService } from './api-token.service.js';
import { AuthGuard } from './auth.guard.js';
import { RateLimitMiddleware } from './rate-limit.middleware.js';

@Global()
@Module({
  providers: [
    ApiTokenService,
    ApiTokenResolver,
    RateLimitMiddleware,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [ApiTokenService, RateLimitMiddleware],
})
export class AuthModule {}
