/**
 * Multi-target releases: the deployments of one (service, environment, version) that name a
 * target are the waves of one release. DORA counts the release once, on its first target to
 * reach users (the earliest finish, then the lowest id) — the same choice as
 * dora_compute_deployment_facts (migration MultiTargetReleases). Pure.
 */
import type { DeploymentStatus } from '../ingestion/domain-events.js';

export interface TargetDeployment {
  readonly deploymentId: string;
  readonly status: DeploymentStatus;
  readonly finishedAt: Date | null;
}

const reached = (d: TargetDeployment): boolean =>
  (d.status === 'SUCCEEDED' || d.status === 'ROLLED_BACK') && d.finishedAt !== null;

/** The deployment that stands for the release in DORA, or null when none reached users. */
export function releaseLead(targets: readonly TargetDeployment[]): string | null {
  let lead: TargetDeployment | null = null;
  for (const d of targets) {
    if (!reached(d)) continue;
    if (
      !lead ||
      d.finishedAt!.getTime() < lead.finishedAt!.getTime() ||
      (d.finishedAt!.getTime() === lead.finishedAt!.getTime() &&
        BigInt(d.deploymentId) < BigInt(lead.deploymentId))
    )
      lead = d;
  }
  return lead?.deploymentId ?? null;
}
