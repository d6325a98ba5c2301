import { Parent, ResolveField, Resolver } from '@nestjs/graphql';
import type { JsonValue } from '../../common/graphql/scalars.js';
import { ReleaseVerificationModel } from '../models/release-verification.model.js';
import { LateWatchModel, type LateWatchStateEnum } from './late-watch.models.js';
import { LateWatchRepository } from './late-watch.repository.js';

/** `ReleaseVerification.lateWatch`: the watch after HEALTHY and its findings. */
@Resolver(() => ReleaseVerificationModel)
export class LateWatchResolver {
  constructor(private readonly watches: LateWatchRepository) {}

  @ResolveField(() => LateWatchModel, {
    nullable: true,
    description:
      'The late watch after a HEALTHY verdict (null: not watched: another verdict, a rollback, lateWatchSeconds 0, or still ticking)',
  })
  async lateWatch(@Parent() v: ReleaseVerificationModel): Promise<LateWatchModel | null> {
    const [[watch], regressions] = await Promise.all([
      this.watches.watchesOf([v.id]),
      this.watches.regressionsOf([v.id]),
    ]);
    if (!watch) return null;
    return {
      state: watch.state as LateWatchStateEnum,
      watchUntil: watch.watchUntil,
      nextCheckAt: watch.nextCheckAt,
      checks: watch.checks,
      lastCheckedAt: watch.lastCheckedAt,
      endedAt: watch.endedAt,
      regressions: regressions.map((r) => ({
        detectedAt: r.detectedAt,
        sli: r.sli,
        burnWindow: r.burnWindow,
        factor: r.factor,
        longBurnRate: r.longBurnRate,
        shortBurnRate: r.shortBurnRate,
        onsetAt: r.onsetAt,
        reason: r.reason,
        evidence: r.evidence as JsonValue,
        incidentId: r.incidentId,
        incidentOpened: r.incidentOpened,
        rollbackRequested: r.rollbackRequested,
        rollbackBlockedReason: r.rollbackBlockedReason,
      })),
    };
  }
}
