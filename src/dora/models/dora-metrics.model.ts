import { Field, Float, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { Attribution, EnvironmentTier } from '../../delivery/models/delivery.enums.js';
import { DoraGranularity, Weekday } from '../dto/dora-metrics-filter.input.js';

export enum DoraLevelEnum {
  ELITE = 'ELITE',
  HIGH = 'HIGH',
  MEDIUM = 'MEDIUM',
  LOW = 'LOW',
}
registerEnumType(DoraLevelEnum, {
  name: 'DoraLevel',
  description:
    'Performance level of one metric in the benchmark set named by DoraMetrics.benchmark',
});

export enum DoraMissingReason {
  EMPTY_WINDOW = 'EMPTY_WINDOW',
  NO_DEPLOYMENTS = 'NO_DEPLOYMENTS',
  NO_LEAD_TIMES = 'NO_LEAD_TIMES',
  NO_RECOVERIES = 'NO_RECOVERIES',
  NO_INCIDENTS = 'NO_INCIDENTS',
}
registerEnumType(DoraMissingReason, {
  name: 'DoraMissingReason',
  description:
    'Why a figure is null: EMPTY_WINDOW (zero-length period), NO_DEPLOYMENTS (no production deployment reached users), NO_LEAD_TIMES (deployments, but no change with a lead time: see exclusions), NO_RECOVERIES (no failed deployment recovered in the period), NO_INCIDENTS',
});

@ObjectType({ description: 'Successful production deployments (status SUCCEEDED or ROLLED_BACK)' })
export class DoraDeploymentFrequency {
  @Field(() => Int, { description: 'Deployments that reached users, finished in the period' })
  deployments!: number;

  @Field(() => Float, { nullable: true, description: 'deployments / days' })
  perDay!: number | null;

  @Field(() => Float, { nullable: true, description: 'perDay * 7' })
  perWeek!: number | null;

  @Field(() => Int, { description: 'Calendar days (report timezone) with at least one deployment' })
  deploymentDays!: number;

  @Field(() => Int, {
    description:
      'Deployments that finished FAILED or CANCELLED (never reached users): not counted anywhere else',
  })
  notReachedUsers!: number;

  @Field(() => DoraLevelEnum, { nullable: true })
  level!: DoraLevelEnum | null;

  @Field(() => DoraMissingReason, { nullable: true })
  reason!: DoraMissingReason | null;
}

@ObjectType()
export class DoraLeadTimeExclusionCount {
  @Field(() => String, {
    description: 'A LeadTimeExclusion code (NO_PREDECESSOR, ALREADY_DEPLOYED, ...) or OTHER',
  })
  reason!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType({
  description: 'Exact percentiles (percentile_cont) of the lead times of deployed changes',
})
export class DoraChangeLeadTime {
  @Field(() => Float, { nullable: true })
  p50Seconds!: number | null;

  @Field(() => Float, { nullable: true })
  p75Seconds!: number | null;

  @Field(() => Float, { nullable: true })
  p90Seconds!: number | null;

  @Field(() => Int, { description: 'Changes with a lead time' })
  count!: number;

  @Field(() => Int, { description: 'Changes of these deployments without a lead time' })
  excluded!: number;

  @Field(() => [DoraLeadTimeExclusionCount], {
    description: 'Excluded changes by reason, non-zero only',
  })
  exclusions!: DoraLeadTimeExclusionCount[];

  @Field(() => DoraLevelEnum, { nullable: true, description: 'From p50' })
  level!: DoraLevelEnum | null;

  @Field(() => DoraMissingReason, { nullable: true })
  reason!: DoraMissingReason | null;
}

@ObjectType({
  description: 'Share of successful production deployments that failed; each counts once',
})
export class DoraChangeFailureRate {
  @Field(() => Float, { nullable: true, description: 'failed / total' })
  ratio!: number | null;

  @Field(() => Int, {
    description: 'Rolled back, remediated by another deployment, or named as cause by an incident',
  })
  failed!: number;

  @Field(() => Int, { description: 'Successful production deployments' })
  total!: number;

  @Field(() => Int, {
    description:
      'Not failed, but an incident was inferred to follow it (INFERRED cause, or detected in its attribution window); not in ratio',
  })
  suspected!: number;

  @Field(() => Float, {
    nullable: true,
    description: '(failed + suspected) / total: an upper bound',
  })
  ratioWithSuspected!: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'The ratio counting only failures with EXPLICIT or CONFIRMED evidence: (failed − dataQuality.failedInferred) / total',
  })
  ratioExplicit!: number | null;

  @Field(() => DoraLevelEnum, { nullable: true })
  level!: DoraLevelEnum | null;

  @Field(() => DoraMissingReason, { nullable: true })
  reason!: DoraMissingReason | null;
}

