/**
 * The GraphQL documents the CLI sends, in one place, so that a schema change shows up here.
 * Field names follow src/ingestion/dto, src/delivery/models, src/auth/models.
 */

const OUTCOME = 'index result rawEventId entityId note differingFields errors { field message }';

export const RECORD_MUTATIONS = {
  deployment: `mutation RecordDeployment($input: DeploymentInput!) { recordDeployment(input: $input) { ${OUTCOME} } }`,
  pipelineRun: `mutation RecordPipelineRun($input: PipelineRunInput!) { recordPipelineRun(input: $input) { ${OUTCOME} } }`,
  change: `mutation RecordChange($input: ChangeInput!) { recordChange(input: $input) { ${OUTCOME} } }`,
  incident: `mutation RecordIncident($input: IncidentInput!) { recordIncident(input: $input) { ${OUTCOME} } }`,
} as const;

export type EventKind = keyof typeof RECORD_MUTATIONS;

export const INGEST_EVENTS = `mutation IngestEvents($events: [EventInput!]!) { ingestEvents(events: $events) { index result errors { field message } } }`;

export interface IngestOutcome {
  readonly index?: number | null;
  readonly result: 'ACCEPTED' | 'DUPLICATE' | 'REJECTED';
  readonly rawEventId?: string | null;
  readonly entityId?: string | null;
  readonly note?: string | null;
  readonly differingFields?: readonly string[] | null;
  readonly errors: readonly { readonly field: string; readonly message: string }[];
}

const TOKEN_FIELDS = 'id name prefix scopes createdAt lastUsedAt revokedAt';

export const CREATE_TOKEN = `mutation CreateApiToken($input: CreateApiTokenInput!) { createApiToken(input: $input) { token apiToken { ${TOKEN_FIELDS} } } }`;
export const LIST_TOKENS = `query ApiTokens { apiTokens { ${TOKEN_FIELDS} } }`;
export const REVOKE_TOKEN = `mutation RevokeApiToken($id: ID!) { revokeApiToken(id: $id) { ${TOKEN_FIELDS} } }`;

