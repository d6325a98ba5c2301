/**
 * The normalised events every source is mapped onto: GraphQL inputs, GitHub, GitLab and
 * CloudEvents/CDEvents webhooks, and the CLI all end as these, and only the ingestion service
 * applies them to the database. Pure types: no I/O here.
 */

export const TRANSPORTS = [
  'graphql',
  'github',
  'gitlab',
  'cloudevents',
  'cli',
  'alertmanager',
  'pagerduty',
  'opsgenie',
  'incident_io',
  'grafana_oncall',
  'flux',
] as const;
export type Transport = (typeof TRANSPORTS)[number];

export const ENVIRONMENT_TIERS = ['production', 'staging', 'testing', 'development'] as const;
export type EnvironmentTier = (typeof ENVIRONMENT_TIERS)[number];

export const DEPLOYMENT_STATUSES = [
  'QUEUED',
  'IN_PROGRESS',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
  'ROLLED_BACK',
] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

export const DEPLOYMENT_KINDS = ['PLANNED', 'HOTFIX', 'ROLLBACK', 'REVERT'] as const;
export type DeploymentKind = (typeof DEPLOYMENT_KINDS)[number];

export const RUN_STATUSES = ['QUEUED', 'RUNNING', 'FINISHED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const RUN_OUTCOMES = [
  'SUCCESS',
  'FAILURE',
  'ERROR',
  'CANCELLED',
  'SKIPPED',
  'TIMEOUT',
] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** Identity and timing common to every event. `(source, eventId)` is the dedupe key. */
export interface Envelope {
  /** The producer, e.g. `github`, `gitlab`, `https://jenkins.example.com`, `cli`. */
  readonly source: string;
  readonly eventId: string;
  /** When it happened, from the payload; absent only when the producer gives no time. */
  readonly occurredAt?: Date;
  /** W3C traceparent of the CI run that sent it, to continue its trace. */
  readonly traceParent?: string;
  /**
   * Who sent it, set by Shipwatch from the request's credentials, never from the payload:
   * `token:<id>` or `bootstrap` (see `submitterOf`). Absent for webhooks and synthetic events.
   * Release verification shares its scheduling fairly between submitters.
   */
  readonly submittedBy?: string;
}

export interface ServiceRef {
  /** Equals the workload's OpenTelemetry `service.name`. */
  readonly name: string;
  /** Equals `service.namespace`; empty string when none. */
  readonly namespace?: string;
  readonly team?: string;
  readonly repository?: string;
}

export interface EnvironmentRef {
  readonly name: string;
  /** Inferred from the name when absent (production, prod, prd -> production, ...). */
  readonly tier?: EnvironmentTier;
}

export interface CommitRef {
  /** Full or abbreviated (>= 7) lowercase hex SHA. */
  readonly sha: string;
  readonly repository?: string;
  readonly message?: string;
  readonly authoredAt?: Date;
  readonly committedAt?: Date;
  /**
   * The files the commit added, modified or removed, relative to the repository root (as push
   * payloads list them); absent when the producer does not say. Services in a shared repository
   * count only the commits that touch their paths (docs/dora.md).
   */
  readonly paths?: readonly string[];
  /**
   * The branch the commit was first pushed to (GitHub marks the commits a push brings for the
   * first time `distinct`). A pull request's first commit is found among the commits first
   * pushed to its head branch.
   */
  readonly branch?: string;
  /** Who wrote it: a login (GitHub `author.username`) or a name, as the producer gives it. */
  readonly author?: string;
}

/** A git tag and the commit it names (the commit, not an annotated tag's own object). */
export interface TagRef {
  readonly name: string;
  readonly sha: string;
}

/** A reference to another event's entity by its natural key; `source` defaults to the event's. */
export interface ExternalRef {
  readonly source?: string;
  readonly id: string;
}

export interface TestSuiteResult {
  readonly name: string;
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly durationSeconds?: number;
}

