import type { ChangeInput } from './dto/change.input.js';
import type { DeploymentInput } from './dto/deployment.input.js';
import type { EnvelopeInput } from './dto/envelope.input.js';
import type { EventInput } from './dto/event.input.js';
import type { IncidentInput } from './dto/incident.input.js';
import type { PipelineRunInput } from './dto/pipeline-run.input.js';
import type { CommitInput } from './dto/refs.input.js';
import type {
  ChangeEvent,
  CommitRef,
  DeploymentEvent,
  Envelope,
  EnvironmentTier,
  IncidentEvent,
  PipelineRunEvent,
} from './domain-events.js';
import type { BatchItem } from './ingestion.service.js';

/** GraphQL inputs to domain events (pure). GraphQL `null` becomes "absent". */

const opt = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

const envelope = (i: EnvelopeInput): Envelope => ({
  source: i.source,
  eventId: i.eventId,
  occurredAt: opt(i.occurredAt),
  traceParent: opt(i.traceparent),
});

const commit = (c: CommitInput): CommitRef => ({
  sha: c.sha,
  repository: opt(c.repository),
  message: opt(c.message),
  authoredAt: opt(c.authoredAt),
  committedAt: opt(c.committedAt),
  paths: opt(c.paths),
  author: opt(c.author),
});

export function toDeploymentEvent(i: DeploymentInput): DeploymentEvent {
  return {
    type: 'deployment',
    envelope: envelope(i),
    deploymentId: i.deploymentId,
    service: { name: i.service, namespace: opt(i.namespace), team: opt(i.team) },
    environment: {
      name: i.environment,
      tier: opt(i.environmentTier),
    },
    target: opt(i.target),
    version: opt(i.version),
    previousVersion: opt(i.previousVersion),
    commitSha: opt(i.commitSha),
    repository: opt(i.repository),
    commits: i.commits?.map(commit),
    status: i.status,
    kind: opt(i.kind),
    remediates: i.remediates?.map((r) => ({ kind: r.kind, id: r.id, source: opt(r.source) })),
    startedAt: opt(i.startedAt),
    finishedAt: opt(i.finishedAt),
    url: opt(i.url),
    pipelineRun: i.pipelineRunId
      ? { id: i.pipelineRunId, source: opt(i.pipelineRunSource) }
      : undefined,
  };
}

export function toPipelineRunEvent(i: PipelineRunInput): PipelineRunEvent {
  return {
    type: 'pipelineRun',
    envelope: envelope(i),
    runId: i.runId,
    attempt: opt(i.attempt),
    pipelineName: i.pipelineName,
    repository: opt(i.repository),
    ref: opt(i.ref),
    commitSha: opt(i.commitSha),
    status: i.status,
    outcome: opt(i.outcome),
    queuedAt: opt(i.queuedAt),
    startedAt: opt(i.startedAt),
    finishedAt: opt(i.finishedAt),
    url: opt(i.url),
    tests: i.tests
      ? {
          passed: i.tests.passed,
          failed: i.tests.failed,
          skipped: i.tests.skipped,
          suites: i.tests.suites?.map((s) => ({
            name: s.name,
            passed: s.passed,
            failed: s.failed,
            skipped: s.skipped,
            durationSeconds: opt(s.durationSeconds),
          })),
        }
      : undefined,
  };
}

export function toChangeEvent(i: ChangeInput): ChangeEvent {
  return {
    type: 'change',
    envelope: envelope(i),
    repository: i.repository,
    commits: (i.commits ?? []).map(commit),
    before: opt(i.before),
    pushedAt: opt(i.pushedAt),
    pullRequest: i.pullRequest
      ? {
          id: i.pullRequest.id,
          firstCommitAt: opt(i.pullRequest.firstCommitAt),
          mergedAt: opt(i.pullRequest.mergedAt),
          mergeCommitSha: opt(i.pullRequest.mergeCommitSha),
          title: opt(i.pullRequest.title),
          body: opt(i.pullRequest.body),
          headBranch: opt(i.pullRequest.headBranch),
          labels: opt(i.pullRequest.labels),
          author: opt(i.pullRequest.author),
          url: opt(i.pullRequest.url),
        }
      : undefined,
  };
}

export function toIncidentEvent(i: IncidentInput): IncidentEvent {
  return {
    type: 'incident',
    envelope: envelope(i),
    incidentId: i.incidentId,
    services: (i.services ?? []).map((s) => ({
      name: s.name,
      namespace: opt(s.namespace),
      team: opt(s.team),
    })),
    environment: i.environment
      ? { name: i.environment, tier: opt(i.environmentTier) as EnvironmentTier | undefined }
      : undefined,
    title: opt(i.title),
    severity: opt(i.severity),
    url: opt(i.url),
    impactStartedAt: opt(i.impactStartedAt),
    detectedAt: opt(i.detectedAt),
    mitigatedAt: opt(i.mitigatedAt),
    resolvedAt: opt(i.resolvedAt),
    causedBy: i.causedBy?.map((c) => ({ id: c.id, source: opt(c.source) })),
  };
}

/** One `ingestEvents` item: exactly one field must be set. */
export function toBatchItem(i: EventInput): BatchItem {
  const set = (['pipelineRun', 'deployment', 'change', 'incident'] as const).filter(
    (k) => i[k] !== undefined && i[k] !== null,
  );
  if (set.length !== 1) {
    return {
      errors: [
        {
          field: set.length === 0 ? '' : set.join(','),
          message: `give exactly one of pipelineRun, deployment, change, incident (got ${set.length})`,
        },
      ],
    };
  }
  if (i.pipelineRun)
    return {
      event: toPipelineRunEvent(i.pipelineRun),
      payload: i.pipelineRun,
      kind: 'ingestEvents.pipelineRun',
    };
  if (i.deployment)
    return {
      event: toDeploymentEvent(i.deployment),
      payload: i.deployment,
      kind: 'ingestEvents.deployment',
    };
  if (i.change)
    return { event: toChangeEvent(i.change), payload: i.change, kind: 'ingestEvents.change' };
  return {
    event: toIncidentEvent(i.incident!),
    payload: i.incident,
    kind: 'ingestEvents.incident',
  };
}
