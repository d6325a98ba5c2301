import {
  DEPLOYMENT_KINDS,
  DEPLOYMENT_STATUSES,
  ENVIRONMENT_TIERS,
  RUN_OUTCOMES,
  RUN_STATUSES,
  TEST_LEVELS,
  TEST_OUTCOMES,
  type ChangeEvent,
  type CommitRef,
  type DeploymentEvent,
  type DomainEvent,
  type Envelope,
  type FieldError,
  type IncidentEvent,
  type PipelineRunEvent,
  type ServiceRef,
  type TestResultEvent,
} from './domain-events.js';
import { relativePath } from './paths/path-glob.rule.js';
import { targetProblem } from './target.rule.js';

/**
 * The pure check every event passes before anything of it is stored. Field paths follow the
 * GraphQL input names (`service`, `commits[2].sha`, `finishedAt`), so that webhook adapters and
 * GraphQL clients read the same messages. `now` bounds timestamps from the future.
 */
export function validateEvent(event: DomainEvent, now: Date): FieldError[] {
  const v = new Checker(now);
  v.envelope(event.envelope);
  switch (event.type) {
    case 'pipelineRun':
      pipelineRun(v, event);
      break;
    case 'deployment':
      deployment(v, event);
      break;
    case 'change':
      change(v, event);
      break;
    case 'incident':
      incident(v, event);
      break;
    case 'testResult':
      testResult(v, event);
      break;
  }
  return v.errors;
}

/** Lower-case SHAs, trimmed names, empty namespace; applied after validation. */
export function normalizeEvent(e: DomainEvent): DomainEvent {
  const sha = (s: string | undefined): string | undefined => s?.trim().toLowerCase();
  const commit = (c: CommitRef): CommitRef => ({ ...c, sha: c.sha.trim().toLowerCase() });
  const service = (s: ServiceRef): ServiceRef => ({
    ...s,
    name: s.name.trim(),
    namespace: s.namespace?.trim() ?? '',
  });
  switch (e.type) {
    case 'pipelineRun':
      return { ...e, commitSha: sha(e.commitSha) };
    case 'deployment':
      return {
        ...e,
        service: service(e.service),
        environment: { ...e.environment, name: e.environment.name.trim() },
        target: e.target?.trim(),
        commitSha: sha(e.commitSha),
        commits: e.commits?.map(commit),
      };
    case 'change':
      return {
        ...e,
        repository: e.repository.trim(),
        commits: e.commits.map(commit),
        before: sha(e.before),
        tags: e.tags?.map((tag) => ({ ...tag, sha: sha(tag.sha) ?? tag.sha })),
        pullRequest: e.pullRequest && {
          ...e.pullRequest,
          mergeCommitSha: sha(e.pullRequest.mergeCommitSha),
          headSha: sha(e.pullRequest.headSha),
        },
        subjectFacts: e.subjectFacts && {
          ...e.subjectFacts,
          commitSha: sha(e.subjectFacts.commitSha),
        },
      };
    case 'incident':
      return {
        ...e,
        services: e.services.map(service),
        environment: e.environment && { ...e.environment, name: e.environment.name.trim() },
      };
    case 'testResult':
      return e;
  }
}

export const MAX_ID_LENGTH = 200;
export const MAX_TEXT_LENGTH = 2_000;
export const MAX_LIST_LENGTH = 1_000;
/** Changed files per commit: GitHub's API lists at most 3,000 for one commit. */
export const MAX_COMMIT_PATHS = 3_000;
/** Linux PATH_MAX. */
export const MAX_PATH_LENGTH = 4_096;
const SHA = /^[0-9a-f]{7,64}$/i;
/** Oldest accepted timestamp; anything before is a unit or parsing mistake. */
const EARLIEST = Date.UTC(2000, 0, 1);
/** How far into the future an occurrence may lie (producer clock skew). */
const MAX_FUTURE_MS = 24 * 3600_000;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

class Checker {
  readonly errors: FieldError[] = [];
  constructor(private readonly now: Date) {}

  add(field: string, message: string): void {
    this.errors.push({ field, message });
  }

  id(field: string, value: string | undefined, required = true): void {
    if (value === undefined || value === null) {
      if (required) this.add(field, 'is required');
    } else if (typeof value !== 'string' || value.trim() === '') {
      this.add(field, 'must not be empty');
    } else if (value.length > MAX_ID_LENGTH) {
      this.add(field, `must be at most ${MAX_ID_LENGTH} characters`);
    } else {
      this.storable(field, value);
    }
  }

