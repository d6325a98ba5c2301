/**
 * Hotfix rules: a merged pull/merge request is a hotfix when it carries one of the labels,
 * its source branch starts with one of the prefixes, or its title contains one of the title
 * patterns. Labels and patterns compare case-insensitively; patterns are plain substrings
 * (never regular expressions: a rule set through the API runs on the ingest path).
 * Pure: no I/O.
 */
export interface HotfixRules {
  readonly labels: readonly string[];
  readonly branchPrefixes: readonly string[];
  readonly titlePatterns: readonly string[];
}

/** The defaults a service without rules of its own uses (docs/dora.md lists them). */
export const DEFAULT_HOTFIX_RULES: HotfixRules = {
  labels: ['hotfix'],
  branchPrefixes: ['hotfix/', 'hotfix-'],
  titlePatterns: ['[hotfix]', 'hotfix:'],
};

export interface PullRequestFacts {
  readonly title?: string | null;
  readonly branch?: string | null;
  readonly labels?: readonly string[] | null;
}

/** Why the pull request is a hotfix (e.g. `label "hotfix"`), or null when it is not one. */
export function hotfixMatch(pr: PullRequestFacts, rules: HotfixRules): string | null {
  const lower = (v: string) => v.toLowerCase();
  const labels = new Set((pr.labels ?? []).map(lower));
  const label = rules.labels.find((l) => labels.has(lower(l)));
  if (label !== undefined) return `label "${label}"`;
  const branch = pr.branch ?? '';
  const prefix = rules.branchPrefixes.find((p) => p !== '' && branch.startsWith(p));
  if (prefix !== undefined) return `branch "${branch}" starts with "${prefix}"`;
  const title = lower(pr.title ?? '');
  const pattern = rules.titlePatterns.find((p) => p !== '' && title.includes(lower(p)));
  if (pattern !== undefined) return `title contains "${pattern}"`;
  return null;
}
