import { Field, Float, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { JsonScalar, type JsonValue } from '../../common/graphql/scalars.js';

export enum LateWatchStateEnum {
  WATCHING = 'WATCHING',
  REGRESSED = 'REGRESSED',
  SUPERSEDED = 'SUPERSEDED',
  ENDED = 'ENDED',
}
registerEnumType(LateWatchStateEnum, {
  name: 'LateWatchState',
  description:
    'WATCHING (checks every lateWatchIntervalSeconds); REGRESSED (a late regression was found: attributed, alerted once); SUPERSEDED (a newer deployment of the service and environment); ENDED (lateWatchSeconds after the deploy, quiet)',
});

@ObjectType('LateRegression', {
  description:
    'A burn-rate regression of a HEALTHY release during its late watch: the release is a suspected cause of the incident (incident triage)',
})
export class LateRegressionModel {
  @Field(() => Date)
  detectedAt!: Date;

  @Field(() => String, { description: 'The SLI that burnt its budget' })
  sli!: string;

  @Field(() => String, { description: 'The long and short windows, e.g. `1h/5m` or `6h/30m`' })
  burnWindow!: string;

  @Field(() => Float, { description: 'The burn rate both windows reached (14.4 or 6 by default)' })
  factor!: number;

  @Field(() => Float)
  longBurnRate!: number;

  @Field(() => Float)
  shortBurnRate!: number;

  @Field(() => Date, { description: 'The start of the short window (the alert’s startsAt)' })
  onsetAt!: Date;

  @Field(() => String)
  reason!: string;

  @Field(() => JsonScalar, {
    description: 'Every pair of every SLI at the check: windows, counts, burn rates',
  })
  evidence!: JsonValue;

  @Field(() => ID, {
    nullable: true,
    description: 'The incident the release is a suspected cause of (null in DRY_RUN mode)',
  })
  incidentId!: string | null;

  @Field(() => Boolean, { description: 'The incident was opened for this finding' })
  incidentOpened!: boolean;

  @Field(() => Boolean)
  rollbackRequested!: boolean;

  @Field(() => String, {
    nullable: true,
    description: 'Why a rollback the policy asked for was not requested',
  })
  rollbackBlockedReason!: string | null;
}

@ObjectType('LateWatch', {
  description:
    'The watch of a HEALTHY release for burn-rate regressions until its attribution window ends',
})
export class LateWatchModel {
  @Field(() => LateWatchStateEnum)
  state!: LateWatchStateEnum;

  @Field(() => Date)
  watchUntil!: Date;

  @Field(() => Date, { nullable: true })
  nextCheckAt!: Date | null;

  @Field(() => Int)
  checks!: number;

  @Field(() => Date, { nullable: true })
  lastCheckedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  endedAt!: Date | null;

  @Field(() => [LateRegressionModel])
  regressions!: LateRegressionModel[];
}