export interface ApiTokenView {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly scopes: readonly string[];
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

export const DEPLOYMENT = `query Deployment($id: ID!) { deployment(id: $id) { id source externalId status kind version commitSha finishedAt service { name namespace } environment { name tier } } }`;

export interface DeploymentView {
  readonly id: string;
  readonly source: string;
  readonly externalId: string;
  readonly status: string;
  readonly kind: string;
  readonly version: string | null;
  readonly commitSha: string | null;
  readonly finishedAt: string | null;
  readonly service: { readonly name: string; readonly namespace: string };
  readonly environment: { readonly name: string; readonly tier: string };
}

/** Newest successful deployments of a service to an environment (for the commit range). */
export const SUCCEEDED_DEPLOYMENTS = `query PreviousDeployments($service: String!, $namespace: String, $environment: String!) {
  deployments(service: $service, namespace: $namespace, environment: $environment, status: [SUCCEEDED], first: 5) {
    edges { node { id source externalId commitSha } }
  }
}`;

/** The newest deployments of a service to an environment (to find one by its natural key). */
export const DEPLOYMENTS_OF = `query DeploymentsOf($service: String!, $namespace: String, $environment: String!) {
  deployments(service: $service, namespace: $namespace, environment: $environment, first: 50) {
    edges { node { id source externalId commitSha } }
  }
}`;

const VERIFICATION_FIELDS = `id deploymentId kind state verdict reason service namespace environment version previousVersion
  baselineKind startedAt finishedAt nextTickAt watching deployFinishedAt rollbackRequestedAt rollbackBlockedReason remediatedAt
  policy { isDefault mode timing { intervalSeconds windowSeconds bakeSeconds maxVerificationSeconds } }`;

/** What wait-verdict polls: whether the release is (or can be) verified, and its verification. */
export const VERDICT_GATE = `query VerdictGate($id: ID!) {
  verificationCoverage(deploymentId: $id) { deploymentStatus verified prometheusConfigured reason message }
  releaseVerification(deploymentId: $id) { ${VERIFICATION_FIELDS} ticks { number classification reason stateAfter } }
}`;

export interface CoverageView {
  readonly deploymentStatus: string;
  readonly verified: boolean;
  readonly prometheusConfigured: boolean;
  readonly reason: string | null;
  readonly message: string;
}

export const VERIFICATION_EVIDENCE = `query VerificationEvidence($id: ID!) {
  releaseVerification(deploymentId: $id) {
    ${VERIFICATION_FIELDS}
    ticks { number at windowStart windowEnd classification severity baselineDegraded inWarmUp reason stateAfter evidence }
  }
}`;

export interface TickView {
  readonly number: number;
  readonly at?: string;
  readonly windowStart?: string;
  readonly windowEnd?: string;
  readonly classification: string;
  readonly severity?: string | null;
  readonly baselineDegraded?: boolean;
  readonly inWarmUp?: boolean;
  readonly reason: string;
  readonly stateAfter: string;
  readonly evidence?: unknown;
}

export interface VerificationView {
  readonly id: string;
  readonly deploymentId: string;
  readonly kind: 'RELEASE' | 'ROLLBACK';
  readonly state: string;
  readonly verdict: string | null;
  readonly reason: string | null;
  readonly service: string;
  readonly namespace: string;
  readonly environment: string;
  readonly version: string | null;
  readonly previousVersion: string | null;
  readonly baselineKind: string | null;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly nextTickAt: string | null;
  /** An early HEALTHY still watched to the end of the bake. */
  readonly watching: boolean;
  readonly deployFinishedAt: string;
  readonly rollbackRequestedAt: string | null;
  readonly rollbackBlockedReason: string | null;
  readonly remediatedAt: string | null;
  readonly policy: {
    readonly isDefault: boolean;
    readonly mode: string;
    readonly timing: {
      readonly intervalSeconds: number;
      readonly windowSeconds: number;
      readonly bakeSeconds: number;
      readonly maxVerificationSeconds: number;
    };
  };
  readonly ticks: readonly TickView[];
}

const DORA_PERIOD = `start end label days
  deploymentFrequency { deployments perDay perWeek deploymentDays notReachedUsers level reason }
  changeLeadTime { p50Seconds p75Seconds p90Seconds count excluded exclusions { reason count } level reason }
  changeFailureRate { ratio failed total suspected ratioWithSuspected level reason }
  failedDeploymentRecoveryTime { p50Seconds p90Seconds count failedNotRecovered level reason }
  deploymentReworkRate { ratio reworked total level reason }
  dataQuality { deploymentsWithKnownChangeset knownChangesetShare incidents incidentsAttributed attributedIncidentShare }`;

const QUICK_CHECK_FIGURE = '{ answer answerLabel score industryMean }';
const QUICK_CHECK = `quickCheck {
  edition title industry
  deploymentFrequency ${QUICK_CHECK_FIGURE} changeLeadTime ${QUICK_CHECK_FIGURE}
  changeFailureRate ${QUICK_CHECK_FIGURE} failedDeploymentRecoveryTime ${QUICK_CHECK_FIGURE}
  deploymentReworkRate ${QUICK_CHECK_FIGURE}
  throughput { score industryMean } stability { score industryMean } performance { score industryMean }
}`;

export interface QuickCheckFigureView {
  readonly score: number | null;
  readonly industryMean: number;
}

export interface QuickCheckView {
  readonly edition: string;
  readonly title: string;
  readonly industry: string;
  readonly deploymentFrequency: QuickCheckFigureView;
  readonly changeLeadTime: QuickCheckFigureView;
  readonly changeFailureRate: QuickCheckFigureView;
  readonly failedDeploymentRecoveryTime: QuickCheckFigureView;
  readonly deploymentReworkRate: QuickCheckFigureView;
  readonly throughput: QuickCheckFigureView;
  readonly stability: QuickCheckFigureView;
  readonly performance: QuickCheckFigureView;
}

export const DORA_METRICS = `query DoraMetrics($filter: DoraMetricsFilter!, $buckets: Boolean!) {
  doraMetrics(filter: $filter) {
    definitionVersion
    benchmark { id report year }
    scope { environment services unmatchedServices teams timezone granularity }
    window { ${DORA_PERIOD} ${QUICK_CHECK} }
    buckets @include(if: $buckets) { ${DORA_PERIOD} }
    flow {
      intervalP50Seconds intervalP90Seconds intervals batchChangesP50 batchChangesP90
      batchPullRequestsP50 batchPullRequestsP90 batches deploymentsWithoutChanges
      leadTimeStages { stage p50Seconds p90Seconds samples }
    }
  }
}`;

/** One page of services, by name; pass `pageInfo.endCursor` as `after` for the next. */
export const SERVICES = `query Services($team: String, $after: String) {
  services(team: $team, first: 100, after: $after) {
    edges { node { id name namespace team } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export interface ServicesPage {
  readonly services: {
    readonly edges: { readonly node: { name: string; namespace: string; team: string | null } }[];
    readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
  };
}

export interface DoraPeriodView {
  readonly start: string;
  readonly end: string;
  readonly label: string;
  readonly days: number;
  readonly deploymentFrequency: {
    readonly deployments: number;
    readonly perDay: number | null;
    readonly perWeek: number | null;
    readonly deploymentDays: number;
    readonly notReachedUsers: number;
    readonly level: string | null;
    readonly reason: string | null;
  };
  readonly changeLeadTime: {
    readonly p50Seconds: number | null;
    readonly p75Seconds: number | null;
    readonly p90Seconds: number | null;
    readonly count: number;
    readonly excluded: number;
    readonly exclusions: readonly { readonly reason: string; readonly count: number }[];
    readonly level: string | null;
    readonly reason: string | null;
  };
  readonly changeFailureRate: {
    readonly ratio: number | null;
    readonly failed: number;
    readonly total: number;
    readonly suspected: number;
    readonly ratioWithSuspected: number | null;
    readonly level: string | null;
    readonly reason: string | null;
  };
  readonly failedDeploymentRecoveryTime: {
    readonly p50Seconds: number | null;
    readonly p90Seconds: number | null;
    readonly count: number;
    readonly failedNotRecovered: number;
    readonly level: string | null;
    readonly reason: string | null;
  };
  readonly deploymentReworkRate: {
    readonly ratio: number | null;
    readonly reworked: number;
    readonly total: number;
    readonly level: string | null;
    readonly reason: string | null;
  };
  readonly dataQuality: {
    readonly deploymentsWithKnownChangeset: number;
    readonly knownChangesetShare: number | null;
    readonly incidents: number;
    readonly incidentsAttributed: number;
    readonly attributedIncidentShare: number | null;
  };
}

/** Time between deployments and batch size of the window (docs/dora.md, "Flow figures"). */
export interface DoraFlowView {
  readonly intervalP50Seconds: number | null;
  readonly intervalP90Seconds: number | null;
  readonly intervals: number;
  readonly batchChangesP50: number | null;
  readonly batchChangesP90: number | null;
  readonly batchPullRequestsP50: number | null;
  readonly batchPullRequestsP90: number | null;
  readonly batches: number;
  readonly deploymentsWithoutChanges: number;
  readonly leadTimeStages: readonly {
    readonly stage: string;
    readonly p50Seconds: number | null;
    readonly p90Seconds: number | null;
    readonly samples: number;
  }[];
}

export interface DoraMetricsView {
  readonly definitionVersion: string;
  readonly benchmark: { readonly id: string; readonly report: string; readonly year: number };
  readonly scope: {
    readonly environment: string;
    readonly services: readonly string[] | null;
    readonly unmatchedServices: readonly string[];
    readonly teams: readonly string[] | null;
    readonly timezone: string;
    readonly granularity: string;
  };
  readonly window: DoraPeriodView & { readonly quickCheck: QuickCheckView };
  readonly buckets?: readonly DoraPeriodView[];
  readonly flow: DoraFlowView;
}

const REVIEW_FIELDS =
  'id incidentId deploymentSource deploymentExternalId decision previousAttribution attribution reason actor actorName reviewedAt';

export const CONFIRM_INCIDENT_CAUSE = `mutation ConfirmIncidentCause($input: ReviewIncidentCauseInput!) { confirmIncidentCause(input: $input) { ${REVIEW_FIELDS} } }`;
export const REJECT_INCIDENT_CAUSE = `mutation RejectIncidentCause($input: ReviewIncidentCauseInput!) { rejectIncidentCause(input: $input) { ${REVIEW_FIELDS} } }`;

export interface IncidentCauseReviewView {
  readonly id: string;
  readonly incidentId: string;
  readonly deploymentSource: string;
  readonly deploymentExternalId: string;
  readonly decision: 'CONFIRMED' | 'REJECTED';
  readonly previousAttribution: string | null;
  readonly attribution: string;
  readonly reason: string;
  readonly actor: string;
  readonly actorName: string;
  readonly reviewedAt: string;
}

export const INCIDENT_TRIAGE = `query IncidentTriage($since: DateTime, $until: DateTime, $status: [TriageStatus!], $first: Int) {
  incidentTriage(since: $since, until: $until, status: $status, first: $first) {
    status reason deploymentSource deploymentExternalId
    incident { id source externalId title detectedAt impactStartedAt services { name namespace } }
    deployment { id finishedAt version service { name namespace } }
  }
}`;

export interface TriageItemView {
  readonly status: string;
  readonly reason: string;
  readonly deploymentSource: string;
  readonly deploymentExternalId: string;
  readonly incident: {
    readonly id: string;
    readonly source: string;
    readonly externalId: string;
    readonly title: string | null;
    readonly detectedAt: string | null;
    readonly impactStartedAt: string | null;
    readonly services: readonly { readonly name: string; readonly namespace: string }[];
  };
  readonly deployment: {
    readonly id: string;
    readonly finishedAt: string | null;
    readonly version: string | null;
    readonly service: { readonly name: string; readonly namespace: string };
  } | null;
}

export const APPLY_CATALOG = `mutation ApplyCatalog($input: ApplyCatalogInput!) {
  applyCatalog(input: $input) {
    dryRun effectiveAt ignored
    changes { kind name field before after }
    warnings { code message }
  }
}`;

export interface CatalogPlanView {
  readonly dryRun: boolean;
  readonly effectiveAt: string;
  readonly ignored: readonly string[];
  readonly changes: readonly {
    readonly kind: string;
    readonly name: string;
    readonly field: string;
    readonly before: string | null;
    readonly after: string | null;
  }[];
  readonly warnings: readonly { readonly code: string; readonly message: string }[];
}

const LOCK_FIELDS =
  'id scope service namespace environment reason lockedBy lockedByName lockedAt until releasedAt releasedBy active';
export const LOCK_DEPLOYMENTS = `mutation LockDeployments($input: DeployLockInput!) { lockDeployments(input: $input) { ${LOCK_FIELDS} } }`;
export const UNLOCK_DEPLOYMENTS = `mutation UnlockDeployments($id: ID!) { unlockDeployments(id: $id) { ${LOCK_FIELDS} } }`;
export const DEPLOY_LOCKS = `query DeployLocks($active: Boolean) { deployLocks(active: $active) { ${LOCK_FIELDS} } }`;

export interface DeployLockView {
  readonly id: string;
  readonly scope: 'SERVICE' | 'ENVIRONMENT' | 'EVERYTHING';
  readonly service: string | null;
  readonly namespace: string;
  readonly environment: string | null;
  readonly reason: string;
  readonly lockedBy: string;
  readonly lockedByName: string;
  readonly lockedAt: string;
  readonly until: string | null;
  readonly releasedAt: string | null;
  readonly releasedBy: string | null;
  readonly active: boolean;
}

export const DEPLOYMENT_GATE = `query DeploymentGate($service: String!, $environment: String!, $version: String, $namespace: String, $target: String) {
  deploymentGate(service: $service, environment: $environment, version: $version, namespace: $namespace, target: $target) {
    service namespace environment version decision complete evaluatedAt reasons { code level message }
  }
}`;

export interface DeploymentGateView {
  readonly service: string;
  readonly namespace: string;
  readonly environment: string;
  readonly version: string | null;
  readonly decision: 'ALLOW' | 'WARN' | 'DENY';
  readonly complete: boolean;
  readonly evaluatedAt: string;
  readonly reasons: readonly {
    readonly code: string;
    readonly level: string;
    readonly message: string;
  }[];
}

const DECISION_FIELDS = `id deploymentId state reason nextTickAt rollbackRequestedAt
  policy { mode timing { bakeSeconds maxVerificationSeconds } }
  decisions { action stateBefore stateAfter sli seconds reason actor actorName decidedAt }`;
/** The verification of a deployment, for the decision commands (they take a deployment id). */
export const VERIFICATION_OF = `query VerificationOf($id: ID!) { releaseVerification(deploymentId: $id) { id } }`;
export const APPROVE_ROLLBACK = `mutation ApproveRollback($id: ID!, $reason: String!) {
  approveRollback(verificationId: $id, reason: $reason) { ${DECISION_FIELDS} } }`;
export const DECIDE_VERIFICATION = `mutation DecideVerification($id: ID!, $verdict: HumanVerdict!, $reason: String!) {
  decideVerification(verificationId: $id, verdict: $verdict, reason: $reason) { ${DECISION_FIELDS} } }`;
export const EXTEND_BAKE = `mutation ExtendBake($id: ID!, $seconds: Int!, $reason: String!) {
  extendBake(verificationId: $id, seconds: $seconds, reason: $reason) { ${DECISION_FIELDS} } }`;
export const DISMISS_SLI_RISK = `mutation DismissSliRisk($id: ID!, $sli: String!, $reason: String!) {
  dismissSliRisk(verificationId: $id, sli: $sli, reason: $reason) { ${DECISION_FIELDS} } }`;

export interface VerificationDecisionView {
  readonly action: string;
  readonly stateBefore: string;
  readonly stateAfter: string;
  readonly sli: string | null;
  readonly seconds: number | null;
  readonly reason: string;
  readonly actor: string;
  readonly actorName: string;
  readonly decidedAt: string;
}

export interface DecidedVerificationView {
  readonly id: string;
  readonly deploymentId: string;
  readonly state: string;
  readonly reason: string | null;
  readonly nextTickAt: string | null;
  readonly rollbackRequestedAt: string | null;
  readonly policy: {
    readonly mode: string;
    readonly timing: { readonly bakeSeconds: number; readonly maxVerificationSeconds: number };
  };
  readonly decisions: readonly VerificationDecisionView[];
}

const FREEZE_FIELDS =
  'id name scope service namespace environment cron timeZone durationMinutes reason createdBy createdByName createdAt activeFrom activeUntil deletedAt deletedBy managedBy current { start end }';
export const CREATE_FREEZE_WINDOW = `mutation CreateFreezeWindow($input: FreezeWindowInput!) { createFreezeWindow(input: $input) { ${FREEZE_FIELDS} } }`;
export const DELETE_FREEZE_WINDOW = `mutation DeleteFreezeWindow($id: ID!) { deleteFreezeWindow(id: $id) { ${FREEZE_FIELDS} } }`;
export const FREEZE_WINDOWS = `query FreezeWindows($deleted: Boolean) { freezeWindows(deleted: $deleted) { ${FREEZE_FIELDS} } }`;
/**
 * `policy export`: the newest 400 live windows (the fields of a file only, within the server's
 * query cost limit), those from files written.
 */
export const LIVE_FREEZE_WINDOWS = `query LiveFreezeWindows { freezeWindows(first: 400) { name scope service namespace environment cron timeZone durationMinutes reason managedBy } }`;

/** A window as `policy export` reads it. */
export type FreezeWindowFileView = Pick<
  FreezeWindowView,
  | 'name'
  | 'service'
  | 'namespace'
  | 'environment'
  | 'cron'
  | 'timeZone'
  | 'durationMinutes'
  | 'reason'
  | 'managedBy'
>;

export interface FreezeWindowView {
  readonly id: string;
  readonly name: string;
  readonly scope: 'SERVICE' | 'ENVIRONMENT' | 'EVERYTHING';
  readonly service: string | null;
  readonly namespace: string;
  readonly environment: string | null;
  readonly cron: string;
  readonly timeZone: string;
  readonly durationMinutes: number;
  readonly reason: string;
  readonly createdBy: string;
  readonly createdByName: string;
  readonly createdAt: string;
  readonly activeFrom: string | null;
  readonly activeUntil: string | null;
  readonly deletedAt: string | null;
  readonly deletedBy: string | null;
  /** 'files': created by `policy apply`. */
  readonly managedBy: 'files' | null;
  readonly current: { readonly start: string; readonly end: string } | null;
}

const POLICY_FIELDS =
  'service namespace environment mode slis { name objective totalQuery badQuery } checks { name query successCondition failureCondition dryRun } timing { intervalSeconds windowSeconds warmUpSeconds bakeSeconds earlyHealthySeconds maxVerificationSeconds settleWindowSeconds preDeployWindowSeconds cooldownSeconds rollbackVerifyTimeoutSeconds lateWatchSeconds lateWatchIntervalSeconds } analysis { minRequests minBadEvents alpha allowedIncrease minAbsDelta criticalAbsRatio criticalIncrease criticalBurnRate pageBurnRate criticalSustainSeconds severeSustainSeconds sequentialBeta passK minEvaluatedTicks consecutiveErrorLimit maxRoutes routeMinRequests } alertChannels lateRegressionRollback targetLabel rollbackTarget { kind url repository workflow ref projectId eventType secretFromEnv }';

export const VERIFICATION_POLICIES = `query VerificationPolicies { verificationPolicies { ${POLICY_FIELDS} } }`;

/** A saved policy as `policy export` writes it (a rollback target only by its secret's reference). */
export interface VerificationPolicyView {
  readonly service: string;
  readonly namespace: string;
  readonly environment: string;
  readonly mode: string;
  readonly slis: readonly Record<string, unknown>[];
  readonly checks: readonly {
    readonly name: string;
    readonly query: string;
    readonly successCondition: string | null;
    readonly failureCondition: string | null;
    readonly dryRun: boolean;
  }[];
  readonly timing: Record<string, number>;
  readonly analysis: Record<string, number>;
  readonly alertChannels: readonly string[];
  readonly lateRegressionRollback: boolean;
  readonly targetLabel: string | null;
  readonly rollbackTarget: {
    readonly kind: string;
    readonly url: string | null;
    readonly repository: string | null;
    readonly workflow: string | null;
    readonly ref: string | null;
    readonly projectId: string | null;
    readonly eventType: string | null;
    /** The variable the secret is read from; null when the secret is stored inline. */
    readonly secretFromEnv: string | null;
  } | null;
}

export const APPLY_POLICY_FILES = `mutation ApplyVerificationPolicyFiles($input: ApplyVerificationPolicyFilesInput!) { applyVerificationPolicyFiles(input: $input) { dryRun saved deleted changes { file kind name service namespace environment status differences { field before after } } } }`;

export interface PolicyFilesPlanView {
  readonly dryRun: boolean;
  readonly saved: number;
  readonly deleted: number;
  readonly changes: readonly {
    readonly file: string | null;
    readonly kind: 'VERIFICATION_POLICY' | 'FREEZE_WINDOW';
    readonly name: string;
    readonly service: string;
    readonly namespace: string;
    readonly environment: string;
    readonly status: 'ADDED' | 'CHANGED' | 'UNCHANGED' | 'NOT_IN_FILES' | 'DELETED';
    readonly differences: readonly {
      readonly field: string;
      readonly before: string | null;
      readonly after: string | null;
    }[];
  }[];
}
