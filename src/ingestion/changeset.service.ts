import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { computeChangeset, type ChangesetInput } from './changeset.calculator.js';
import {
  ChangesetRepository,
  MAX_CHAIN_DEPTH,
  type ChainWalk,
  type ChangeRow,
  type ChangesetDeployment,
  type ChangesetWrite,
} from './changeset.repository.js';
import { reachedUsers } from './deployment.state.js';
import type { DeploymentKind } from './domain-events.js';
import { InferenceService } from './inference/inference.service.js';
import { pathScope } from './paths/path-glob.rule.js';

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
  constructor(
    private readonly repo: ChangesetRepository,
    private readonly inference: InferenceService,
  ) {}

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
    const starts = [...byService.values()].map((ds) => ({
      from: ds.sort(compareOrder)[0],
      limit: ds.length + MAX_LATER_RECOMPUTED,
    }));
    const chained = await this.repo.fromOnwards(m, starts);
    const done = new Set(chained.map((d) => d.id));
    // Deployments beyond a chain's limit come after it: appended, in changeset order.
    const beyond = given.filter((d) => !done.has(d.id)).sort(compareOrder);
    await this.computeAll(m, [...chained, ...beyond]);
  }

  /**
   * Recomputes every successful production deployment of a service (its rules or paths
   * changed); returns how many.
   */
  async recomputeService(m: EntityManager, serviceId: string): Promise<number> {
    const ids = await this.repo.productionDeployments(m, serviceId);
    await this.recompute(m, ids);
    return ids.length;
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
    await this.computeAll(m, (await this.repo.deployments(m, timed)).sort(compareOrder));
  }

  /**
   * Computes and stores the changesets of these deployments, each given once, in changeset
   * order per service and read with its predecessor. Set-based: each step is one statement for
   * all of them (head commits of seeds, changes named on events, commit walks, changes deployed
   * before, the write), and a deployment's "already deployed" also counts the changesets computed
   * here before it.
   */
  private async computeAll(m: EntityManager, ds: readonly ChangesetDeployment[]): Promise<void> {
    if (ds.length === 0) return;
    // Rollbacks by redeploy first: a rollback's changeset is empty (and known).
    const reading = await this.inference.read(m, ds);
    const kindOf = (d: ChangesetDeployment): DeploymentKind =>
      d.kind === 'PLANNED' && reading.rollbacks.has(d.id) ? 'ROLLBACK' : d.kind;
    const plans = ds.map((d) => plan(d, kindOf(d)));
    await this.repo.ensureChanges(
      m,
      plans.flatMap((p) => (p.seedSha ? [{ repository: p.d.repository, sha: p.seedSha }] : [])),
    );
    const named = await this.repo.changesBySha(
      m,
      plans.flatMap((p) =>
        p.shas ? [{ key: p.d.id, shas: p.shas, repository: p.d.repository }] : [],
      ),
    );
    const walks = await this.repo.chains(
      m,
      plans.flatMap((p) =>
        p.walk ? [{ key: p.d.id, ...p.walk, repository: p.d.repository }] : [],
      ),
    );
    const resolved = await this.scopeToPaths(
      m,
      plans.map((p) => resolve(p, named.get(p.d.id) ?? [], walks.get(p.d.id))),
    );
    const stored = await this.repo.alreadyDeployed(
      m,
      resolved.map((r) => ({ deploymentId: r.d.id, changeIds: r.changes.map((c) => c.changeId) })),
      ds.map((d) => d.id),
    );
    // Changes carried by the deployments computed so far, per service.
    const carried = new Map<string, Set<string>>();
    const written: ChangesetWrite[] = [];
    for (const r of resolved) {
      const before = carried.get(r.d.serviceId) ?? new Set<string>();
      const deployed = stored.get(r.d.id) ?? new Set<string>();
      const changeset = computeChangeset({
        kind: kindOf(r.d),
        finishedAt: r.d.finishedAt,
        predecessor: r.d.predecessor,
        origin: r.origin,
        unresolvedReason: r.unresolvedReason,
        elsewhere: r.elsewhere,
        changes: r.changes.map((c) => ({
          ...c,
          alreadyDeployed: deployed.has(c.changeId) || before.has(c.changeId),
        })),
      });
      written.push({
        deploymentId: r.d.id,
        predecessorId: r.d.predecessor?.id ?? null,
        changeset,
        missingSha: r.missingSha,
      });
      if (r.d.tier === 'production' && reachedUsers(r.d.status)) {
        for (const row of changeset.rows) before.add(row.changeId);
        carried.set(r.d.serviceId, before);
      }
    }
    await this.repo.write(m, written);
    await this.inference.inferFromChanges(m, ds, reading);
  }

  /**
   * Services in a shared repository: of the changes of a deployment whose service declares
   * path globs in the change's repository, those touching none of its paths are left out (they
   * are another service's), and those whose paths are unknown are kept without a lead time
   * (UNKNOWN_PATHS). One statement, only when some service declares paths.
   */
  private async scopeToPaths<R extends Resolved>(
    m: EntityManager,
    resolved: readonly R[],
  ): Promise<(R & { readonly elsewhere: number })[]> {
    const scopes = await this.repo.pathScopes(
      m,
      resolved
        .filter((r) => r.d.pathScoped)
        .flatMap((r) =>
          r.changes.map((c) => ({
            deploymentId: r.d.id,
            serviceId: r.d.serviceId,
            changeId: c.changeId,
          })),
        ),
    );
    return resolved.map((r) => {
      const changes: ChangeRow[] = [];
      let elsewhere = 0;
      for (const c of r.changes) {
        const scope = scopes.get(`${r.d.id} ${c.changeId}`);
        const verdict = scope ? pathScope(scope.paths, scope.globs) : 'TOUCHES';
        if (verdict === 'ELSEWHERE') elsewhere += 1;
        else changes.push(verdict === 'UNKNOWN_PATHS' ? { ...c, pathsUnknown: true } : c);
      }
      return { ...r, changes, elsewhere };
    });
  }
}

