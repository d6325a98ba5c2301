import { Injectable } from '@nestjs/common';
import {
  occurredAt,
  resolveRefs,
  serviceKey,
  type Applied,
  type ApplyContext,
  type Indexed,
} from './apply-context.js';
import { ChangesetService } from './changeset.service.js';
import { DeploymentHooks } from './deployment-hooks.js';
import {
  applyDeploymentEvent,
  reachedUsers,
  sameDeploymentState,
  sameTime,
  type DeploymentState,
} from './deployment.state.js';
import type { DeploymentEvent, DeploymentKind, DeploymentStatus } from './domain-events.js';
import type { ChangeRow, EnvironmentRecord, ServiceRecord } from './ingestion.repository.js';
import { IngestionRepository } from './ingestion.repository.js';
import { applyKeyed, type KeyedStateSpec } from './keyed-state.js';
import { keyOf, type KeyedTable, type Row } from './recordset.js';
import { revertReferences } from './inference/revert.rule.js';
import { normalisePaths } from './paths/path-glob.rule.js';

export const DEPLOYMENTS_TABLE: KeyedTable = {
  table: 'deployments',
  key: [
    ['source', 'text'],
    ['external_id', 'text'],
  ],
  columns: [
    ['source', 'text'],
    ['external_id', 'text'],
    ['service_id', 'bigint'],
    ['environment_id', 'bigint'],
    ['version', 'text'],
    ['previous_version', 'text'],
    ['target', 'text'],
    ['commit_sha', 'text'],
    ['repository', 'text'],
    ['commit_shas', 'text[]'],
    ['status', 'text'],
    ['kind', 'text'],
    ['started_at', 'timestamptz'],
    ['finished_at', 'timestamptz'],
    ['url', 'text'],
    ['pipeline_run_source', 'text'],
    ['pipeline_run_external_id', 'text'],
    ['trace_parent', 'text'],
    ['status_at', 'timestamptz'],
    ['last_event_at', 'timestamptz'],
  ],
};

const date = (v: unknown): Date | null =>
  v === null || v === undefined ? null : new Date(v as string);

function fromRow(r: Row): DeploymentState {
  return {
    status: r.status as DeploymentStatus,
    kind: r.kind as DeploymentKind,
    version: (r.version as string | null) ?? null,
    previousVersion: (r.previous_version as string | null) ?? null,
    commitSha: (r.commit_sha as string | null) ?? null,
    repository: (r.repository as string | null) ?? null,
    commitShas: (r.commit_shas as string[] | null) ?? [],
    startedAt: date(r.started_at),
    finishedAt: date(r.finished_at),
    url: (r.url as string | null) ?? null,
    pipelineRunSource: (r.pipeline_run_source as string | null) ?? null,
    pipelineRunExternalId: (r.pipeline_run_external_id as string | null) ?? null,
    traceParent: (r.trace_parent as string | null) ?? null,
    statusAt: date(r.status_at)!,
    lastEventAt: date(r.last_event_at)!,
  };
}

const toRow = (
  key: Row,
  s: DeploymentState,
  refs: { service_id: unknown; environment_id: unknown; target: unknown },
): Row => ({
  ...key,
  ...refs,
  version: s.version,
  previous_version: s.previousVersion,
  commit_sha: s.commitSha,
  repository: s.repository,
  commit_shas: s.commitShas,
  status: s.status,
  kind: s.kind,
  started_at: s.startedAt,
  finished_at: s.finishedAt,
  url: s.url,
  pipeline_run_source: s.pipelineRunSource,
  pipeline_run_external_id: s.pipelineRunExternalId,
  trace_parent: s.traceParent,
  status_at: s.statusAt,
  last_event_at: s.lastEventAt,
});

/** Applies deployment events: services, environments, the deployment rows, remediations, changesets, hooks. */
@Injectable()
export class DeploymentApplier {
  constructor(
    private readonly repo: IngestionRepository,
    private readonly changesets: ChangesetService,
    private readonly hooks: DeploymentHooks,
  ) {}

