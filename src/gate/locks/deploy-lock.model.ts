import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import type { LockScope } from './deploy-lock.rule.js';

export enum DeployLockScope {
  SERVICE = 'SERVICE',
  ENVIRONMENT = 'ENVIRONMENT',
  EVERYTHING = 'EVERYTHING',
}
registerEnumType(DeployLockScope, {
  name: 'DeployLockScope',
  description:
    'SERVICE: one service (in one environment, or in all); ENVIRONMENT: every service in one environment; EVERYTHING: every deployment',
});

@ObjectType({
  description: 'A deploy lock: while it is in force, deploymentGate DENYs what it covers (LOCKED)',
})
export class DeployLock {
  @Field(() => ID)
  id!: string;

  @Field(() => DeployLockScope)
  scope!: LockScope;

  @Field(() => String, { nullable: true })
  service!: string | null;

  @Field(() => String)
  namespace!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Null for a service locked in every environment, or for EVERYTHING',
  })
  environment!: string | null;

  @Field(() => String)
  reason!: string;

  @Field(() => String, { description: '`token:<id>`, `bootstrap` or `slack:<user id>`' })
  lockedBy!: string;

  @Field(() => String, { description: 'The name of the token used, or the Slack user name' })
  lockedByName!: string;

  @Field(() => Date)
  lockedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'Null: until someone unlocks it' })
  until!: Date | null;

  @Field(() => Date, { nullable: true })
  releasedAt!: Date | null;

  @Field(() => String, {
    nullable: true,
    description: 'Who unlocked it: `token:<id>`, `bootstrap` or `slack:<user id>`',
  })
  releasedBy!: string | null;

  @Field(() => Boolean, { description: 'Not released, and `until` (if any) not reached' })
  active!: boolean;
}

@InputType({
  description:
    'What to lock: a service (in one environment, or all), an environment, or (neither given) everything',
})
export class DeployLockInput {
  @Field(() => String, { nullable: true })
  service?: string | null;

  @Field(() => String, { nullable: true, description: 'The service’s namespace (default none)' })
  namespace?: string | null;

  @Field(() => String, { nullable: true })
  environment?: string | null;

  @Field(() => String, { description: 'Why (the gate shows it); 1 to 1000 characters' })
  reason!: string;

  @Field(() => Date, {
    nullable: true,
    description: 'When the lock lapses by itself; in the future. Default: until unlocked',
  })
  until?: Date | null;
}

@ArgsType()
export class DeployLocksArgs {
  @Field(() => Boolean, {
    nullable: true,
    description: 'Only the locks in force (default true); false lists released and lapsed ones too',
  })
  active?: boolean | null;

  @Field(() => Int, { nullable: true, description: '1 to 500 (default 100), newest first' })
  first?: number | null;
}
