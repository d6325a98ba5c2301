import type { EnvironmentTier } from './domain-events.js';

const TIER_BY_NAME: readonly (readonly [EnvironmentTier, readonly string[]])[] = [
  ['production', ['production', 'prod', 'prd', 'live']],
  ['staging', ['staging', 'stage', 'stg', 'preprod', 'pre-prod', 'preproduction']],
  ['testing', ['test', 'testing', 'qa', 'ci']],
];

/**
 * The tier of an environment named without one: `production`, `prod-eu`, `eu-prod` and `live`
 * are production; `staging`, `stg`, `preprod` staging; `test`, `qa`, `ci` testing; anything else
 * development. Words are matched whole, split on `-`, `_`, `.`, `/` and spaces.
 */
export function inferEnvironmentTier(name: string): EnvironmentTier {
  const lower = name.trim().toLowerCase();
  const words = new Set(lower.split(/[-_./\s]+/).filter((w) => w !== ''));
  for (const [tier, names] of TIER_BY_NAME) {
    if (names.includes(lower) || names.some((n) => words.has(n))) return tier;
  }
  return 'development';
}
