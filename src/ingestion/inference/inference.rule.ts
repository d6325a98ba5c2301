import type { DeploymentKind } from '../domain-events.js';
import { hotfixMatch, type HotfixRules } from './hotfix.rule.js';
import { isRevertTitle } from './revert.rule.js';

/**
 * The inference rules for an unlabelled production deployment (docs/dora.md, "Inferred change
 * failures"), as pure decisions over facts the repository read. Precedence, strongest first:
 *
 * 1. an explicit `kind` other than PLANNED, or any explicit `remediates`: nothing is inferred;
 * 2. ROLLBACK: the deployment runs a release this service and environment ran before and that
 *    differs from its predecessor's; it remediates its predecessor;
 * 3. REVERT: it carries a change recognised as a revert whose reverted change a production
 *    deployment of the service shipped before; it remediates the deployment(s) that first did;
 * 4. HOTFIX: it carries a merged pull request matching the service's hotfix rules; it
 *    remediates its predecessor.
 *
 * A pull request that is both a revert and a hotfix is a REVERT: a revert names what it undoes,
 * a hotfix only points at the latest deployment.
 */
export type InferenceRule = 'ROLLBACK' | 'REVERT' | 'HOTFIX';

export interface ServiceRules {
  readonly rollbackByRedeploy: boolean;
  readonly reverts: boolean;
  readonly hotfixes: boolean;
  readonly hotfix: HotfixRules;
}

/** A change a deployment newly carries, with what the rules read. */
export interface CarriedChange {
  readonly sha: string;
  readonly pullRequestId: string | null;
  readonly title: string | null;
  readonly branch: string | null;
  readonly labels: readonly string[] | null;
  /** `pr:<n>` / `sha:<hex>` references (revert.rule.ts). */
  readonly reverts: readonly string[];
}

/** A deployment, by id and natural key. */
export interface DeploymentKey {
  readonly id: string;
  readonly source: string;
  readonly externalId: string;
}

export interface InferenceInput {
  /** Labelled by its producer: a kind other than PLANNED, or explicit remediations. */
  readonly explicit: boolean;
  readonly rules: ServiceRules;
  readonly predecessor: DeploymentKey | null;
  /** The earlier deployment that ran the same release, when the release differs from the predecessor's. */
  readonly ranBefore: (DeploymentKey & { readonly release: string }) | null;
  readonly changes: readonly CarriedChange[];
  /** For each revert reference of the changes: the deployments that first shipped it. */
  readonly revertTargets: ReadonlyMap<string, readonly DeploymentKey[]>;
}

export interface Inference {
  readonly rule: InferenceRule;
  readonly kind: DeploymentKind;
  readonly remediates: readonly DeploymentKey[];
  /** Why, in words (shown with the deployment). */
  readonly reason: string;
}

const short = (sha: string) => sha.slice(0, 12);
const refText = (ref: string) => (ref.startsWith('pr:') ? `#${ref.slice(3)}` : short(ref.slice(4)));
const changeText = (c: CarriedChange) =>
  c.pullRequestId ? `pull request #${c.pullRequestId}` : `commit ${short(c.sha)}`;

/** The revert references of the changes worth resolving (none when reverts are off). */
export function revertReferencesOf(
  changes: readonly CarriedChange[],
  rules: ServiceRules,
): string[] {
  if (!rules.reverts) return [];
  return [...new Set(changes.flatMap((c) => c.reverts))].sort();
}

export function infer(input: InferenceInput): Inference | null {
  if (input.explicit || !input.predecessor) return null;
  const { rules, predecessor } = input;
  if (rules.rollbackByRedeploy && input.ranBefore) {
    return {
      rule: 'ROLLBACK',
      kind: 'ROLLBACK',
      remediates: [predecessor],
      reason:
        `release ${input.ranBefore.release} ran before (deployment ${input.ranBefore.source}/` +
        `${input.ranBefore.externalId}) and differs from the previous deployment's: a rollback ` +
        `of ${predecessor.source}/${predecessor.externalId}`,
    };
  }
  if (rules.reverts) {
    const reverted: DeploymentKey[] = [];
    const because: string[] = [];
    for (const c of input.changes) {
      for (const ref of c.reverts) {
        const targets = input.revertTargets.get(ref) ?? [];
        if (targets.length === 0) continue;
        reverted.push(...targets);
        because.push(`${changeText(c)} reverts ${refText(ref)}`);
      }
    }
    if (reverted.length > 0) {
      const unique = [...new Map(reverted.map((t) => [t.id, t])).values()].sort((a, b) =>
        a.id.localeCompare(b.id),
      );
      return {
        rule: 'REVERT',
        kind: 'REVERT',
        remediates: unique,
        reason: `${[...new Set(because)].join('; ')}, first shipped by ${unique
          .map((t) => `${t.source}/${t.externalId}`)
          .join(', ')}`,
      };
    }
  }
  if (rules.hotfixes) {
    for (const c of input.changes) {
      if (isRevertTitle(c.title)) continue; // a revert of nothing shipped is no hotfix either
      const why = hotfixMatch(c, rules.hotfix);
      if (why) {
        return {
          rule: 'HOTFIX',
          kind: 'HOTFIX',
          remediates: [predecessor],
          reason: `${changeText(c)}: ${why}; remediates the previous deployment ${predecessor.source}/${predecessor.externalId}`,
        };
      }
    }
  }
  return null;
}
