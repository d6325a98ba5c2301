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
  ])('%s is %s', (name, tier) => {
    expect(inferEnvironmentTier(name)).toBe(tier);
  });
});