@ObjectType({
  description: 'Failed deployment recovery time, of recoveries that happened in the period',
})
export class DoraRecoveryTime {
  @Field(() => Float, { nullable: true })
  p50Seconds!: number | null;

  @Field(() => Float, { nullable: true })
  p90Seconds!: number | null;

  @Field(() => Int, { description: 'Failed deployments that recovered in the period' })
  count!: number;

  @Field(() => Int, {
    description: 'Failed deployments finished in the period with no known recovery yet',
  })
  failedNotRecovered!: number;

  @Field(() => DoraLevelEnum, { nullable: true, description: 'From p50' })
  level!: DoraLevelEnum | null;

  @Field(() => DoraMissingReason, { nullable: true })
  reason!: DoraMissingReason | null;
}

@ObjectType({ description: 'Share of successful production deployments that were unplanned' })
export class DoraReworkRate {
  @Field(() => Float, { nullable: true, description: 'reworked / total' })
  ratio!: number | null;

  @Field(() => Int, {
    description: 'Kind HOTFIX, ROLLBACK or REVERT, or naming what they remediate',
  })
  reworked!: number;

  @Field(() => Int)
  total!: number;

  @Field(() => Float, {
    nullable: true,
    description:
      'The ratio counting only labelled rework: (reworked − dataQuality.reworkedInferred) / total',
  })
  ratioExplicit!: number | null;

  @Field(() => DoraLevelEnum, {
    nullable: true,
    description: 'Null when the benchmark set publishes no levels for rework rate',
  })
  level!: DoraLevelEnum | null;

  @Field(() => DoraMissingReason, { nullable: true })
  reason!: DoraMissingReason | null;
}

@ObjectType({ description: 'How much of the data the figures rest on is complete' })
export class DoraDataQuality {
  @Field(() => Int, { description: 'Successful production deployments whose changes are known' })
  deploymentsWithKnownChangeset!: number;

  @Field(() => Float, { nullable: true })
  knownChangesetShare!: number | null;

  @Field(() => Int, { description: 'Incidents of the scope detected in the period' })
  incidents!: number;

  @Field(() => Int, {
    description: 'Incidents naming a deployment as cause (EXPLICIT or CONFIRMED)',
  })
  incidentsAttributed!: number;

  @Field(() => Int, {
    description: 'Attributed, or inferred (INFERRED cause or attribution window)',
  })
  incidentsAttributedOrInferred!: number;

  @Field(() => Float, { nullable: true, description: 'incidentsAttributed / incidents' })
  attributedIncidentShare!: number | null;

  @Field(() => Int, {
    description:
      'Failed deployments whose only evidence is INFERRED (a rollback by redeploy, a revert or a hotfix rule)',
  })
  failedInferred!: number;

  @Field(() => Int, {
    description: 'Reworked deployments that are rework only by an inference rule',
  })
  reworkedInferred!: number;

  @Field(() => Int, {
    description:
      'Changes left without a lead time because their service declares path globs in their repository and nobody named the files they changed (changeLeadTime.exclusions UNKNOWN_PATHS)',
  })
  changesUnknownPaths!: number;

  @Field(() => DoraMissingReason, {
    nullable: true,
    description: 'Why knownChangesetShare is null',
  })
  changesetReason!: DoraMissingReason | null;

  @Field(() => DoraMissingReason, {
    nullable: true,
    description: 'Why attributedIncidentShare is null',
  })
  incidentReason!: DoraMissingReason | null;
}

@ObjectType({ description: 'One metric scored as the DORA Quick Check scores it' })
export class DoraQuickCheckFigure {
  @Field(() => Float, {
    nullable: true,
    description:
      'The Quick Check answer the measured figure corresponds to: 1 (worst) to 6 (best) for frequency and durations, a percentage for rates; null when the figure is',
  })
  answer!: number | null;

  @Field(() => String, { nullable: true, description: 'The Quick Check wording of the answer' })
  answerLabel!: string | null;

  @Field(() => Float, { nullable: true, description: '0-10, 10 the best' })
  score!: number | null;

