import { Field, Float, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { VERIFICATION_MODES } from '../verification-policy.js';

export enum VerificationModeEnum {
  ENFORCE = 'ENFORCE',
  ADVISE = 'ADVISE',
  DRY_RUN = 'DRY_RUN',
}
registerEnumType(VerificationModeEnum, {
  name: 'VerificationMode',
  description:
    'ENFORCE: roll back and alert; ADVISE: alert only; DRY_RUN: record the evidence only',
});
// Keep the GraphQL enum and the domain list in step.
const _modes: readonly `${VerificationModeEnum}`[] = VERIFICATION_MODES;
void _modes;

export enum AlertChannelEnum {
  ALERTMANAGER = 'ALERTMANAGER',
  SLACK = 'SLACK',
  PAGERDUTY = 'PAGERDUTY',
}
registerEnumType(AlertChannelEnum, { name: 'AlertChannel' });

export enum RollbackTargetKindEnum {
  WEBHOOK = 'WEBHOOK',
  GITHUB_REPOSITORY_DISPATCH = 'GITHUB_REPOSITORY_DISPATCH',
  GITHUB_WORKFLOW_DISPATCH = 'GITHUB_WORKFLOW_DISPATCH',
  GITLAB_PIPELINE_TRIGGER = 'GITLAB_PIPELINE_TRIGGER',
}
registerEnumType(RollbackTargetKindEnum, { name: 'RollbackTargetKind' });

@ObjectType('Sli', {
  description:
    'A proportion of bad events: two per-series counter templates, read at each window boundary',
})
export class SliModel {
  @Field(() => String)
  name!: string;

  @Field(() => Float, { description: 'SLO target of the good ratio, e.g. 0.999' })
  objective!: number;

  @Field(() => String)
  totalQuery!: string;

  @Field(() => String)
  badQuery!: string;
}

@ObjectType('ThresholdCheck', {
  description: 'An Argo-style absolute check: one number and `result <op> <number>` conditions',
})
export class ThresholdCheckModel {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  query!: string;

  @Field(() => String, { nullable: true })
  successCondition!: string | null;

  @Field(() => String, { nullable: true })
  failureCondition!: string | null;

  @Field(() => Boolean)
  dryRun!: boolean;
}

@ObjectType('VerificationTiming')
export class VerificationTimingModel {
  @Field(() => Int) intervalSeconds!: number;
  @Field(() => Int) windowSeconds!: number;
  @Field(() => Int) warmUpSeconds!: number;
  @Field(() => Int) bakeSeconds!: number;
  @Field(() => Int) earlyHealthySeconds!: number;
  @Field(() => Int) maxVerificationSeconds!: number;
  @Field(() => Int) settleWindowSeconds!: number;
  @Field(() => Int) preDeployWindowSeconds!: number;
  @Field(() => Int) cooldownSeconds!: number;
  @Field(() => Int) rollbackVerifyTimeoutSeconds!: number;
  @Field(() => Int) lateWatchSeconds!: number;
  @Field(() => Int) lateWatchIntervalSeconds!: number;
}

@ObjectType('AnalysisParameters')
export class AnalysisParametersModel {
  @Field(() => Int) minRequests!: number;
  @Field(() => Int) minBadEvents!: number;
  @Field(() => Float) alpha!: number;
  @Field(() => Float) allowedIncrease!: number;
  @Field(() => Float) minAbsDelta!: number;
  @Field(() => Float) criticalAbsRatio!: number;
  @Field(() => Float) criticalIncrease!: number;
  @Field(() => Float) criticalBurnRate!: number;
  @Field(() => Float) pageBurnRate!: number;
  @Field(() => Int) criticalSustainSeconds!: number;
  @Field(() => Int) severeSustainSeconds!: number;
  @Field(() => Float) sequentialBeta!: number;
  @Field(() => Int) passK!: number;
  @Field(() => Int) minEvaluatedTicks!: number;
  @Field(() => Int) consecutiveErrorLimit!: number;
  @Field(() => Int) maxRoutes!: number;
  @Field(() => Int) routeMinRequests!: number;
}

@ObjectType('RollbackTargetSummary', {
  description: 'Where a rollback is requested; secrets and tokens are stored but never shown',
})
export class RollbackTargetSummaryModel {
  @Field(() => RollbackTargetKindEnum)
  kind!: RollbackTargetKindEnum;

  @Field(() => String, { nullable: true, description: 'WEBHOOK: the URL; others: the API URL' })
  url!: string | null;

  @Field(() => String, { nullable: true })
  repository!: string | null;

  @Field(() => String, { nullable: true })
  workflow!: string | null;

  @Field(() => String, { nullable: true })
  ref!: string | null;

  @Field(() => String, { nullable: true })
  projectId!: string | null;

  @Field(() => String, { nullable: true })
  eventType!: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'The environment variable the secret or token is read from (secretFrom/tokenFrom); null when stored inline',
  })
  secretFromEnv!: string | null;
}

@ObjectType('VerificationPolicy')
export class VerificationPolicyModel {
  @Field(() => ID, { nullable: true, description: 'null for the built-in default policy' })
  id!: string | null;

  @Field(() => String)
  service!: string;

  @Field(() => String)
  namespace!: string;

  @Field(() => String)
  environment!: string;

  @Field(() => VerificationModeEnum)
  mode!: VerificationModeEnum;

  @Field(() => [SliModel])
  slis!: SliModel[];

  @Field(() => [ThresholdCheckModel])
  checks!: ThresholdCheckModel[];

  @Field(() => VerificationTimingModel)
  timing!: VerificationTimingModel;

  @Field(() => AnalysisParametersModel)
  analysis!: AnalysisParametersModel;

  @Field(() => RollbackTargetSummaryModel, { nullable: true })
  rollbackTarget!: RollbackTargetSummaryModel | null;

  @Field(() => [AlertChannelEnum])
  alertChannels!: AlertChannelEnum[];

  @Field(() => Boolean, {
    description: 'A late regression (after HEALTHY) requests a rollback (ENFORCE mode)',
  })
  lateRegressionRollback!: boolean;

  @Field(() => String, {
    nullable: true,
    description:
      'Multi-target releases: the Prometheus label carrying a deployment’s target (e.g. region); a targeted deployment’s queries then read only the series with that label equal to its target. Null: every series',
  })
  targetLabel!: string | null;

  @Field(() => Boolean)
  isDefault!: boolean;

  @Field(() => Date, { nullable: true })
  updatedAt!: Date | null;
}
