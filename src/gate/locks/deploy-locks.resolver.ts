import { Args, Context, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequireScope } from '../../auth/auth.decorators.js';
import type { AuthenticatedRequest } from '../../auth/auth.guard.js';
import { actorOf } from '../../auth/principal.js';
import { DeployLock, DeployLockInput, DeployLocksArgs } from './deploy-lock.model.js';
import { DeployLocksService } from './deploy-locks.service.js';

type Ctx = { req: AuthenticatedRequest };

/** Deploy locks: listed with `read`, taken and released with `triage` (or `admin`). */
@Resolver(() => DeployLock)
export class DeployLocksResolver {
  constructor(private readonly locks: DeployLocksService) {}

  @Query(() => [DeployLock], { description: 'Deploy locks, newest first' })
  deployLocks(@Args() args: DeployLocksArgs): Promise<DeployLock[]> {
    return this.locks.list(args.active ?? true, args.first ?? 100);
  }

  @Mutation(() => DeployLock, {
    description:
      'Locks the deployments of a service, an environment or everything: deploymentGate answers DENY (LOCKED) until it is unlocked or `until` passes',
  })
  @RequireScope('triage')
  lockDeployments(@Args('input') input: DeployLockInput, @Context() ctx: Ctx): Promise<DeployLock> {
    return this.locks.lock(input, actorOf(ctx.req.principal));
  }

  @Mutation(() => DeployLock, {
    description: 'Releases a deploy lock (a released one is answered as it is)',
  })
  @RequireScope('triage')
  unlockDeployments(
    @Args('id', { type: () => ID }) id: string,
    @Context() ctx: Ctx,
  ): Promise<DeployLock> {
    return this.locks.unlock(id, actorOf(ctx.req.principal));
  }
}
