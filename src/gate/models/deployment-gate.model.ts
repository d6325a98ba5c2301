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
    'LOCKED, FREEZE (a freeze window is open), INCIDENT_OPEN (on the service), AUTO_LOCKED (an incident of the environment locks it, by configuration), VERSION_FAILED (this version was judged FAILED before), VERIFICATION_RUNNING, ENV_DEGRADED (latest verdict here within the hour), ERROR_BUDGET_BURNING (at the policy’s page rate over the last hour), WAVE_FAILED (an earlier target of this version FAILED, DEGRADED or was rolled back) and WAVE_VERIFYING (an earlier target is still deploying or verifying) deny; WAVE_UNVERIFIED (an earlier target gave no verdict) warns; ENVIRONMENT_INCIDENT_OPEN (other services) and UNKNOWN_SERVICE warn (UNKNOWN_SERVICE leaves the decision ALLOW); ERROR_BUDGET_UNKNOWN: the burn could not be read',
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

@ObjectType('GateWave', {
  description:
    'An earlier wave of a multi-target release: the latest deployment of this version to another target, and its verification',
})
export class GateWaveModel {
  @Field(() => String)
  target!: string;

  @Field(() => String)
  deploymentId!: string;

  @Field(() => String, { description: 'The deployment’s status, e.g. SUCCEEDED, ROLLED_BACK' })
  status!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Its latest verification’s state (RUNNING, HEALTHY, FAILED, ...); null: none ran',
  })
  verification!: string | null;
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

  @Field(() => String, { nullable: true, description: 'The wave’s target, when asked for one' })
  target!: string | null;

  @Field(() => GateDecisionEnum)
  decision!: GateDecision;

  @Field(() => Boolean, {
    description: 'False when a check could not be made (a reason of level UNKNOWN)',
  })
  complete!: boolean;

  @Field(() => [GateReasonModel])
  reasons!: GateReasonModel[];

  @Field(() => [GateWaveModel], {
    description:
      'With a target and a version: the other targets of this release and their verdicts (WAVE_* reasons come from them)',
  })
  waves!: GateWaveModel[];

  @Field(() => Date)
  evaluatedAt!: Date;
}
