import { verificationCoverage, type CoverageFacts } from './verification-coverage.rule.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const facts = (over: Partial<CoverageFacts> = {}): CoverageFacts => ({
  prometheusConfigured: true,
  verified: false,
  deployment: {
    status: 'SUCCEEDED',
    finishedAt: new Date(NOW.getTime() - 60_000),
    service: 'checkout',
    environment: 'production',
    tier: 'production',
  },
  policyMaxVerificationSeconds: 3600,
  savedPolicy: false,
  now: NOW,
  ...over,
});
const staging = { ...facts().deployment, environment: 'stage-eu', tier: 'staging' as const };

describe('verificationCoverage', () => {
  it('names a missing Prometheus first, even when a verification exists (it can only end INCONCLUSIVE)', () => {
    for (const verified of [false, true]) {
      expect(verificationCoverage(facts({ prometheusConfigured: false, verified }))).toEqual({
        reason: 'PROMETHEUS_NOT_CONFIGURED',
        message:
          'this Shipwatch has no Prometheus (PROMETHEUS_URL is not set): it cannot judge checkout in production or any release',
      });
    }
  });

  it('is verified when a verification exists', () => {
    expect(verificationCoverage(facts({ verified: true })).reason).toBeNull();
  });

  it.each([
    ['IN_PROGRESS', 'NOT_FINISHED'],
    ['QUEUED', 'NOT_FINISHED'],
    ['FAILED', 'DEPLOYMENT_NOT_SUCCEEDED'],
    ['CANCELLED', 'DEPLOYMENT_NOT_SUCCEEDED'],
    ['ROLLED_BACK', 'DEPLOYMENT_NOT_SUCCEEDED'],
  ])('a deployment %s is %s', (status, reason) => {
    const f = facts({ deployment: { ...facts().deployment, status } });
    expect(verificationCoverage(f).reason).toBe(reason);
  });

  it('says why no policy applies: the default covers production-tier environments only', () => {
    expect(
      verificationCoverage(facts({ deployment: staging, policyMaxVerificationSeconds: null })),
    ).toEqual({
      reason: 'NO_POLICY',
      message:
        'no verification policy is saved for checkout in stage-eu, and the default policy covers production-tier environments only (stage-eu is staging)',
    });
  });

  it('tells history from a policy that came later', () => {
    const old = { ...facts().deployment, finishedAt: new Date(NOW.getTime() - 7200_000) };
    expect(verificationCoverage(facts({ deployment: old })).reason).toBe('FINISHED_TOO_LONG_AGO');
    expect(verificationCoverage(facts({ savedPolicy: true })).reason).toBe('NOT_STARTED');
  });
});