  @Field(() => Float, { description: 'Industry mean of the edition, 0-10, 10 the best' })
  industryMean!: number;

  @Field(() => Float, { description: 'Industry standard deviation of the edition' })
  industryStd!: number;
}

@ObjectType({ description: "A Quick Check factor: the mean of its metrics' scores" })
export class DoraQuickCheckAggregate {
  @Field(() => Float, {
    nullable: true,
    description: '0-10 over the metrics with a score; null when none has',
  })
  score!: number | null;

  @Field(() => Float)
  industryMean!: number;

  @Field(() => Float)
  industryStd!: number;
}

@ObjectType({
  description:
    'The period scored with the DORA Quick Check (docs/dora.md, "Quick Check scores"): each metric 0-10, throughput, stability and performance, beside the edition\'s industry means',
})
export class DoraQuickCheck {
  @Field(() => String, { description: 'Scoring set id, e.g. dora-2025' })
  edition!: string;

  @Field(() => String)
  title!: string;

  @Field(() => String)
  url!: string;

  @Field(() => String, { description: 'Whose means industryMean is: "All industries"' })
  industry!: string;

  @Field(() => DoraQuickCheckFigure)
  deploymentFrequency!: DoraQuickCheckFigure;

  @Field(() => DoraQuickCheckFigure, { description: 'From the p50' })
  changeLeadTime!: DoraQuickCheckFigure;

  @Field(() => DoraQuickCheckFigure, { description: 'From the p50' })
  failedDeploymentRecoveryTime!: DoraQuickCheckFigure;

  @Field(() => DoraQuickCheckFigure)
  changeFailureRate!: DoraQuickCheckFigure;

  @Field(() => DoraQuickCheckFigure)
  deploymentReworkRate!: DoraQuickCheckFigure;

  @Field(() => DoraQuickCheckAggregate, {
    description: 'Lead time, frequency and recovery (recovery is a throughput metric since 2024)',
  })
  throughput!: DoraQuickCheckAggregate;

  @Field(() => DoraQuickCheckAggregate, { description: 'Change failure and rework' })
  stability!: DoraQuickCheckAggregate;

  @Field(() => DoraQuickCheckAggregate, { description: 'All five' })
  performance!: DoraQuickCheckAggregate;
}

@ObjectType({ description: 'The whole window or one calendar bucket of it' })
export class DoraPeriod {
  @Field(() => Date)
  start!: Date;

  @Field(() => Date)
  end!: Date;

  @Field(() => String, {
    description:
      'Local date (report timezone) the calendar bucket starts on; "window" for the window',
  })
  label!: string;

  @Field(() => Float, {
    description: 'Wall-clock days in the report timezone (a DST day is one day)',
  })
  days!: number;

  @Field(() => DoraDeploymentFrequency)
  deploymentFrequency!: DoraDeploymentFrequency;

  @Field(() => DoraChangeLeadTime)
  changeLeadTime!: DoraChangeLeadTime;

  @Field(() => DoraChangeFailureRate)
  changeFailureRate!: DoraChangeFailureRate;

  @Field(() => DoraRecoveryTime)
  failedDeploymentRecoveryTime!: DoraRecoveryTime;

  @Field(() => DoraReworkRate)
  deploymentReworkRate!: DoraReworkRate;

  @Field(() => DoraDataQuality)
  dataQuality!: DoraDataQuality;

  @Field(() => DoraQuickCheck, {
    description: 'The same figures scored with the DORA Quick Check 2025 (dora-2025)',
  })
  quickCheck!: DoraQuickCheck;
}

@ObjectType({ description: 'The published DORA report the levels come from' })
export class DoraBenchmark {
  @Field(() => String)
  id!: string;

  @Field(() => String)
  report!: string;

  @Field(() => Int)
  year!: number;

  @Field(() => String)
  url!: string;

  @Field(() => String)
  note!: string;
}

@ObjectType({ description: 'What the report covers, as resolved' })
export class DoraScope {
  @Field(() => EnvironmentTier)
  environment!: EnvironmentTier;

  @Field(() => [String], {
    nullable: true,
    description: 'The services matched by the filter; null when it names none (every service)',
  })
  services!: string[] | null;

  @Field(() => [String], { description: 'Filter entries that matched no service' })
  unmatchedServices!: string[];

  @Field(() => [String], { nullable: true })
  teams!: string[] | null;