export interface PipelineRunEvent {
  readonly type: 'pipelineRun';
  readonly envelope: Envelope;
  readonly runId: string;
  /** 1 when absent; each attempt is its own run. */
  readonly attempt?: number;
  readonly pipelineName: string;
  readonly repository?: string;
  readonly ref?: string;
  readonly commitSha?: string;
  readonly status: RunStatus;
  readonly outcome?: RunOutcome;
  readonly queuedAt?: Date;
  readonly startedAt?: Date;
  readonly finishedAt?: Date;
  readonly url?: string;
  /**
   * The CDEvents chain the run belongs to (`context.chainId`): the test results of the chain are
   * its test totals (docs/integrations.md, "Test results").
   */
  readonly chainId?: string;
  readonly tests?: {
    readonly passed: number;
    readonly failed: number;
    readonly skipped: number;
    readonly suites?: readonly TestSuiteResult[];
  };
}

export interface DeploymentEvent {
  readonly type: 'deployment';
  readonly envelope: Envelope;
  /** Natural id within the source (GitHub deployment.id, GitLab deployment_id, your own). */
  readonly deploymentId: string;
  /**
   * The source that owns `deploymentId` when it is not the envelope's: a synthetic event from
   * Shipwatch (`envelope.source` 'shipwatch') about a GitHub deployment names `github` here.
   * The natural key is (deploymentSource ?? envelope.source, deploymentId).
   */
  readonly deploymentSource?: string;
  readonly service: ServiceRef;
  readonly environment: EnvironmentRef;
  /**
   * The region or cluster of a multi-target release (target.rule.ts); absent: the whole
   * environment. Fixed when the deployment is first seen with one.
   */
  readonly target?: string;
  /** Equals the workload's `service.version` once deployed. */
  readonly version?: string;
  readonly previousVersion?: string;
  readonly commitSha?: string;
  readonly repository?: string;
  /** The commits this deployment carries, when the producer knows them. */
  readonly commits?: readonly CommitRef[];
  readonly status: DeploymentStatus;
  readonly kind?: DeploymentKind;
  readonly remediates?: readonly (ExternalRef & { readonly kind: 'DEPLOYMENT' | 'INCIDENT' })[];
  readonly startedAt?: Date;
  readonly finishedAt?: Date;
  readonly url?: string;
  readonly pipelineRun?: ExternalRef;
  /**
   * A report the producer repeats while nothing changes (Flux reports every reconciliation of an
   * unchanged revision): a later report of the same status never moves the finish later. Set by
   * webhook mappers, never by a client.
   */
  readonly repeats?: boolean;
}

/** Commits pushed or merged into a repository (a push, a merged pull request). */
export interface ChangeEvent {
  readonly type: 'change';
  readonly envelope: Envelope;
  readonly repository: string;
  /** Oldest first; each commit's parent is the one before it (the first's is `before`). */
  readonly commits: readonly CommitRef[];
  readonly before?: string;
  readonly pushedAt?: Date;
  /**
   * Tags pushed or released: the commit each names. A deployment whose version is a tag of its
   * repository (`1.4.2` or `v1.4.2`) and that names no commit deployed that commit.
   */
  readonly tags?: readonly TagRef[];
  readonly pullRequest?: {
    readonly id: string;
    readonly firstCommitAt?: Date;
    readonly mergedAt?: Date;
    readonly mergeCommitSha?: string;
    /** What the DORA inference rules read (docs/dora.md, "Inferred change failures"). */
    readonly title?: string;
    readonly body?: string;
    /** The source (head) branch, e.g. `hotfix/login` or `revert-12-feature`. */
    readonly headBranch?: string;
    readonly labels?: readonly string[];
    /** When it was opened: its start when its first commit is unknown. */
    readonly createdAt?: Date;
    /**
     * Its head commit, on `headBranch` of this repository: the walk back from it over the
     * commits first pushed to that branch finds its first commit (`firstCommitAt` when absent).
     */
    readonly headSha?: string;
    /** How many commits it has: how far that walk may go. */
    readonly commitCount?: number;
    /** Who opened it (GitHub `user.login`), and its page (GitHub `html_url`, GitLab `url`). */
    readonly author?: string;
    readonly url?: string;
  };
  /**
   * Facts about the change `pullRequest.id` (of `envelope.source`) that complete each other across
   * events in any order (CDEvents change events): the commit it lands, as one event names it, and
   * its merge, as another says. Shipwatch keeps them by the change and records the merge (its
   * `mergedAt` and `mergeCommitSha`) once both are known. `commits` and `pullRequest`'s other
   * fields are then empty.
   */
  readonly subjectFacts?: {
    readonly commitSha?: string;
    readonly mergedAt?: Date;
  };
}

