import { Field, Float, InputType, Int } from '@nestjs/graphql';
import {
  AlertChannelEnum,
  RollbackTargetKindEnum,
  VerificationModeEnum,
} from '../models/verification-policy.model.js';

@InputType()
export class SliInput {
  @Field(() => String)
  name!: string;

  @Field(() => Float)
  objective!: number;

  @Field(() => String, {
    description:
      'PromQL template: the per-series counters of all events (no increase()/rate(), no {{window}}, no sum())',
  })
  totalQuery!: string;

  @Field(() => String, {
    description:
      'PromQL template: the per-series counters of bad events (`or vector(0)` when none yet means none)',
  })
  badQuery!: string;
}

@InputType()
export class ThresholdCheckInput {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  query!: string;

  @Field(() => String, { nullable: true, description: 'e.g. `result >= 0.95`' })
  successCondition?: string | null;

  @Field(() => String, { nullable: true, description: 'e.g. `result < 0.9`' })
  failureCondition?: string | null;

  @Field(() => Boolean, { nullable: true })
  dryRun?: boolean | null;
}

@InputType({ description: 'Every field is optional; omitted fields take the defaults' })
export class VerificationTimingInput {
  @Field(() => Int, { nullable: true }) intervalSeconds?: number | null;
  @Field(() => Int, {
    nullable: true,
    description:
      'Shortest tick window; refused when shorter than the scrape interval found (WINDOW_SHORTER_THAN_SCRAPE_INTERVAL)',
  })
  windowSeconds?: number | null;
  @Field(() => Int, { nullable: true }) warmUpSeconds?: number | null;
  @Field(() => Int, { nullable: true }) bakeSeconds?: number | null;
  @Field(() => Int, { nullable: true }) earlyHealthySeconds?: number | null;
  @Field(() => Int, { nullable: true }) maxVerificationSeconds?: number | null;
  @Field(() => Int, { nullable: true }) settleWindowSeconds?: number | null;
  @Field(() => Int, { nullable: true }) preDeployWindowSeconds?: number | null;
  @Field(() => Int, { nullable: true }) cooldownSeconds?: number | null;
  @Field(() => Int, { nullable: true }) rollbackVerifyTimeoutSeconds?: number | null;
  @Field(() => Int, {
    nullable: true,
    description:
      'After HEALTHY, watch the SLIs for burn-rate regressions until this long after the deploy finished (default 86400, the DORA attribution window; 0: no watch)',
  })
  lateWatchSeconds?: number | null;
  @Field(() => Int, {
    nullable: true,
    description: 'Time between two checks of the late watch (default 300, 60 to 3600)',
  })
  lateWatchIntervalSeconds?: number | null;
}

@InputType({ description: 'Every field is optional; omitted fields take the defaults' })
export class AnalysisParametersInput {
  @Field(() => Int, { nullable: true }) minRequests?: number | null;
  @Field(() => Int, { nullable: true }) minBadEvents?: number | null;
  @Field(() => Float, { nullable: true }) alpha?: number | null;
  @Field(() => Float, { nullable: true }) allowedIncrease?: number | null;
  @Field(() => Float, { nullable: true }) minAbsDelta?: number | null;
  @Field(() => Float, { nullable: true }) criticalAbsRatio?: number | null;
  @Field(() => Float, { nullable: true }) criticalIncrease?: number | null;
  @Field(() => Float, { nullable: true }) criticalBurnRate?: number | null;
  @Field(() => Float, { nullable: true }) pageBurnRate?: number | null;
  @Field(() => Int, { nullable: true }) criticalSustainSeconds?: number | null;
  @Field(() => Int, { nullable: true }) severeSustainSeconds?: number | null;
  @Field(() => Float, { nullable: true }) sequentialBeta?: number | null;
  @Field(() => Int, { nullable: true }) passK?: number | null;
  @Field(() => Int, { nullable: true }) minEvaluatedTicks?: number | null;
  @Field(() => Int, { nullable: true }) consecutiveErrorLimit?: number | null;
  @Field(() => Int, { nullable: true }) maxRoutes?: number | null;
  @Field(() => Int, { nullable: true }) routeMinRequests?: number | null;
}