  text(field: string, value: string | undefined, max = MAX_TEXT_LENGTH): void {
    if (value !== undefined && value !== null && (typeof value !== 'string' || value.length > max))
      this.add(field, `must be a string of at most ${max} characters`);
    else if (typeof value === 'string') this.storable(field, value);
  }

  /** PostgreSQL text and jsonb hold neither NUL nor lone UTF-16 surrogates (invalid Unicode). */
  storable(field: string, value: string): void {
    if (value.includes('\u0000')) this.add(field, 'must not contain NUL characters');
    else if (LONE_SURROGATE.test(value))
      this.add(field, 'must be valid Unicode (a lone surrogate)');
  }

  oneOf(field: string, value: string | undefined, allowed: readonly string[], required = true) {
    if (value === undefined || value === null) {
      if (required) this.add(field, 'is required');
    } else if (!allowed.includes(value)) {
      this.add(field, `must be one of ${allowed.join(', ')}`);
    }
  }

  sha(field: string, value: string | undefined): void {
    if (value !== undefined && value !== null && !SHA.test(value.trim()))
      this.add(field, 'must be a hexadecimal commit SHA of 7 to 64 characters');
  }

  time(field: string, value: Date | undefined): void {
    if (value === undefined || value === null) return;
    const ms = value instanceof Date ? value.getTime() : NaN;
    if (Number.isNaN(ms)) this.add(field, 'is not a valid timestamp');
    else if (ms < EARLIEST) this.add(field, 'lies before 2000-01-01');
    else if (ms > this.now.getTime() + MAX_FUTURE_MS) this.add(field, 'lies in the future');
  }

  /** `later` must not precede `earlier` (both optional). */
  order(earlierField: string, earlier: Date | undefined, laterField: string, later?: Date) {
    if (earlier && later && later.getTime() < earlier.getTime())
      this.add(laterField, `must not be before ${earlierField}`);
  }

  count(field: string, value: number | undefined): void {
    if (value !== undefined && value !== null && !(Number.isInteger(value) && value >= 0))
      this.add(field, 'must be a non-negative integer');
  }

  /** An http(s) link, shown to people (alerts link it): nothing else, no credentials. */
  link(field: string, value: string | undefined): void {
    if (value === undefined || value === null) return;
    this.text(field, value);
    let url: URL | null = null;
    try {
      url = new URL(value);
    } catch {
      url = null;
    }
    if (
      !url ||
      (url.protocol !== 'http:' && url.protocol !== 'https:') ||
      url.username !== '' ||
      url.password !== '' ||
      /[\s<>|]/.test(value)
    )
      this.add(field, 'must be an http(s) URL without credentials, spaces, <, > or |');
  }

  list(field: string, value: readonly unknown[] | undefined, max = MAX_LIST_LENGTH): void {
    if (value && value.length > max) this.add(field, `must have at most ${max} items`);
  }

  envelope(e: Envelope): void {
    this.id('source', e.source);
    this.id('eventId', e.eventId);
    this.time('occurredAt', e.occurredAt);
    if (e.traceParent !== undefined && e.traceParent !== null && !TRACEPARENT.test(e.traceParent))
      this.add('traceparent', 'must be a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>)');
  }

  commits(field: string, commits: readonly CommitRef[] | undefined): void {
    this.list(field, commits);
    commits?.slice(0, MAX_LIST_LENGTH).forEach((c, i) => {
      const at = `${field}[${i}]`;
      if (!c.sha) this.add(`${at}.sha`, 'is required');
      else this.sha(`${at}.sha`, c.sha);
      this.text(`${at}.repository`, c.repository, MAX_ID_LENGTH);
      this.text(`${at}.message`, c.message, 10_000);
      this.time(`${at}.authoredAt`, c.authoredAt);
      this.time(`${at}.committedAt`, c.committedAt);
      this.paths(`${at}.paths`, c.paths);
      this.text(`${at}.branch`, c.branch, MAX_ID_LENGTH);
      this.text(`${at}.author`, c.author, MAX_ID_LENGTH);
    });
  }

  paths(field: string, paths: readonly string[] | undefined): void {
    this.list(field, paths, MAX_COMMIT_PATHS);
    paths?.slice(0, MAX_COMMIT_PATHS).forEach((p, i) => {
      if (typeof p !== 'string' || relativePath(p) === '')
        this.add(`${field}[${i}]`, 'must be a file path relative to the repository root');
      else this.text(`${field}[${i}]`, p, MAX_PATH_LENGTH);
    });
  }
}