  @Field(() => String)
  timezone!: string;

  @Field(() => DoraGranularity)
  granularity!: DoraGranularity;

  @Field(() => Weekday)
  weekStartsOn!: Weekday;

  @Field(() => [Attribution], {
    nullable: true,
    description: 'The attributions counted; null when the filter names none (every one)',
  })
  attributions!: Attribution[] | null;
}

export enum DoraLeadTimeStageName {
  CODING = 'CODING',
  REVIEW = 'REVIEW',
  WAITING = 'WAITING',
  DEPLOYING = 'DEPLOYING',
}
registerEnumType(DoraLeadTimeStageName, {
  name: 'DoraLeadTimeStageName',
  description:
    "CODING: a pull request's first commit to its opening; REVIEW: opened to merged; WAITING: merged to the start of the deployment that first shipped it; DEPLOYING: a deployment's start to its finish",
});

@ObjectType({ description: 'One stage of change lead time (docs/dora.md, "Lead-time stages")' })
export class DoraLeadTimeStage {
  @Field(() => DoraLeadTimeStageName)
  stage!: DoraLeadTimeStageName;

  @Field(() => Float, { nullable: true, description: 'Median, in seconds; null without samples' })
  p50Seconds!: number | null;

  @Field(() => Float, { nullable: true, description: '90th percentile, in seconds' })
  p90Seconds!: number | null;

  @Field(() => Int, {
    description:
      'Pull requests (deployments for DEPLOYING) whose two ends of the stage are known and in order',
  })
  samples!: number;
}

@ObjectType({
  description:
    'Time between production deployments, batch size and lead-time stages over the window, in the same scope (docs/dora.md, "Flow figures")',
})
export class DoraFlow {
  @Field(() => Float, {
    nullable: true,
    description:
      'Median time between consecutive successful deployments of a service, both finished in the window, in seconds; null when no service deployed twice',
  })
  intervalP50Seconds!: number | null;

  @Field(() => Float, { nullable: true, description: '90th percentile of the same, in seconds' })
  intervalP90Seconds!: number | null;

  @Field(() => Int, { description: 'Time gaps measured' })
  intervals!: number;

  @Field(() => Float, {
    nullable: true,
    description:
      'Median number of changes a deployment shipped for the first time (deployments with a known changeset that shipped at least one; rollbacks excluded)',
  })
  batchChangesP50!: number | null;

  @Field(() => Float, { nullable: true, description: '90th percentile of the same' })
  batchChangesP90!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'Median number of distinct pull requests among those changes',
  })
  batchPullRequestsP50!: number | null;

  @Field(() => Float, { nullable: true, description: '90th percentile of the same' })
  batchPullRequestsP90!: number | null;

  @Field(() => Int, { description: 'Deployments the batch figures rest on' })
  batches!: number;

  @Field(() => Int, {
    description:
      'Deployments with a known changeset that shipped no new change (a redeploy, a configuration change): not batches of 0',
  })
  deploymentsWithoutChanges!: number;

  @Field(() => Int, {
    description:
      'Deployments that finished while a deploy lock or a freeze window covering them was in force: counted as deployments all the same, and flagged here (docs/gate.md)',
  })
  deploymentsDuringFreezes!: number;

  @Field(() => [DoraLeadTimeStage], {
    description: 'Where change lead time goes: CODING, REVIEW, WAITING, DEPLOYING, in that order',
  })
  leadTimeStages!: DoraLeadTimeStage[];
}

/** What a report was asked for, kept for the fields resolved after it (flow). */
export interface DoraRequest {
  readonly from: Date;
  readonly to: Date;
  readonly tier: string;
  readonly services: string[] | null;
  readonly teams: string[] | null;
}

@ObjectType({
  description: 'The five DORA metrics of a window and of each of its calendar buckets',
})
export class DoraMetrics {
  /** Not a GraphQL field: the request, for DoraResolver.flow. */
  request?: DoraRequest;

  @Field(() => String, {
    description: 'Version of the definitions (docs/dora.md) the figures follow',
  })
  definitionVersion!: string;

  @Field(() => DoraBenchmark)
  benchmark!: DoraBenchmark;

  @Field(() => DoraScope)
  scope!: DoraScope;

  @Field(() => DoraPeriod)
  window!: DoraPeriod;

  @Field(() => [DoraPeriod])
  buckets!: DoraPeriod[];
}
