import { inferEnvironmentTier } from './environment-tier.rule.js';

describe('inferEnvironmentTier', () => {
  it.each([
    ['production', 'production'],
    ['Prod', 'production'],
    ['prd', 'production'],
    ['live', 'production'],
    ['prod-eu-west-1', 'production'],
    ['eu_prod', 'production'],
    ['staging', 'staging'],
    ['stage', 'staging'],
    ['stg', 'staging'],
    ['preprod', 'staging'],
    ['test', 'testing'],
    ['testing', 'testing'],
    ['qa', 'testing'],
    ['ci', 'testing'],
    ['dev', 'development'],
    ['review/feature-x', 'development'],
    ['producer', 'development'],
    ['prod1', 'production'],
    ['prod-eu', 'production'],
    ['production-us-east', 'production'],
    ['test123', 'testing'],
    ['qa2', 'testing'],
    ['uat', 'staging'],
    ['pre-prod', 'staging'],
    ['pre_prod_eu', 'staging'],
    ['non-prod', 'development'],
    ['nonprod', 'development'],
    ['dev2', 'development'],
  ])('%s is %s', (name, tier) => {
    expect(inferEnvironmentTier(name)).toBe(tier);
  });
});