function pipelineRun(v: Checker, e: PipelineRunEvent): void {
  v.id('runId', e.runId);
  v.id('pipelineName', e.pipelineName);
  if (
    e.attempt !== undefined &&
    e.attempt !== null &&
    !(Number.isInteger(e.attempt) && e.attempt >= 1)
  )
    v.add('attempt', 'must be an integer of at least 1');
  v.oneOf('status', e.status, RUN_STATUSES);
  v.oneOf('outcome', e.outcome, RUN_OUTCOMES, false);
  if (e.outcome && e.status !== 'FINISHED') v.add('outcome', 'is only allowed when FINISHED');
  v.text('repository', e.repository, MAX_ID_LENGTH);
  v.text('ref', e.ref, MAX_ID_LENGTH);
  v.sha('commitSha', e.commitSha);
  v.text('url', e.url);
  v.time('queuedAt', e.queuedAt);
  v.time('startedAt', e.startedAt);
  v.time('finishedAt', e.finishedAt);
  v.id('chainId', e.chainId, false);
  v.order('queuedAt', e.queuedAt, 'startedAt', e.startedAt);
  v.order('startedAt', e.startedAt, 'finishedAt', e.finishedAt);
  if (!e.startedAt) v.order('queuedAt', e.queuedAt, 'finishedAt', e.finishedAt);
  if (e.finishedAt && e.status !== 'FINISHED') v.add('finishedAt', 'is only allowed when FINISHED');
  if (e.tests) {
    v.count('tests.passed', e.tests.passed);
    v.count('tests.failed', e.tests.failed);
    v.count('tests.skipped', e.tests.skipped);
    v.list('tests.suites', e.tests.suites);
    e.tests.suites?.slice(0, MAX_LIST_LENGTH).forEach((s, i) => {
      v.id(`tests.suites[${i}].name`, s.name);
      v.count(`tests.suites[${i}].passed`, s.passed);
      v.count(`tests.suites[${i}].failed`, s.failed);
      v.count(`tests.suites[${i}].skipped`, s.skipped);
      const d = s.durationSeconds;
      if (d !== undefined && d !== null && !(Number.isFinite(d) && d >= 0))
        v.add(`tests.suites[${i}].durationSeconds`, 'must be a non-negative number');
    });
  }
}

function deployment(v: Checker, e: DeploymentEvent): void {
  v.id('deploymentId', e.deploymentId);
  v.id('service', e.service?.name);
  v.text('namespace', e.service?.namespace, MAX_ID_LENGTH);
  v.text('team', e.service?.team, MAX_ID_LENGTH);
  v.id('environment', e.environment?.name);
  v.oneOf('environmentTier', e.environment?.tier, ENVIRONMENT_TIERS, false);
  v.text('version', e.version, MAX_ID_LENGTH);
  v.text('previousVersion', e.previousVersion, MAX_ID_LENGTH);
  if (e.target !== undefined && e.target !== null) {
    const problem =
      typeof e.target === 'string' ? targetProblem(e.target.trim()) : 'must be a string';
    if (problem) v.add('target', problem);
  }
  v.sha('commitSha', e.commitSha);
  v.text('repository', e.repository, MAX_ID_LENGTH);
  v.commits('commits', e.commits);
  v.oneOf('status', e.status, DEPLOYMENT_STATUSES);
  v.oneOf('kind', e.kind, DEPLOYMENT_KINDS, false);
  v.list('remediates', e.remediates);
  e.remediates?.slice(0, MAX_LIST_LENGTH).forEach((r, i) => {
    v.oneOf(`remediates[${i}].kind`, r.kind, ['DEPLOYMENT', 'INCIDENT']);
    v.id(`remediates[${i}].id`, r.id);
    v.id(`remediates[${i}].source`, r.source, false);
  });
  v.time('startedAt', e.startedAt);
  v.time('finishedAt', e.finishedAt);
  v.order('startedAt', e.startedAt, 'finishedAt', e.finishedAt);
  if (e.finishedAt && (e.status === 'QUEUED' || e.status === 'IN_PROGRESS'))
    v.add('finishedAt', 'is only allowed when the deployment has finished');
  v.text('url', e.url);
  if (e.pipelineRun) {
    v.id('pipelineRunId', e.pipelineRun.id);
    v.id('pipelineRunSource', e.pipelineRun.source, false);
  }
}

