import { Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { NOT_VERIFIED_REASONS } from '../verification-coverage.rule.js';

export const NotVerifiedReasonEnum = Object.fromEntries(
  NOT_VERIFIED_REASONS.map((r) => [r, r]),
) as { [K in (typeof NOT_VERIFIED_REASONS)[number]]: K };
registerEnumType(NotVerifiedReasonEnum, {
  name: 'NotVerifiedReason',
  description:
    'Why a release is not verified: PROMETHEUS_NOT_CONFIGURED (PROMETHEUS_URL unset: nothing can be judged); NO_POLICY (none saved, and the default covers production-tier environments only); NOT_FINISHED (QUEUED or IN_PROGRESS); DEPLOYMENT_NOT_SUCCEEDED (FAILED, CANCELLED, ROLLED_BACK); FINISHED_TOO_LONG_AGO (history); NOT_STARTED (a policy applies now but did not when it succeeded)',
});

@ObjectType('VerificationCoverage', {
  description:
    'Whether a deployment’s release is verified and, when not, why: what a pipeline gate reads before it waits for a verdict',
})
export class VerificationCoverageModel {
  @Field(() => ID)
  deploymentId!: string;

  @Field(() => String)
  deploymentStatus!: string;

  @Field(() => Boolean, { description: 'A release verification exists (see releaseVerification)' })
  verified!: boolean;

  @Field(() => Boolean, { description: 'PROMETHEUS_URL is set on this Shipwatch' })
  prometheusConfigured!: boolean;

  @Field(() => NotVerifiedReasonEnum, {
    nullable: true,
    description: 'Why the release is not (or cannot be) judged; null when it is verified',
  })
  reason!: (typeof NOT_VERIFIED_REASONS)[number] | null;

  @Field(() => String)
  message!: string;
}