@InputType({
  description:
    'A secret by reference: the environment variable of the Shipwatch server holding it, read when a rollback is requested (only the name is stored)',
})
export class SecretReferenceInput {
  @Field(() => String, { description: 'e.g. ROLLBACK_WEBHOOK_SECRET' })
  env!: string;
}

@InputType({
  description:
    'Fields by kind: WEBHOOK url+secret (or secretFrom); GITHUB_* repository+token (or tokenFrom) (+workflow, ref); GITLAB projectId+ref+token (or tokenFrom)',
})
export class RollbackTargetInput {
  @Field(() => RollbackTargetKindEnum)
  kind!: RollbackTargetKindEnum;

  @Field(() => String, { nullable: true }) url?: string | null;
  @Field(() => String, { nullable: true, description: 'WEBHOOK: stored inline (or secretFrom)' })
  secret?: string | null;
  @Field(() => SecretReferenceInput, {
    nullable: true,
    description: 'WEBHOOK: the HMAC secret read from an environment variable of the server',
  })
  secretFrom?: SecretReferenceInput | null;
  @Field(() => String, { nullable: true }) repository?: string | null;
  @Field(() => String, { nullable: true, description: 'Stored inline (or tokenFrom)' })
  token?: string | null;
  @Field(() => SecretReferenceInput, {
    nullable: true,
    description: 'GitHub and GitLab: the token read from an environment variable of the server',
  })
  tokenFrom?: SecretReferenceInput | null;
  @Field(() => String, { nullable: true }) eventType?: string | null;
  @Field(() => String, { nullable: true }) workflow?: string | null;
  @Field(() => String, { nullable: true }) ref?: string | null;
  @Field(() => String, { nullable: true }) projectId?: string | null;
  @Field(() => String, { nullable: true }) apiUrl?: string | null;
}

@InputType({ description: 'The verification policy of one service and environment (an upsert)' })
export class PolicySpecInput {
  @Field(() => VerificationModeEnum, { nullable: true, description: 'default ADVISE' })
  mode?: VerificationModeEnum | null;

  @Field(() => [SliInput], {
    nullable: true,
    description:
      'default: the OpenTelemetry presets the service exports (HTTP server, RPC server, messaging consumer), errors and latency of each',
  })
  slis?: SliInput[] | null;

  @Field(() => [ThresholdCheckInput], { nullable: true })
  checks?: ThresholdCheckInput[] | null;

  @Field(() => VerificationTimingInput, { nullable: true })
  timing?: VerificationTimingInput | null;

  @Field(() => AnalysisParametersInput, { nullable: true })
  analysis?: AnalysisParametersInput | null;

  @Field(() => Boolean, {
    nullable: true,
    description:
      'A late regression (after HEALTHY) requests a rollback in ENFORCE mode; default false: attributed and alerted only',
  })
  lateRegressionRollback?: boolean | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Multi-target releases: the Prometheus label carrying a deployment’s target (e.g. region); a targeted deployment’s queries then read only the series with that label equal to its target. Null: every series',
  })
  targetLabel?: string | null;
}

@InputType()
export class SaveVerificationPolicyInput extends PolicySpecInput {
  @Field(() => String, { description: 'OpenTelemetry service.name' })
  service!: string;

  @Field(() => String, { nullable: true, description: 'OpenTelemetry service.namespace' })
  namespace?: string | null;

  @Field(() => String, { description: 'deployment.environment.name' })
  environment!: string;

  @Field(() => RollbackTargetInput, {
    nullable: true,
    description: 'Replaces the stored target; omitted keeps it',
  })
  rollbackTarget?: RollbackTargetInput | null;

  @Field(() => Boolean, { nullable: true, description: 'Removes the stored rollback target' })
  clearRollbackTarget?: boolean | null;

  @Field(() => [AlertChannelEnum], { nullable: true, description: 'default: none' })
  alertChannels?: AlertChannelEnum[] | null;
}
