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

  @Field(() => String, { nullable: true })
  team!: string | null;

  @Field(() => String, { nullable: true })
  repository!: string | null;

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
