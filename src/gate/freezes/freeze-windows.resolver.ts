import { Args, Context, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequireScope } from '../../auth/auth.decorators.js';
import type { AuthenticatedRequest } from '../../auth/auth.guard.js';
import { FreezeWindow, FreezeWindowInput, FreezeWindowsArgs } from './freeze-window.model.js';
import { FreezeWindowsService } from './freeze-windows.service.js';

type Ctx = { req: AuthenticatedRequest };

/** Freeze windows: listed with `read`, created and deleted with `triage` (or `admin`). */
@Resolver(() => FreezeWindow)
export class FreezeWindowsResolver {
  constructor(private readonly freezes: FreezeWindowsService) {}

  @Query(() => [FreezeWindow], { description: 'Recurring freeze windows, newest first' })
  freezeWindows(@Args() args: FreezeWindowsArgs): Promise<FreezeWindow[]> {
    return this.freezes.list(args.deleted ?? false, args.first ?? 100);
  }

  @Mutation(() => FreezeWindow, {
    description:
      'Creates a recurring freeze window: at every fire of its cron (in its time zone), for its duration, deploymentGate answers DENY (FREEZE) for what it covers. Windows may overlap',
  })
  @RequireScope('triage')
  createFreezeWindow(
    @Args('input') input: FreezeWindowInput,
    @Context() ctx: Ctx,
  ): Promise<FreezeWindow> {
    return this.freezes.create(input, ctx.req.principal);
  }

  @Mutation(() => FreezeWindow, {
    description:
      'Deletes a freeze window: it freezes nothing from then on (a deleted one is answered as it is)',
  })
  @RequireScope('triage')
  deleteFreezeWindow(
    @Args('id', { type: () => ID }) id: string,
    @Context() ctx: Ctx,
  ): Promise<FreezeWindow> {
    return this.freezes.delete(id, ctx.req.principal);
  }
}