  async apply(ctx: ApplyContext, items: readonly Indexed<DeploymentEvent>[]): Promise<Applied> {
    const applied: Applied = { entityIds: new Map(), transitions: [] };
    if (items.length === 0) return applied;
    const m = ctx.manager;
    const refs = await resolveRefs(
      ctx,
      this.repo,
      items.map((i) => i.event.service),
      items.map((i) => i.event.environment),
    );
    const serviceOf = (e: DeploymentEvent) =>
      refs.services.get(serviceKey(e.service.name, e.service.namespace))!;
    const environmentOf = (e: DeploymentEvent) => refs.environments.get(e.environment.name)!;

    // Changeset locks first, before this transaction writes change rows others may wait for.
    const locked = new Set(
      items
        .filter((i) => reachedUsers(i.event.status) && environmentOf(i.event).tier === 'production')
        .map((i) => serviceOf(i.event).id),
    );
    await this.changesets.lockServices(m, [...locked]);
    await this.repo.upsertChanges(
      m,
      commitRows(items, (e) => serviceOf(e).repository),
    );

    const spec: KeyedStateSpec<DeploymentState, DeploymentEvent> = {
      table: DEPLOYMENTS_TABLE,
      fromRow,
      merge: (current, e) => applyDeploymentEvent(current, e, occurredAt(ctx, e)),
      same: sameDeploymentState,
      // Service and environment are fixed when the deployment is first seen; so is the target
      // once known (a later event without one, e.g. a status webhook, keeps it).
      toRow: (key, s, locked, first) =>
        toRow(key, s, {
          service_id: locked?.service_id ?? serviceOf(first).id,
          environment_id: locked?.environment_id ?? environmentOf(first).id,
          target: locked?.target ?? first.target ?? null,
        }),
    };
    const naturalKey = (e: DeploymentEvent): Row => ({
      source: e.deploymentSource ?? e.envelope.source,
      external_id: e.deploymentId,
    });
    const results = await applyKeyed(
      m,
      spec,
      items.map((i) => ({ key: naturalKey(i.event), event: i.event })),
    );
    const resultOf = (e: DeploymentEvent) => results.get(keyOf(DEPLOYMENTS_TABLE, naturalKey(e)))!;
    const submitters = new Map<string, string | null>();
    for (const i of items)
      submitters.set(resultOf(i.event).id, i.event.envelope.submittedBy ?? null);
    for (const i of items) applied.entityIds.set(i.index, resultOf(i.event).id);

    await this.repo.insertRemediations(
      m,
      items.flatMap((i) =>
        (i.event.remediates ?? []).map((r) => ({
          deployment_id: resultOf(i.event).id,
          target_kind: r.kind,
          target_source: r.source ?? i.event.envelope.source,
          target_external_id: r.id,
        })),
      ),
    );

    // Explicit remediations end what was inferred for the deployment: its changeset reruns.
    const labelled = new Set(
      items.filter((i) => (i.event.remediates ?? []).length > 0).map((i) => resultOf(i.event).id),
    );

    const services = new Map([...refs.services.values()].map((s) => [s.id, s]));
    const environments = new Map([...refs.environments.values()].map((e) => [e.id, e]));
    // A deployment keeps the service and environment it was first seen with; a later event may
    // name others, so the rows' own ones are loaded when this batch did not resolve them.
    const missing = (ids: Iterable<unknown>, known: Map<string, unknown>) => [
      ...new Set([...ids].map(String).filter((id) => !known.has(id))),
    ];
    const rows = [...results.values()].map((r) => r.row);
    const otherEnvironments = missing(
      rows.map((r) => r.environment_id),
      environments,
    );
    if (otherEnvironments.length > 0) {
      for (const e of await m.query<EnvironmentRecord[]>(
        `SELECT id, name, tier FROM environments WHERE id = ANY($1::bigint[])`,
        [otherEnvironments],
      ))
        environments.set(String(e.id), e);
    }
    const otherServices = missing(
      rows.map((r) => r.service_id),
      services,
    );
    if (otherServices.length > 0) {
      for (const s of await m.query<ServiceRecord[]>(
        `SELECT id, name, namespace, team, repository FROM services WHERE id = ANY($1::bigint[])`,
        [otherServices],
      ))
        services.set(String(s.id), s);
    }
    const recompute: string[] = [];
    for (const r of results.values()) {
      const { before, after, row } = r;
      const environment = environments.get(String(row.environment_id))!;
      if (
        environment.tier === 'production' &&
        reachedUsers(after.status) &&
        (changesetInputsChanged(before, after) || labelled.has(r.id))
      )
        recompute.push(r.id);
      if (before?.status === after.status) continue;
      const service = services.get(String(row.service_id))!;
      applied.transitions.push({
        deploymentId: r.id,
        source: row.source as string,
        externalId: row.external_id as string,
        service: {
          id: service.id,
          name: service.name,
          namespace: service.namespace,
          team: service.team,
        },
        environment: { id: environment.id, name: environment.name, tier: environment.tier },
        version: after.version,
        previousVersion: after.previousVersion,
        target: (row.target as string | null) ?? null,
        commitSha: after.commitSha,
        kind: after.kind,
        status: after.status,
        previousStatus: before?.status ?? null,
        startedAt: after.startedAt,
        finishedAt: after.finishedAt,
        traceParent: after.traceParent,
        occurredAt: after.statusAt,
        submittedBy: submitters.get(r.id) ?? null,
      });
    }
    await this.changesets.recompute(m, recompute, locked);
    // an incident that named this version before the deployment arrived: it caused it
    await this.repo.resolveIncidentVersionCauses(m, {
      deploymentIds: [...results.values()]
        .filter((r) => reachedUsers(r.after.status) && r.after.version !== null)
        .map((r) => r.id),
    });
    await this.hooks.emitInTransaction(m, applied.transitions);
    return applied;
  }
}

