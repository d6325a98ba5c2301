import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ChangesetDeployment } from '../changeset.repository.js';
import { reachedUsers } from '../deployment.state.js';
import { infer, revertReferencesOf, type DeploymentKey, type Inference } from './inference.rule.js';
import { InferenceRepository, type InferenceFacts } from './inference.repository.js';

/** The facts read for the deployments of one changeset computation. */
export interface InferenceReading {
  readonly facts: ReadonlyMap<string, InferenceFacts>;
  /** The deployments inferred to be rollbacks by redeploy. */
  readonly rollbacks: ReadonlySet<string>;
}

/**
 * Runs the inference rules (inference.rule.ts) inside the changeset computation of successful
 * production deployments, so that they follow every recomputation (late deployments, late
 * pushes, late pull request facts) in any arrival order. Set-based: a handful of statements for
 * all the deployments of a write, whatever their number.
 */
@Injectable()
export class InferenceService {
  constructor(private readonly repo: InferenceRepository) {}

  /** Reads what the rules need of these deployments, and which are rollbacks by redeploy. */
  async read(m: EntityManager, ds: readonly ChangesetDeployment[]): Promise<InferenceReading> {
    const facts = await this.repo.facts(
      m,
      ds
        .filter((d) => d.tier === 'production' && reachedUsers(d.status) && d.predecessor)
        .map((d) => ({ id: d.id, predecessorId: d.predecessor!.id })),
    );
    const rollbacks = new Set(
      [...facts]
        .filter(([, f]) => !f.explicit && f.rules.rollbackByRedeploy && f.ranBefore !== null)
        .map(([id]) => id),
    );
    return { facts, rollbacks };
  }

  /**
   * After the changesets are stored: the revert and hotfix rules over the changes each
   * deployment newly carries, then the result of every rule is stored (null: nothing inferred,
   * which clears what an earlier computation inferred).
   */
  async inferFromChanges(
    m: EntityManager,
    ds: readonly ChangesetDeployment[],
    { facts, rollbacks }: InferenceReading,
  ): Promise<void> {
    const considered = ds.filter((d) => d.tier === 'production' && reachedUsers(d.status));
    const open = considered.filter(
      (d) => facts.get(d.id)?.explicit === false && !rollbacks.has(d.id),
    );
    const carried = await this.repo.carriedChanges(
      m,
      open.map((d) => d.id),
    );
    const lookups = open.flatMap((d) =>
      revertReferencesOf(carried.get(d.id) ?? [], facts.get(d.id)!.rules).map((ref) => ({
        deploymentId: d.id,
        ref,
        repository: facts.get(d.id)!.repository,
      })),
    );
    const targets = await this.repo.revertTargets(m, lookups);
    const results: { deploymentId: string; inference: Inference | null }[] = considered.map((d) => {
      const f = facts.get(d.id);
      if (!f) return { deploymentId: d.id, inference: null };
      const revertTargets = new Map<string, readonly DeploymentKey[]>();
      for (const c of carried.get(d.id) ?? []) {
        for (const ref of c.reverts) {
          const found = targets.get(`${d.id} ${ref}`);
          if (found) revertTargets.set(ref, found);
        }
      }
      return {
        deploymentId: d.id,
        inference: infer({
          explicit: f.explicit,
          rules: f.rules,
          predecessor: f.predecessor,
          ranBefore: f.ranBefore,
          changes: carried.get(d.id) ?? [],
          revertTargets,
        }),
      };
    });
    await this.repo.write(m, results);
  }
}