/** What a deployment's changes are to be made of, before any change is read. */
interface Plan {
  readonly d: ChangesetDeployment;
  /** A seed's head commit: stored as a change if none has it yet, then read by SHA. */
  readonly seedSha?: string;
  /** The commits to read by SHA (named on the event, or a seed's head). */
  readonly shas?: readonly string[];
  /** The commit walk from the deployment's head back to its predecessor's. */
  readonly walk?: { readonly head: string; readonly stop: string };
  readonly origin: ChangesetInput['origin'];
  readonly unresolvedReason?: string;
}

function plan(d: ChangesetDeployment, kind: DeploymentKind): Plan {
  const { predecessor } = d;
  const base = { d };
  if (d.commitShas.length > 0) return { ...base, origin: 'FROM_EVENT', shas: d.commitShas };
  // A rollback brings back a release that ran before: it carries no new change.
  if (predecessor && kind === 'ROLLBACK') return { ...base, origin: 'ROLLBACK' };
  // A seed deployment keeps at least its head commit, so later redeploys see it as deployed.
  if (!predecessor)
    return d.commitSha
      ? { ...base, origin: null, seedSha: d.commitSha, shas: [d.commitSha] }
      : { ...base, origin: null };
  if (!d.commitSha || !predecessor.commitSha) {
    return {
      ...base,
      origin: null,
      unresolvedReason: !d.commitSha
        ? 'the deployment names neither its commits nor its commit SHA'
        : 'the previous deployment names no commit SHA, so the commits between them are unknown',
    };
  }
  if (d.commitSha === predecessor.commitSha) return { ...base, origin: 'FROM_PUSHES' };
  return {
    ...base,
    origin: 'FROM_PUSHES',
    walk: { head: d.commitSha, stop: predecessor.commitSha },
  };
}

/** A plan with the changes read for it: the changes, or why they are unknown. */
type Resolved = Plan & { readonly changes: ChangeRow[]; readonly missingSha: string | null };

function resolve(p: Plan, named: ChangeRow[], walk: ChainWalk | undefined): Resolved {
  if (!p.walk || !walk) return { ...p, changes: named, missingSha: null };
  if (walk.found) return { ...p, changes: walk.changes, missingSha: null };
  const short = (sha: string) => sha.slice(0, 12);
  return {
    ...p,
    origin: null,
    changes: [],
    missingSha: walk.missingSha,
    unresolvedReason:
      `the commits between ${short(p.walk.stop)} (previous deployment) and ` +
      `${short(p.walk.head)} are not known from pushes` +
      (walk.missingSha
        ? `; they are filled in when commit ${short(walk.missingSha)} is pushed`
        : ` within ${MAX_CHAIN_DEPTH} commits`),
  };
}

function compareOrder(a: ChangesetDeployment, b: ChangesetDeployment): number {
  return (
    a.finishedAt.getTime() - b.finishedAt.getTime() ||
    a.source.localeCompare(b.source) ||
    a.externalId.localeCompare(b.externalId)
  );
}