/** A changeset depends on whether it reached users, its commits, kind and finish. */
function changesetInputsChanged(before: DeploymentState | null, after: DeploymentState): boolean {
  return (
    !before ||
    !reachedUsers(before.status) ||
    before.commitSha !== after.commitSha ||
    before.commitShas.join() !== after.commitShas.join() ||
    before.kind !== after.kind ||
    !sameTime(before.finishedAt, after.finishedAt)
  );
}

/** The commits deployments carry, as change rows (repository: the commit's, the deployment's, the service's). */
function commitRows(
  items: readonly Indexed<DeploymentEvent>[],
  serviceRepository: (e: DeploymentEvent) => string | null,
): ChangeRow[] {
  const rows = new Map<string, ChangeRow>();
  for (const { event: e } of items) {
    const repository = e.repository ?? serviceRepository(e) ?? '';
    for (const c of e.commits ?? []) {
      const row: ChangeRow = {
        repository: c.repository ?? repository,
        sha: c.sha,
        parent_sha: null,
        message: c.message ?? null,
        authored_at: c.authoredAt ?? null,
        committed_at: c.committedAt ?? null,
        pushed_at: null,
        pull_request_id: null,
        pr_first_commit_at: null,
        pr_merged_at: null,
        pr_title: null,
        pr_head_branch: null,
        pr_labels: null,
        reverts: revertReferences({ repository: c.repository ?? repository, message: c.message }),
        paths: c.paths ? normalisePaths(c.paths) : null,
        pushed_branch: null,
        pr_created_at: null,
        pr_head_sha: null,
        pr_commit_count: null,
        author: c.author ?? null,
        pr_author: null,
        pr_url: null,
      };
      const k = `${row.repository}\u0000${row.sha}`;
      rows.set(k, mergeChangeRows(rows.get(k), row));
    }
  }
  return [...rows.values()];
}

const earliestOf = (a: Date | null, b: Date | null): Date | null =>
  !a ? b : !b ? a : a.getTime() <= b.getTime() ? a : b;

/** Two reports of one commit in a batch, merged as the database merges them. */
export function mergeChangeRows(a: ChangeRow | undefined, b: ChangeRow): ChangeRow {
  if (!a) return b;
  return {
    repository: a.repository,
    sha: a.sha,
    parent_sha: a.parent_sha ?? b.parent_sha,
    message: a.message ?? b.message,
    authored_at: earliestOf(a.authored_at, b.authored_at),
    committed_at: earliestOf(a.committed_at, b.committed_at),
    pushed_at: earliestOf(a.pushed_at, b.pushed_at),
    pull_request_id: a.pull_request_id ?? b.pull_request_id,
    pr_first_commit_at: earliestOf(a.pr_first_commit_at, b.pr_first_commit_at),
    pr_merged_at: earliestOf(a.pr_merged_at, b.pr_merged_at),
    pr_title: a.pr_title ?? b.pr_title,
    pr_head_branch: a.pr_head_branch ?? b.pr_head_branch,
    pr_labels: a.pr_labels ?? b.pr_labels,
    reverts: [...new Set([...a.reverts, ...b.reverts])].sort(),
    paths: a.paths ?? b.paths,
    pushed_branch: a.pushed_branch ?? b.pushed_branch,
    pr_created_at: earliestOf(a.pr_created_at, b.pr_created_at),
    pr_head_sha: a.pr_head_sha ?? b.pr_head_sha,
    pr_commit_count: a.pr_commit_count ?? b.pr_commit_count,
    author: a.author ?? b.author,
    pr_author: a.pr_author ?? b.pr_author,
    pr_url: a.pr_url ?? b.pr_url,
  };
}
