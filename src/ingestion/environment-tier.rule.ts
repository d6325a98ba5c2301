import type { EnvironmentTier } from './domain-events.js';

const TIER_BY_NAME: readonly (readonly [EnvironmentTier, readonly string[]])[] = [
  ['production', ['production', 'prod', 'prd', 'live']],
  ['staging', ['staging', 'stage', 'stg', 'preprod', 'preproduction', 'uat']],
  ['testing', ['test', 'testing', 'qa', 'ci']],
];

/**
 * The tier of an environment named without one: `production`, `prod-eu`, `prod1`,
 * `production-us-east` and `live` are production; `staging`, `stg`, `preprod`, `pre-prod`,
 * `uat` staging; `test`, `test123`, `qa`, `ci` testing; anything else (`nonprod`, `non-prod`,
 * `dev`) development. Words are matched whole, split on `-`, `_`, `.`, `/` and spaces, with
 * trailing digits ignored (`prod1`, `qa2`); `pre-`/`non-` join the word they prefix.
 */
export function inferEnvironmentTier(name: string): EnvironmentTier {
  const lower = name
    .trim()
    .toLowerCase()
    .replace(/\b(pre|non)[-_. ]+(?=prod)/g, '$1');
  const words = new Set(
    lower
      .split(/[-_./\s]+/)
      .filter((w) => w !== '')
      .map((w) => w.replace(/\d+$/, '')),
  );
  for (const [tier, names] of TIER_BY_NAME) {
    if (names.includes(lower) || names.some((n) => words.has(n))) return tier;
  }
  return 'development';
}
