import { Global, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiTokenResolver } from './api-token.resolver.js';
import { ApiTokenService } from './api-token.service.js';
import { AuthGuard } from './auth.guard.js';
import { RateLimitMiddleware } from './rate-limit.middleware.js';

@Global()
@Module({
  providers: [ApiTokenService, ApiTokenResolver, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [ApiTokenService],
})
export class AuthModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RateLimitMiddleware).forRoutes('*path');
  }
}
