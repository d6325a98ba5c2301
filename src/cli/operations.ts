/**
 * The GraphQL documents the CLI sends, in one place, so that a schema change shows up here.
 * Field names follow src/ingestion/dto, src/delivery/models, src/auth/models.
 */

const OUTCOME = 'index result rawEventId entityId note errors { field message }';

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
  baselineKind startedAt finishedAt nextTickAt deployFinishedAt rollbackRequestedAt rollbackBlockedReason remediatedAt
  policy { isDefault mode timing { intervalSeconds windowSeconds bakeSeconds maxVerificationSeconds } }`;

export const VERIFICATION_STATUS = `query VerificationStatus($id: ID!) {
  releaseVerification(deploymentId: $id) { ${VERIFICATION_FIELDS} ticks { number classification reason stateAfter } }
}`;

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

export const DORA_METRICS = `query DoraMetrics($filter: DoraMetricsFilter!, $buckets: Boolean!) {
  doraMetrics(filter: $filter) {
    definitionVersion
    benchmark { id report year }
    scope { environment services unmatchedServices teams timezone granularity }
    window { ${DORA_PERIOD} }
    buckets @include(if: $buckets) { ${DORA_PERIOD} }
  }
}`;

export const SERVICES = `query Services($team: String) { services(team: $team) { id name namespace team } }`;

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
  readonly window: DoraPeriodView;
  readonly buckets?: readonly DoraPeriodView[];
}
