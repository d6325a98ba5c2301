import { Field, ID, ObjectType } from '@nestjs/graphql';
import { EnvironmentTier } from './delivery.enums.js';

@ObjectType({ description: 'A service, as its workload reports service.name / service.namespace' })
export class Service {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'Empty when the workload sets none' })
  namespace!: string;

  @Field(() => String, {
    nullable: true,
    description: 'The owning team now (see `owners` for the history)',
  })
  team!: string | null;

  @Field(() => String, { nullable: true })
  repository!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'From the service catalog (Backstage spec.lifecycle)',
  })
  lifecycle!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The catalog entity that describes it, e.g. component:default/cart',
  })
  catalogEntity!: string | null;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType()
export class Environment {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => EnvironmentTier)
  tier!: EnvironmentTier;
}
