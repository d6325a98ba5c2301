import { DomainError } from '../common/errors/domain-error.js';
import type { PolicyProblem } from './verification-policy.js';

export const invalidPolicy = (problems: readonly PolicyProblem[]): DomainError =>
  new DomainError(
    'INVALID_POLICY',
    `invalid verification policy: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
    { httpStatus: 400, details: { problems } },
  );

export const prometheusUnavailable = (message: string): DomainError =>
  new DomainError('PROMETHEUS_UNAVAILABLE', message, { httpStatus: 503 });

export const policyNotFound = (id: string): DomainError =>
  new DomainError('POLICY_NOT_FOUND', `verification policy ${id} does not exist`, {
    httpStatus: 404,
  });

export const deploymentNotFound = (id: string): DomainError =>
  new DomainError('DEPLOYMENT_NOT_FOUND', `deployment ${id} does not exist`, { httpStatus: 404 });
