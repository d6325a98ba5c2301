import { Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { IncidentAttribution } from '../../delivery/models/delivery.enums.js';
import { Deployment } from '../../delivery/models/deployment.model.js';
import { Incident } from '../../delivery/models/incident.model.js';

export enum TriageStatus {
  SUSPECTED = 'SUSPECTED',
  UNRESOLVED = 'UNRESOLVED',
  CONFIRMED = 'CONFIRMED',
  REJECTED = 'REJECTED',
}
registerEnumType(TriageStatus, {
  name: 'TriageStatus',
  description:
    'SUSPECTED: waits for a person (counts only as `suspected`); UNRESOLVED: the incident names a deployment Shipwatch has not seen (counts nowhere until it arrives); CONFIRMED / REJECTED: a person decided',
});

export enum TriageReason {
  INCIDENT_IN_WINDOW = 'INCIDENT_IN_WINDOW',
  INFERRED_CAUSE = 'INFERRED_CAUSE',
  LATE_REGRESSION = 'LATE_REGRESSION',
  NAMED_BY_EVENT = 'NAMED_BY_EVENT',
  REVIEWED = 'REVIEWED',
}
registerEnumType(TriageReason, {
  name: 'TriageReason',
  description:
    'Why the link is listed: INCIDENT_IN_WINDOW (detected in the deployment’s attribution window), INFERRED_CAUSE (an INFERRED cause), LATE_REGRESSION (an INFERRED cause: the release’s SLIs burnt their budget after its HEALTHY verdict, see ReleaseVerification.lateWatch), NAMED_BY_EVENT (a causedBy), REVIEWED (a person confirmed or rejected it)',
});

export enum TriageDecision {
  CONFIRMED = 'CONFIRMED',
  REJECTED = 'REJECTED',
}
registerEnumType(TriageDecision, { name: 'TriageDecision' });

@ObjectType({
  description: 'A possible link between an incident and the deployment that caused it',
})
export class TriageItem {
  @Field(() => Incident)
  incident!: Incident;

  @Field(() => String)
  deploymentSource!: string;

  @Field(() => String)
  deploymentExternalId!: string;

  @Field(() => Deployment, { nullable: true, description: 'null while the deployment is unknown' })
  deployment!: Deployment | null;

  @Field(() => TriageStatus)
  status!: TriageStatus;

  @Field(() => TriageReason)
  reason!: TriageReason;
}

@ObjectType({ description: 'The audit entry of one triage decision: who, when, why' })
export class IncidentCauseReview {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  incidentId!: string;

  @Field(() => String)
  deploymentSource!: string;

  @Field(() => String)
  deploymentExternalId!: string;

  @Field(() => TriageDecision)
  decision!: TriageDecision;

  @Field(() => IncidentAttribution, {
    nullable: true,
    description: 'The link before the decision (null: it was only suspected or unknown)',
  })
  previousAttribution!: IncidentAttribution | null;

  @Field(() => IncidentAttribution, {
    description:
      'The link after the decision: CONFIRMED or REJECTED, or EXPLICIT when the incident’s own events name it (they win)',
  })
  attribution!: IncidentAttribution;

  @Field(() => String)
  reason!: string;

  @Field(() => String, { description: '`token:<id>` or `bootstrap`' })
  actor!: string;

  @Field(() => String, { description: 'The name of the token used' })
  actorName!: string;

  @Field(() => Date)
  reviewedAt!: Date;
}