function change(v: Checker, e: ChangeEvent): void {
  v.id('repository', e.repository);
  v.commits('commits', e.commits);
  v.sha('before', e.before);
  v.time('pushedAt', e.pushedAt);
  const pr = e.pullRequest;
  if (pr) {
    v.id('pullRequest.id', pr.id);
    v.time('pullRequest.firstCommitAt', pr.firstCommitAt);
    v.time('pullRequest.mergedAt', pr.mergedAt);
    v.order('pullRequest.firstCommitAt', pr.firstCommitAt, 'pullRequest.mergedAt', pr.mergedAt);
    v.sha('pullRequest.mergeCommitSha', pr.mergeCommitSha);
    v.text('pullRequest.title', pr.title);
    v.text('pullRequest.body', pr.body, 65_536);
    v.text('pullRequest.headBranch', pr.headBranch, MAX_ID_LENGTH);
    v.time('pullRequest.createdAt', pr.createdAt);
    v.order('pullRequest.createdAt', pr.createdAt, 'pullRequest.mergedAt', pr.mergedAt);
    v.sha('pullRequest.headSha', pr.headSha);
    v.count('pullRequest.commitCount', pr.commitCount);
    v.text('pullRequest.author', pr.author, MAX_ID_LENGTH);
    v.link('pullRequest.url', pr.url);
    v.list('pullRequest.labels', pr.labels, 100);
    pr.labels
      ?.slice(0, 100)
      .forEach((l, i) => v.text(`pullRequest.labels[${i}]`, l, MAX_ID_LENGTH));
  }
  v.list('tags', e.tags, 100);
  e.tags?.slice(0, 100).forEach((tag, i) => {
    v.id(`tags[${i}].name`, tag.name);
    if (!tag.sha) v.add(`tags[${i}].sha`, 'is required');
    else v.sha(`tags[${i}].sha`, tag.sha);
  });
  const facts = e.subjectFacts;
  if (facts) {
    if (!pr) v.add('pullRequest', 'is required with subjectFacts');
    v.sha('subjectFacts.commitSha', facts.commitSha);
    v.time('subjectFacts.mergedAt', facts.mergedAt);
    if (!facts.commitSha && !facts.mergedAt) v.add('subjectFacts', 'give a commit or a merge time');
  } else if ((e.commits?.length ?? 0) === 0 && !pr?.mergeCommitSha && (e.tags?.length ?? 0) === 0) {
    v.add('commits', 'give at least one commit (or a pull request merge commit, or a tag)');
  }
}

function testResult(v: Checker, e: TestResultEvent): void {
  v.oneOf('level', e.level, TEST_LEVELS);
  v.id('resultId', e.resultId);
  v.id('chainId', e.chainId);
  v.id('suiteRunId', e.suiteRunId, false);
  v.text('name', e.name, MAX_ID_LENGTH);
  v.oneOf('outcome', e.outcome, TEST_OUTCOMES, false);
}

function incident(v: Checker, e: IncidentEvent): void {
  v.id('incidentId', e.incidentId);
  v.list('services', e.services, 100);
  e.services?.slice(0, 100).forEach((s, i) => {
    v.id(`services[${i}].name`, s.name);
    v.text(`services[${i}].namespace`, s.namespace, MAX_ID_LENGTH);
    v.text(`services[${i}].team`, s.team, MAX_ID_LENGTH);
  });
  if (e.environment) {
    v.id('environment', e.environment.name);
    v.oneOf('environmentTier', e.environment.tier, ENVIRONMENT_TIERS, false);
  }
  v.text('title', e.title);
  v.text('severity', e.severity, MAX_ID_LENGTH);
  v.text('url', e.url);
  v.time('impactStartedAt', e.impactStartedAt);
  v.time('detectedAt', e.detectedAt);
  v.time('mitigatedAt', e.mitigatedAt);
  v.time('resolvedAt', e.resolvedAt);
  v.order('impactStartedAt', e.impactStartedAt, 'mitigatedAt', e.mitigatedAt);
  v.order('impactStartedAt', e.impactStartedAt, 'resolvedAt', e.resolvedAt);
  v.order('detectedAt', e.detectedAt, 'resolvedAt', e.resolvedAt);
  v.text('causedByVersion', e.causedByVersion, MAX_ID_LENGTH);
  v.list('causedBy', e.causedBy, 100);
  e.causedBy?.slice(0, 100).forEach((c, i) => {
    v.id(`causedBy[${i}].id`, c.id);
    v.id(`causedBy[${i}].source`, c.source, false);
  });
}
