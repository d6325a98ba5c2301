import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { computeChangeset, type ChangeFacts, type ChangesetInput } from './changeset.calculator.js';
import {
  ChangesetRepository,
  MAX_CHAIN_DEPTH,
  type ChangesetDeployment,
} from './changeset.repository.js';
import { reachedUsers } from './deployment.state.js';

/** How many later deployments of a service are recomputed when an older one arrives late. */
export const MAX_LATER_RECOMPUTED = 20;

/**
 * Changesets of successful production deployments, computed inside the ingestion transaction.
 *
 * Order independence: a deployment that arrives after later ones of its service recomputes
 * them too (up to MAX_LATER_RECOMPUTED), since it may be their predecessor or may already have
 * carried their changes; a late push recomputes the deployments whose commit chain was missing;
 * a late commit time recomputes the lead times it feeds. Work is serialised per service with a
 * transaction-scoped advisory lock, so two replicas never compute from each other's half state;
 * deployments take it before writing any change row (no lock cycle with pushes).
 */
@Injectable()
export class ChangesetService {
  constructor(private readonly repo: ChangesetRepository) {}

  /** Takes the changeset locks of these services (see ChangesetRepository.lockServices). */
  lockServices(m: EntityManager, serviceIds: readonly string[]): Promise<void> {
    return this.repo.lockServices(m, serviceIds);
  }

  /**
   * Recomputes these deployments' changesets and those of the later ones they affect. Their
   * services' locks are taken unless `locked` says this transaction holds them already.
   */
  async recompute(
    m: EntityManager,
    deploymentIds: readonly string[],
    locked: ReadonlySet<string> = new Set(),
  ): Promise<void> {
    const given = (await this.repo.deployments(m, deploymentIds)).filter(
      (d) => d.tier === 'production' && reachedUsers(d.status),
    );
    const byService = new Map<string, ChangesetDeployment[]>();
    for (const d of given) byService.set(d.serviceId, [...(byService.get(d.serviceId) ?? []), d]);
    await this.repo.lockServices(
      m,
      [...byService.keys()].filter((id) => !locked.has(id)),
    );
    for (const serviceId of byService.keys()) {
      const ds = byService.get(serviceId)!.sort(compareOrder);
      const chain = await this.repo.fromOnwards(m, ds[0], ds.length + MAX_LATER_RECOMPUTED);
      const done = new Set(chain.map((d) => d.id));
      for (const d of [...chain, ...ds.filter((d) => !done.has(d.id))]) await this.computeOne(m, d);
    }
  }

  /**
   * After changes were stored: complete the broken chains they mend (`unresolved`, from
   * IngestionRepository.upsertChanges) and refresh the lead times they feed.
   */
  async afterChanges(
    m: EntityManager,
    unresolved: readonly string[],
    changedIds: readonly string[],
  ): Promise<void> {
    if (unresolved.length > 0) await this.recompute(m, unresolved);
    const timed = await this.repo.timedBy(m, changedIds);
    // Refreshing lead times reads no other deployment: no lock, so that a push never waits for
    // a deployment's changeset while holding change rows that deployment may need.
    for (const d of await this.repo.deployments(m, timed)) await this.computeOne(m, d);
  }

  private async computeOne(m: EntityManager, d: ChangesetDeployment): Promise<void> {
    const predecessor = await this.repo.predecessor(m, d);
    let origin: ChangesetInput['origin'] = null;
    let unresolvedReason: string | undefined;
    let missingSha: string | null = null;
    let changes: Omit<ChangeFacts, 'alreadyDeployed'>[] = [];
    const short = (sha: string) => sha.slice(0, 12);
    if (d.commitShas.length > 0) {
      origin = 'FROM_EVENT';
      changes = await this.repo.changesBySha(m, d.commitShas, d.repository);
    } else if (!predecessor) {
      // A seed deployment keeps at least its head commit, so later redeploys see it as deployed.
      if (d.commitSha) {
        await this.repo.ensureChange(m, d.repository, d.commitSha);
        changes = await this.repo.changesBySha(m, [d.commitSha], d.repository);
      }
    } else if (!d.commitSha || !predecessor.commitSha) {
      unresolvedReason = !d.commitSha
        ? 'the deployment names neither its commits nor its commit SHA'
        : 'the previous deployment names no commit SHA, so the commits between them are unknown';
    } else if (d.commitSha === predecessor.commitSha) {
      origin = 'FROM_PUSHES';
    } else {
      const walk = await this.repo.chain(m, d.commitSha, predecessor.commitSha, d.repository);
      if (walk.found) {
        origin = 'FROM_PUSHES';
        changes = walk.changes;
      } else {
        missingSha = walk.missingSha;
        unresolvedReason =
          `the commits between ${short(predecessor.commitSha)} (previous deployment) and ` +
          `${short(d.commitSha)} are not known from pushes` +
          (missingSha
            ? `; they are filled in when commit ${short(missingSha)} is pushed`
            : ` within ${MAX_CHAIN_DEPTH} commits`);
      }
    }
    const deployed = await this.repo.alreadyDeployed(
      m,
      changes.map((c) => c.changeId),
      d,
    );
    const changeset = computeChangeset({
      kind: d.kind,
      finishedAt: d.finishedAt,
      predecessor,
      origin,
      unresolvedReason,
      changes: changes.map((c) => ({ ...c, alreadyDeployed: deployed.has(c.changeId) })),
    });
    await this.repo.write(m, d.id, predecessor?.id ?? null, changeset, missingSha);
  }
}

function compareOrder(a: ChangesetDeployment, b: ChangesetDeployment): number {
  return (
    a.finishedAt.getTime() - b.finishedAt.getTime() ||
    a.source.localeCompare(b.source) ||
    a.externalId.localeCompare(b.externalId)
  );
}
