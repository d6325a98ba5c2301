import { SetMetadata } from '@nestjs/common';
import type { Scope } from './api-token.entity.js';

export const REQUIRED_SCOPE = 'shipwatch:required-scope';

/**
 * The scope an operation needs. Without it, GraphQL mutations need `ingest` and queries `read`;
 * `null` marks an operation as public.
 */
export const RequireScope = (scope: Scope): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_SCOPE, scope);

export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(REQUIRED_SCOPE, null);
