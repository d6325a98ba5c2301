import { ArgsType, Field, ID, Int, registerEnumType } from '@nestjs/graphql';

export enum HumanVerdictEnum {
  HEALTHY = 'HEALTHY',
  FAILED = 'FAILED',
}
registerEnumType(HumanVerdictEnum, { name: 'HumanVerdict' });

@ArgsType()
export class VerificationDecisionArgs {
  @Field(() => ID, { description: 'ReleaseVerification.id' })
  verificationId!: string;

  @Field(() => String, { description: 'Why (1 to 1000 characters): kept in the audit' })
  reason!: string;
}

@ArgsType()
export class DecideVerificationArgs extends VerificationDecisionArgs {
  @Field(() => HumanVerdictEnum)
  verdict!: HumanVerdictEnum;
}

@ArgsType()
export class ExtendBakeArgs extends VerificationDecisionArgs {
  @Field(() => Int, { description: '60 to 3600; the verification may not run over a day' })
  seconds!: number;
}

@ArgsType()
export class DismissSliRiskArgs extends VerificationDecisionArgs {
  @Field(() => String, { description: 'The name of an SLI or check of the verification’s policy' })
  sli!: string;
}
