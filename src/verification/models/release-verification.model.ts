import { Field, Float, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { JsonScalar, type JsonValue } from '../../common/graphql/scalars.js';
import {
  VerificationModeEnum,
  SliModel,
  VerificationTimingModel,
} from './verification-policy.model.js';

export enum VerificationStateEnum {
  RUNNING = 'RUNNING',
  HEALTHY = 'HEALTHY',
  HEALTHY_LOW_CONFIDENCE = 'HEALTHY_LOW_CONFIDENCE',
  UNVERIFIED = 'UNVERIFIED',
  DEGRADED = 'DEGRADED',
  ENV_DEGRADED = 'ENV_DEGRADED',
  FAILED = 'FAILED',
  INCONCLUSIVE = 'INCONCLUSIVE',
  SUPERSEDED = 'SUPERSEDED',
}
registerEnumType(VerificationStateEnum, {
  name: 'VerificationState',
  description:
    'RUNNING; HEALTHY; HEALTHY_LOW_CONFIDENCE / UNVERIFIED (low traffic); DEGRADED (mild, ticket); ENV_DEGRADED (pre-existing incident, never rolled back); FAILED; INCONCLUSIVE (no data / query errors, never rolled back); SUPERSEDED (a newer deploy)',
});

export enum TickClassificationEnum {
  PASS = 'PASS',
  INSUFFICIENT = 'INSUFFICIENT',
  NO_DATA = 'NO_DATA',
  ERROR = 'ERROR',
  BASELINE_DEGRADED = 'BASELINE_DEGRADED',
  REGRESSION = 'REGRESSION',
  CRITICAL = 'CRITICAL',
}
registerEnumType(TickClassificationEnum, { name: 'TickClassification' });

export enum VerificationKindEnum {
  RELEASE = 'RELEASE',
  ROLLBACK = 'ROLLBACK',
}
registerEnumType(VerificationKindEnum, { name: 'VerificationKind' });

@ObjectType('VerificationTick', { description: 'One tick of a verification with its evidence' })
export class VerificationTickModel {
  @Field(() => Int)
  number!: number;

  @Field(() => Date)
  at!: Date;

  @Field(() => Date)
  windowStart!: Date;

  @Field(() => Date)
  windowEnd!: Date;

  @Field(() => TickClassificationEnum)
  classification!: TickClassificationEnum;

  @Field(() => String, { nullable: true, description: 'SEVERE or MILD for regressions' })
  severity!: string | null;

  @Field(() => Boolean)
  baselineDegraded!: boolean;

  @Field(() => Boolean)
  inWarmUp!: boolean;

  @Field(() => String)
  reason!: string;

  @Field(() => VerificationStateEnum, { description: 'The verification state after this tick' })
  stateAfter!: VerificationStateEnum;

  @Field(() => Float, {
    nullable: true,
    description:
      'Time the tick took (Prometheus queries and analysis); null for a replayed tick (backtest)',
  })
  durationSeconds!: number | null;

  @Field(() => JsonScalar, {
    description:
      'Per SLI: PromQL queries, windows, counts and ratios on both sides, p-value, ratio, delta, burn rates, settle window, baseline kind; per check: value and outcome',
  })
  evidence!: JsonValue;
}

export enum VerificationDecisionActionEnum {
  APPROVE_ROLLBACK = 'APPROVE_ROLLBACK',
  MARK_HEALTHY = 'MARK_HEALTHY',
  MARK_FAILED = 'MARK_FAILED',
  EXTEND_BAKE = 'EXTEND_BAKE',
  DISMISS_SLI_RISK = 'DISMISS_SLI_RISK',
}
registerEnumType(VerificationDecisionActionEnum, {
  name: 'VerificationDecisionAction',
  description:
    'APPROVE_ROLLBACK: an advised rollback sent; MARK_HEALTHY / MARK_FAILED: a person’s verdict; EXTEND_BAKE: a longer bake; DISMISS_SLI_RISK: an SLI said not to be a risk (recorded, changes no verdict)',
});

@ObjectType('VerificationDecision', {
  description: 'A person’s decision on a verification: the audit entry (who, when, why, what)',
})
export class VerificationDecisionModel {
  @Field(() => ID)
  id!: string;

  @Field(() => VerificationDecisionActionEnum)
  action!: VerificationDecisionActionEnum;

  @Field(() => VerificationStateEnum)
  stateBefore!: VerificationStateEnum;

  @Field(() => VerificationStateEnum)
  stateAfter!: VerificationStateEnum;

  @Field(() => String, { nullable: true, description: 'DISMISS_SLI_RISK: the SLI or check' })
  sli!: string | null;

  @Field(() => Int, { nullable: true, description: 'EXTEND_BAKE: seconds added to the bake' })
  seconds!: number | null;

  @Field(() => String)
  reason!: string;

  @Field(() => String, {
    description: '`token:<id>` or `bootstrap` (GraphQL, CLI), `slack:<user id>` (Slack buttons)',
  })
  actor!: string;

  @Field(() => String, { description: 'The token’s name, or the Slack user name' })
  actorName!: string;

  @Field(() => Date)
  decidedAt!: Date;
}

@ObjectType('VerificationPolicySummary')
export class VerificationPolicySummaryModel {
  @Field(() => ID, { nullable: true })
  id!: string | null;

  @Field(() => Boolean)
  isDefault!: boolean;

  @Field(() => VerificationModeEnum)
  mode!: VerificationModeEnum;

  @Field(() => [SliModel])
  slis!: SliModel[];

  @Field(() => [String])
  checks!: string[];

  @Field(() => VerificationTimingModel)
  timing!: VerificationTimingModel;
}

@ObjectType('ReleaseVerification')
export class ReleaseVerificationModel {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  deploymentId!: string;

  @Field(() => VerificationKindEnum)
  kind!: VerificationKindEnum;

  @Field(() => VerificationStateEnum)
  state!: VerificationStateEnum;

  @Field(() => VerificationStateEnum, {
    nullable: true,
    description: 'The final state; null while RUNNING',
  })
  verdict!: VerificationStateEnum | null;

  @Field(() => String, { nullable: true })
  reason!: string | null;

  @Field(() => String)
  service!: string;

  @Field(() => String)
  namespace!: string;

  @Field(() => String)
  environment!: string;

  @Field(() => String, { nullable: true })
  version!: string | null;

  @Field(() => String, { nullable: true })
  previousVersion!: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'The target (region, cluster) of a wave of a multi-target release; with the policy’s targetLabel only its series were read',
  })
  target!: string | null;

  @Field(() => VerificationPolicySummaryModel)
  policy!: VerificationPolicySummaryModel;

  @Field(() => String, { nullable: true, description: 'CONCURRENT or PRE_DEPLOY (last tick)' })
  baselineKind!: string | null;

  @Field(() => Date)
  startedAt!: Date;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  nextTickAt!: Date | null;

  @Field(() => Boolean, {
    description:
      'HEALTHY before the end of the bake and still ticking: a slow burn found by the end of the bake makes it DEGRADED, a sustained regression FAILED',
  })
  watching!: boolean;

  @Field(() => Date)
  deployFinishedAt!: Date;

  @Field(() => Date, { nullable: true })
  rollbackRequestedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'Why a wanted rollback was not requested' })
  rollbackBlockedReason!: string | null;

  @Field(() => Date, {
    nullable: true,
    description: 'When a later healthy release resolved this failure',
  })
  remediatedAt!: Date | null;

  @Field(() => ID, { nullable: true, description: 'ROLLBACK: the deployment it rolled back' })
  remediatesDeploymentId!: string | null;

  @Field(() => [VerificationTickModel])
  ticks!: VerificationTickModel[];

  @Field(() => [VerificationDecisionModel], {
    description:
      'People’s decisions on this verification, oldest first: approved rollbacks, verdicts, longer bakes, SLIs dismissed as not a risk (who, when, why)',
  })
  decisions!: VerificationDecisionModel[];
}