/** The result of one test suite run or test case run (CDEvents testsuiterun / testcaserun). */
export interface TestResultEvent {
  readonly type: 'testResult';
  /** `envelope.source` is the subject's source: (source, level, resultId) is the natural key. */
  readonly envelope: Envelope;
  readonly level: TestLevel;
  /** The run's id (`subject.id`). */
  readonly resultId: string;
  /** The chain shared with the pipeline run whose totals the result counts in. */
  readonly chainId: string;
  /** A case run's suite run (`testSuiteRun.id`), when it names one. */
  readonly suiteRunId?: string;
  readonly name?: string;
  /** Absent while queued or running. */
  readonly outcome?: TestOutcome;
}

export const TEST_LEVELS = ['SUITE', 'CASE'] as const;
export type TestLevel = (typeof TEST_LEVELS)[number];
export const TEST_OUTCOMES = ['PASSED', 'FAILED', 'SKIPPED'] as const;
export type TestOutcome = (typeof TEST_OUTCOMES)[number];

export interface IncidentEvent {
  readonly type: 'incident';
  readonly envelope: Envelope;
  readonly incidentId: string;
  /** The source that owns `incidentId` when it is not the envelope's (see DeploymentEvent). */
  readonly incidentSource?: string;
  readonly services: readonly ServiceRef[];
  readonly environment?: EnvironmentRef;
  readonly title?: string;
  readonly severity?: string;
  readonly url?: string;
  readonly impactStartedAt?: Date;
  readonly detectedAt?: Date;
  readonly mitigatedAt?: Date;
  readonly resolvedAt?: Date;
  readonly causedBy?: readonly ExternalRef[];
  /**
   * The version of its services the incident names (an alert's `version` label, a CDEvent's
   * artifact): the latest deployment of that version into the incident's environment (a
   * production one when it names none) that reached users by the impact start is its cause.
   */
  readonly causedByVersion?: string;
}

export type DomainEvent =
  PipelineRunEvent | DeploymentEvent | ChangeEvent | IncidentEvent | TestResultEvent;

/** One delivery as received, stored verbatim (secrets removed) whatever it maps to. */
export interface RawDelivery {
  readonly transport: Transport;
  readonly source: string;
  readonly dedupeKey: string;
  /** e.g. `deployment_status`, `Pipeline Hook`, `dev.cdevents.service.deployed.0.3.0`, `recordDeployment`. */
  readonly kind: string;
  readonly occurredAt?: Date;
  readonly headers: Record<string, string>;
  readonly payload: unknown;
  /** Why the delivery maps to no event, when it maps to none (kept with the raw event). */
  readonly note?: string;
}

export type IngestResult = 'ACCEPTED' | 'DUPLICATE' | 'REJECTED';

/** One problem with an event; `field` is the GraphQL input path, e.g. `commits[2].sha`. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

export interface IngestOutcome {
  readonly result: IngestResult;
  readonly rawEventId?: string;
  /**
   * Id of the entity the event created or updated (deployment, run, incident), when one; for a
   * DUPLICATE, the entity the event names by its natural key, when it exists.
   */
  readonly entityId?: string;
  readonly errors: readonly FieldError[];
  /** Set when the delivery was stored but Shipwatch does not model it, or for a DUPLICATE that differs. */
  readonly note?: string;
  /** DUPLICATE only: the top-level payload fields in which the stored delivery differs. */
  readonly differingFields?: readonly string[];
}
