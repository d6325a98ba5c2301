import { ArgsType, Field, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { DeployLockScope } from '../locks/deploy-lock.model.js';
import type { LockScope } from '../locks/deploy-lock.rule.js';

@ObjectType('FreezeOccurrence', { description: 'The occurrence of a freeze window in force now' })
export class FreezeOccurrenceModel {
  @Field(() => Date, { description: 'The cron fire that opened it' })
  start!: Date;

  @Field(() => Date, { description: 'When it ends (start + duration, or activeUntil if sooner)' })
  end!: Date;
}

@ObjectType({
  description:
    'A recurring freeze window: at every fire of `cron` in `timeZone`, for `durationMinutes`, deploymentGate DENYs what it covers (FREEZE)',
})
export class FreezeWindow {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => DeployLockScope)
  scope!: LockScope;

  @Field(() => String, { nullable: true })
  service!: string | null;

  @Field(() => String)
  namespace!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Null for a service frozen in every environment, or for EVERYTHING',
  })
  environment!: string | null;

  @Field(() => String, { description: 'Five fields: minute hour day-of-month month day-of-week' })
  cron!: string;

  @Field(() => String, { description: 'The IANA time zone the cron is read in' })
  timeZone!: string;

  @Field(() => Int)
  durationMinutes!: number;

  @Field(() => String)
  reason!: string;

  @Field(() => String, { description: '`token:<id>` or `bootstrap`' })
  createdBy!: string;

  @Field(() => String, { description: 'The name of the token used' })
  createdByName!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'Freezes from then on; null: since created' })
  activeFrom!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Freezes nothing from then on; null: no end' })
  activeUntil!: Date | null;

  @Field(() => Date, { nullable: true })
  deletedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'Who deleted it: `token:<id>`, `bootstrap`' })
  deletedBy!: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      '`files`: created by `shipwatch policy apply` from a FreezeWindow file (changed and pruned by it); null: created by a person, never touched by an apply',
  })
  managedBy!: 'files' | null;

  @Field(() => FreezeOccurrenceModel, {
    nullable: true,
    description: 'The occurrence in force now, null when the window freezes nothing now',
  })
  current!: FreezeOccurrenceModel | null;
}

@InputType({
  description:
    'A recurring freeze window over a service (in one environment, or all), an environment, or (neither given) everything',
})
export class FreezeWindowInput {
  @Field(() => String, { description: 'What the gate calls it; 1 to 200 characters' })
  name!: string;

  @Field(() => String, { nullable: true })
  service?: string | null;

  @Field(() => String, { nullable: true, description: 'The service’s namespace (default none)' })
  namespace?: string | null;

  @Field(() => String, { nullable: true })
  environment?: string | null;

  @Field(() => String, {
    description:
      'When each occurrence starts: five cron fields (minute hour day-of-month month day-of-week), e.g. "0 18 * * 5"',
  })
  cron!: string;

  @Field(() => Int, { description: 'How long each occurrence lasts: 1 minute to 31 days' })
  durationMinutes!: number;

  @Field(() => String, {
    description: 'The IANA time zone the cron is read in (e.g. Europe/Berlin), with its DST',
  })
  timeZone!: string;

  @Field(() => String, { description: 'Why (the gate shows it); 1 to 1000 characters' })
  reason!: string;

  @Field(() => Date, { nullable: true, description: 'Freezes from then on (default: now)' })
  activeFrom?: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: 'Freezes nothing from then on; in the future. Default: until deleted',
  })
  activeUntil?: Date | null;
}

@ArgsType()
export class FreezeWindowsArgs {
  @Field(() => Boolean, {
    nullable: true,
    description: 'Deleted windows too (default false)',
  })
  deleted?: boolean | null;

  @Field(() => Int, { nullable: true, description: '1 to 500 (default 100), newest first' })
  first?: number | null;
}
