import { Field, ObjectType, registerEnumType } from '@nestjs/graphql';
import {
  GATE_DECISIONS,
  GATE_REASON_CODES,
  GATE_REASON_LEVELS,
  type GateDecision,
  type GateReasonCode,
  type GateReasonLevel,
} from '../gate.rule.js';

const enumOf = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

export const GateDecisionEnum = enumOf(GATE_DECISIONS);
registerEnumType(GateDecisionEnum, {
  name: 'GateDecision',
  description:
    'ALLOW: nothing speaks against the deployment; WARN: something should be looked at (the deployment may go); DENY: do not deploy now',
});
export const GateReasonLevelEnum = enumOf(GATE_REASON_LEVELS);
registerEnumType(GateReasonLevelEnum, {
  name: 'GateReasonLevel',
  description: 'WARN, DENY, or UNKNOWN (the check could not be made: the answer is incomplete)',
});
export const GateReasonCodeEnum = enumOf(GATE_REASON_CODES);
registerEnumType(GateReasonCodeEnum, {
  name: 'GateReasonCode',
  description:
    'LOCKED, FREEZE (a freeze window is open), INCIDENT_OPEN (on the service), AUTO_LOCKED (an incident of the environment locks it, by configuration), VERSION_FAILED (this version was judged FAILED before), VERIFICATION_RUNNING, ENV_DEGRADED (latest verdict here within the hour), ERROR_BUDGET_BURNING (at the policy’s page rate over the last hour) deny; ENVIRONMENT_INCIDENT_OPEN (other services) and UNKNOWN_SERVICE warn (UNKNOWN_SERVICE leaves the decision ALLOW); ERROR_BUDGET_UNKNOWN: the burn could not be read',
});

@ObjectType('GateReason')
export class GateReasonModel {
  @Field(() => GateReasonCodeEnum)
  code!: GateReasonCode;

  @Field(() => GateReasonLevelEnum)
  level!: GateReasonLevel;

  @Field(() => String)
  message!: string;
}

@ObjectType('DeploymentGate', {
  description: 'May this version of a service be deployed to this environment now, and why (not)',
})
export class DeploymentGateModel {
  @Field(() => String)
  service!: string;

  @Field(() => String)
  namespace!: string;

  @Field(() => String)
  environment!: string;

  @Field(() => String, { nullable: true })
  version!: string | null;

  @Field(() => GateDecisionEnum)
  decision!: GateDecision;

  @Field(() => Boolean, {
    description: 'False when a check could not be made (a reason of level UNKNOWN)',
  })
  complete!: boolean;

  @Field(() => [GateReasonModel])
  reasons!: GateReasonModel[];

  @Field(() => Date)
  evaluatedAt!: Date;
}
