import { registerEnumType } from '@nestjs/graphql';

/**
 * GraphQL enums of the delivery domain. Values equal the domain strings of
 * src/ingestion/domain-events.ts (and the database), except EnvironmentTier whose GraphQL names
 * are upper case for lower-case stored values.
 */
export enum EnvironmentTier {
  PRODUCTION = 'production',
  STAGING = 'staging',
  TESTING = 'testing',
  DEVELOPMENT = 'development',
}
registerEnumType(EnvironmentTier, {
  name: 'EnvironmentTier',
  description: 'Inferred from the environment name when not given (prod, live -> PRODUCTION, ...)',
});

export enum DeploymentStatus {
  QUEUED = 'QUEUED',
  IN_PROGRESS = 'IN_PROGRESS',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
  ROLLED_BACK = 'ROLLED_BACK',
}
registerEnumType(DeploymentStatus, {
  name: 'DeploymentStatus',
  description:
    'QUEUED < IN_PROGRESS < SUCCEEDED | FAILED | CANCELLED < ROLLED_BACK; a late event never moves a deployment back',
});

export enum DeploymentKind {
  PLANNED = 'PLANNED',
  HOTFIX = 'HOTFIX',
  ROLLBACK = 'ROLLBACK',
  REVERT = 'REVERT',
}
registerEnumType(DeploymentKind, {
  name: 'DeploymentKind',
  description: 'Why a deployment happened',
});

export enum RunStatus {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  FINISHED = 'FINISHED',
}
registerEnumType(RunStatus, { name: 'RunStatus' });

export enum RunOutcome {
  SUCCESS = 'SUCCESS',
  FAILURE = 'FAILURE',
  ERROR = 'ERROR',
  CANCELLED = 'CANCELLED',
  SKIPPED = 'SKIPPED',
  TIMEOUT = 'TIMEOUT',
}
registerEnumType(RunOutcome, { name: 'RunOutcome', description: 'How a FINISHED run ended' });

export enum RemediationTargetKind {
  DEPLOYMENT = 'DEPLOYMENT',
  INCIDENT = 'INCIDENT',
}
registerEnumType(RemediationTargetKind, { name: 'RemediationTargetKind' });

export enum ChangesetStatus {
  PENDING = 'PENDING',
  FROM_EVENT = 'FROM_EVENT',
  FROM_PUSHES = 'FROM_PUSHES',
  ROLLBACK = 'ROLLBACK',
  UNKNOWN = 'UNKNOWN',
}
registerEnumType(ChangesetStatus, {
  name: 'ChangesetStatus',
  description:
    'PENDING: not a successful production deployment (yet); FROM_EVENT: the commits the event listed; FROM_PUSHES: the commits between the previous deployment and this one, from pushes; ROLLBACK: a rollback (labelled or inferred), which carries no new change; UNKNOWN: see changesetNote',
});

export enum LeadTimeExclusion {
  NO_PREDECESSOR = 'NO_PREDECESSOR',
  ROLLBACK_DEPLOYMENT = 'ROLLBACK_DEPLOYMENT',
  ALREADY_DEPLOYED = 'ALREADY_DEPLOYED',
  NO_START_TIME = 'NO_START_TIME',
  NEGATIVE = 'NEGATIVE',
  UNKNOWN_PATHS = 'UNKNOWN_PATHS',
}
registerEnumType(LeadTimeExclusion, {
  name: 'LeadTimeExclusion',
  description:
    'Why a change of a deployment carries no lead time; UNKNOWN_PATHS: its service declares path globs in its repository and nobody named the files it changed (docs/dora.md)',
});

export enum IncidentAttribution {
  EXPLICIT = 'EXPLICIT',
  INFERRED = 'INFERRED',
  CONFIRMED = 'CONFIRMED',
  REJECTED = 'REJECTED',
}
registerEnumType(IncidentAttribution, {
  name: 'IncidentAttribution',
  description:
    'EXPLICIT: the incident’s events name it; INFERRED: a guess (counts only as suspected); CONFIRMED / REJECTED: a person decided in triage (docs/dora.md, "Incident triage")',
});

export enum Attribution {
  EXPLICIT = 'EXPLICIT',
  INFERRED = 'INFERRED',
  CONFIRMED = 'CONFIRMED',
}
registerEnumType(Attribution, {
  name: 'Attribution',
  description:
    'EXPLICIT: the producer said so; INFERRED: an inference rule concluded it (docs/dora.md); CONFIRMED: a person confirmed an inference',
});

export enum InferenceRule {
  ROLLBACK = 'ROLLBACK',
  REVERT = 'REVERT',
  HOTFIX = 'HOTFIX',
}
registerEnumType(InferenceRule, {
  name: 'InferenceRule',
  description:
    'ROLLBACK: a redeploy of an older release; REVERT: carries a revert of a shipped change; HOTFIX: carries a pull request matching the hotfix rules',
});
