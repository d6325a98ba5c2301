import { Field, Float, ID, ObjectType } from '@nestjs/graphql';
import { VerificationModeEnum } from './verification-policy.model.js';
import { VerificationStateEnum, VerificationTickModel } from './release-verification.model.js';

@ObjectType('BacktestDeployment')
export class BacktestDeploymentModel {
  @Field(() => ID)
  deploymentId!: string;

  @Field(() => String, { nullable: true })
  version!: string | null;

  @Field(() => String, { nullable: true })
  previousVersion!: string | null;

  @Field(() => Date)
  finishedAt!: Date;

  @Field(() => VerificationStateEnum, { description: 'RUNNING when history ends before a verdict' })
  verdict!: VerificationStateEnum;

  @Field(() => String)
  reason!: string;

  @Field(() => Date, { nullable: true })
  decidedAt!: Date | null;

  @Field(() => Date, {
    nullable: true,
    description:
      'When the verification first became HEALTHY, even if its watch overturned it later',
  })
  healthyAt!: Date | null;

  @Field(() => Float, { nullable: true, description: 'From the deploy finishing to the verdict' })
  secondsToVerdict!: number | null;

  @Field(() => Boolean, { description: 'FAILED under an ENFORCE policy' })
  wouldRollBack!: boolean;

  @Field(() => Date, { nullable: true, description: 'Start of the first regressing window' })
  firstRegressionAt!: Date | null;

  @Field(() => [VerificationTickModel], {
    description:
      'Every replayed tick with its evidence, as releaseVerification shows the ticks that ran',
  })
  ticks!: VerificationTickModel[];

  @Field(() => String, {
    nullable: true,
    description: 'Deployment actually verified/rolled back status',
  })
  actualStatus!: string | null;
}

@ObjectType('BacktestResult')
export class BacktestResultModel {
  @Field(() => VerificationModeEnum)
  mode!: VerificationModeEnum;

  @Field(() => Boolean)
  isDefaultPolicy!: boolean;

  @Field(() => Date)
  evaluatedAt!: Date;

  @Field(() => [BacktestDeploymentModel])
  deployments!: BacktestDeploymentModel[];
}
