import { DomainError } from '../common/errors/domain-error.js';
import type { PolicyProblem } from './verification-policy.js';

export const invalidPolicy = (problems: readonly PolicyProblem[]): DomainError =>
  new DomainError(
    'INVALID_POLICY',
    `invalid verification policy: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
    { httpStatus: 400, details: { problems } },
  );

const listed = (problems: readonly PolicyProblem[]): string =>
  problems.map((p) => `${p.field}: ${p.message}`).join('; ');

/** SLI templates of an earlier release (increase()/rate() over {{window}}). */
export const legacyTemplate = (problems: readonly PolicyProblem[]): DomainError =>
  new DomainError(
    'LEGACY_TEMPLATE',
    `SLI templates in the form of earlier releases: ${listed(problems)}`,
    {
      httpStatus: 400,
      details: { problems },
    },
  );

/** SLI templates that read the same series for the new and the previous version. */
export const sidesOverlap = (problems: readonly PolicyProblem[]): DomainError =>
  new DomainError(
    'SIDES_OVERLAP',
    `the new and the previous version would be read from the same series: ${listed(problems)}`,
    {
      httpStatus: 400,
      details: { problems },
    },
  );

/** Windows that cannot hold a fresh sample at the scrape interval Prometheus shows. */
export const windowShorterThanScrapeInterval = (
  scrapeIntervalSeconds: number,
  problems: readonly PolicyProblem[],
): DomainError =>
  new DomainError(
    'WINDOW_SHORTER_THAN_SCRAPE_INTERVAL',
    `the counters refresh every ${scrapeIntervalSeconds}s: ${listed(problems)}`,
    { httpStatus: 400, details: { scrapeIntervalSeconds, problems } },
  );

export const prometheusUnavailable = (message: string): DomainError =>
  new DomainError('PROMETHEUS_UNAVAILABLE', message, { httpStatus: 503 });

export const policyNotFound = (id: string): DomainError =>
  new DomainError('POLICY_NOT_FOUND', `verification policy ${id} does not exist`, {
    httpStatus: 404,
  });

export const deploymentNotFound = (id: string): DomainError =>
  new DomainError('DEPLOYMENT_NOT_FOUND', `deployment ${id} does not exist`, { httpStatus: 404 });

export const verificationNotFound = (id: string): DomainError =>
  new DomainError('VERIFICATION_NOT_FOUND', `release verification ${id} does not exist`, {
    httpStatus: 404,
  });

/** A person approved a rollback that cannot be sent (no target, refused, previous version). */
export const rollbackNotPossible = (why: string): DomainError =>
  new DomainError('ROLLBACK_NOT_POSSIBLE', `the rollback cannot be sent: ${why}`, {
    httpStatus: 409,
  });
