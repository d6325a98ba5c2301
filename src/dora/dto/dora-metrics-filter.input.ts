import { Field, InputType, registerEnumType } from '@nestjs/graphql';
import { Attribution, EnvironmentTier } from '../../delivery/models/delivery.enums.js';

export enum DoraGranularity {
  DAY = 'day',
  WEEK = 'week',
  MONTH = 'month',
}
registerEnumType(DoraGranularity, {
  name: 'DoraGranularity',
  description: 'Calendar buckets in the report timezone',
});

/** Values are ISO weekday numbers. */
export enum Weekday {
  MONDAY = 1,
  TUESDAY = 2,
  WEDNESDAY = 3,
  THURSDAY = 4,
  FRIDAY = 5,
  SATURDAY = 6,
  SUNDAY = 7,
}
registerEnumType(Weekday, { name: 'Weekday' });

@InputType({ description: 'What a DORA report covers; every list narrows it (AND across lists)' })
export class DoraMetricsFilter {
  @Field(() => [String], {
    nullable: true,
    description: 'Services by name or namespace/name; none = every service',
  })
  services?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Owning teams; none = every team' })
  teams?: string[] | null;

  @Field(() => EnvironmentTier, { defaultValue: EnvironmentTier.PRODUCTION })
  environment!: EnvironmentTier;

  @Field(() => Date, { description: 'Start of the window (inclusive)' })
  from!: Date;

  @Field(() => Date, { description: 'End of the window (exclusive)' })
  to!: Date;

  @Field(() => String, {
    defaultValue: 'UTC',
    description: 'IANA timezone of the calendar buckets, e.g. Europe/Berlin',
  })
  timezone!: string;

  @Field(() => DoraGranularity, { defaultValue: DoraGranularity.WEEK })
  granularity!: DoraGranularity;

  @Field(() => Weekday, { defaultValue: Weekday.MONDAY, description: 'First day of a WEEK bucket' })
  weekStartsOn!: Weekday;

  @Field(() => [Attribution], {
    nullable: true,
    description:
      'Count only the failures and rework with one of these attributions (change failure rate, recovery time, rework rate; docs/dora.md); none = every attribution',
  })
  attributions?: Attribution[] | null;
}
