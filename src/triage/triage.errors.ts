import { DomainError } from '../common/errors/domain-error.js';

/** The coded errors of incident triage (`extensions.code`). */
export const incidentNotFound = (id: string): DomainError =>
  new DomainError('INCIDENT_NOT_FOUND', `no incident has id ${id}`, { httpStatus: 404 });

export const deploymentNotFound = (id: string): DomainError =>
  new DomainError('DEPLOYMENT_NOT_FOUND', `no deployment has id ${id}`, { httpStatus: 404 });

export const explicitCause = (incident: string, deployment: string): DomainError =>
  new DomainError(
    'INCIDENT_CAUSE_EXPLICIT',
    `the events of incident ${incident} name deployment ${deployment} as its cause; explicit causes win over triage, so correct them at their source`,
    { httpStatus: 409 },
  );
