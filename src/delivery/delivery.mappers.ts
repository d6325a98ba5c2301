import type { TestSuiteState } from '../ingestion/pipeline-run.state.js';
import type { Change, DeploymentChange } from './models/change.model.js';
import type {
  Attribution,
  ChangesetStatus,
  InferenceRule,
  DeploymentKind,
  DeploymentStatus,
  EnvironmentTier,
  IncidentAttribution,
  LeadTimeExclusion,
  RemediationTargetKind,
  RunOutcome,
  RunStatus,
} from './models/delivery.enums.js';
import type { Deployment, DeploymentInference, RemediationRef } from './models/deployment.model.js';
import type { Incident, IncidentCause } from './models/incident.model.js';
import type { PipelineRun } from './models/pipeline-run.model.js';
import type { Environment, Service } from './models/service.model.js';

/** Database rows (snake_case, as `pg` returns them) to GraphQL models. */
export type DbRow = Record<string, unknown>;

/** Text and bigint columns (pg returns bigint as a string). */
const str = (v: unknown): string | null =>
  v === null || v === undefined
    ? null
    : typeof v === 'string'
      ? v
      : typeof v === 'number'
        ? String(v)
        : JSON.stringify(v);
const date = (v: unknown): Date | null =>
  v === null || v === undefined ? null : v instanceof Date ? v : new Date(v as string);

export const toService = (r: DbRow): Service => ({
  id: String(r.id),
  name: r.name as string,
  namespace: r.namespace as string,
  team: str(r.team),
  repository: str(r.repository),
  lifecycle: str(r.lifecycle),
  catalogEntity: str(r.catalog_entity),
  createdAt: date(r.created_at)!,
});

export const toEnvironment = (r: DbRow): Environment => ({
  id: String(r.id),
  name: r.name as string,
  tier: r.tier as EnvironmentTier,
});

export const toDeployment = (r: DbRow): Deployment => ({
  id: String(r.id),
  source: r.source as string,
  externalId: r.external_id as string,
  serviceId: String(r.service_id),
  environmentId: String(r.environment_id),
  version: str(r.version),
  previousVersion: str(r.previous_version),
  target: str(r.target),
  commitSha: str(r.commit_sha),
  repository: str(r.repository),
  commitShas: (r.commit_shas as string[] | null) ?? [],
  status: r.status as DeploymentStatus,
  kind: r.kind as DeploymentKind,
  effectiveKind: (r.kind === 'PLANNED' && r.inferred_kind
    ? r.inferred_kind
    : r.kind) as DeploymentKind,
  inference: toInference(r),
  startedAt: date(r.started_at),
  finishedAt: date(r.finished_at),
  url: str(r.url),
  traceParent: str(r.trace_parent),
  changesetStatus: r.changeset_status as ChangesetStatus,
  changesetNote: str(r.changeset_note),
  predecessorId: str(r.predecessor_id),
  lastEventAt: date(r.last_event_at)!,
  pipelineRunSource: str(r.pipeline_run_source),
  pipelineRunExternalId: str(r.pipeline_run_external_id),
});

export const toChange = (r: DbRow): Change => ({
  id: String(r.id),
  repository: r.repository as string,
  sha: r.sha as string,
  parentSha: str(r.parent_sha),
  message: str(r.message),
  authoredAt: date(r.authored_at),
  committedAt: date(r.committed_at),
  pushedAt: date(r.pushed_at),
  pullRequestId: str(r.pull_request_id),
  prFirstCommitAt: date(r.pr_first_commit_at),
  prMergedAt: date(r.pr_merged_at),
  prCreatedAt: date(r.pr_created_at),
  paths: (r.paths as string[] | null | undefined) ?? null,
});

export const toDeploymentChange = (r: DbRow): DeploymentChange => ({
  change: toChange(r),
  leadTimeSeconds: r.lead_time_seconds === null ? null : Number(r.lead_time_seconds),
  excludedReason: (r.excluded_reason as LeadTimeExclusion | null) ?? null,
});

export const toPipelineRun = (r: DbRow): PipelineRun => {
  const suites = ((r.test_suites as TestSuiteState[] | null) ?? []).map((s) => ({
    ...s,
    durationSeconds: s.durationSeconds ?? null,
  }));
  return {
    id: String(r.id),
    source: r.source as string,
    runId: r.run_id as string,
    attempt: Number(r.attempt),
    pipelineName: r.pipeline_name as string,
    repository: str(r.repository),
    ref: str(r.ref),
    commitSha: str(r.commit_sha),
    status: r.status as RunStatus,
    outcome: (r.outcome as RunOutcome | null) ?? null,
    queuedAt: date(r.queued_at),
    startedAt: date(r.started_at),
    finishedAt: date(r.finished_at),
    url: str(r.url),
    tests:
      r.tests_passed === null && suites.length === 0
        ? null
        : {
            passed: Number(r.tests_passed ?? 0),
            failed: Number(r.tests_failed ?? 0),
            skipped: Number(r.tests_skipped ?? 0),
            suites,
          },
    lastEventAt: date(r.last_event_at)!,
  };
};

export const toIncident = (r: DbRow): Incident => ({
  id: String(r.id),
  source: r.source as string,
  externalId: r.external_id as string,
  environmentId: str(r.environment_id),
  title: str(r.title),
  severity: str(r.severity),
  url: str(r.url),
  impactStartedAt: date(r.impact_started_at),
  detectedAt: date(r.detected_at),
  mitigatedAt: date(r.mitigated_at),
  resolvedAt: date(r.resolved_at),
  lastEventAt: date(r.last_event_at)!,
});

export const toIncidentCause = (r: DbRow): IncidentCause => ({
  incidentId: String(r.incident_id),
  deploymentSource: r.deployment_source as string,
  deploymentExternalId: r.deployment_external_id as string,
  attribution: r.attribution as IncidentAttribution,
  resolved: r.resolved === true,
});

export const toRemediation = (r: DbRow): RemediationRef => ({
  kind: r.target_kind as RemediationTargetKind,
  source: r.target_source as string,
  id: r.target_external_id as string,
  attribution: r.attribution as Attribution,
  rule: (r.rule as InferenceRule | null) ?? null,
});

function toInference(r: DbRow): DeploymentInference | null {
  const evidence = r.inference as { rule: InferenceRule; reason: string } | null;
  if (!evidence || !r.inferred_kind) return null;
  return {
    rule: evidence.rule,
    kind: r.inferred_kind as DeploymentKind,
    attribution: 'INFERRED' as Attribution,
    reason: evidence.reason,
  };
}
