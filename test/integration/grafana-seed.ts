/**
 * A month of delivery history for the dashboard tests, recorded through the GraphQL API as CI/CD
 * systems would: two teams' services, pushes, production and staging deployments, a rolled-back
 * release with its rollback and incident, a failed deployment and a hotfix.
 */
import type { GqlResponse } from '../support/test-app.js';

type Gql = (query: string, variables?: Record<string, unknown>) => Promise<GqlResponse>;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface SeededService {
  readonly name: string;
  readonly team: string;
  readonly repository: string;
}

export const SEEDED_SERVICES: readonly SeededService[] = [
  { name: 'checkout', team: 'payments', repository: 'acme/checkout' },
  { name: 'search', team: 'discovery', repository: 'acme/search' },
];

export const PRODUCTION = 'production';
export const STAGING = 'staging';
export const RELEASES_PER_SERVICE = 6;

const RECORD_DEPLOYMENT = `mutation ($input: DeploymentInput!) { recordDeployment(input: $input) { result errors { message } } }`;
const RECORD_CHANGE = `mutation ($input: ChangeInput!) { recordChange(input: $input) { result errors { message } } }`;
const RECORD_INCIDENT = `mutation ($input: IncidentInput!) { recordIncident(input: $input) { result errors { message } } }`;
const INGEST_EVENTS = `mutation ($events: [EventInput!]!) { ingestEvents(events: $events) { result } }`;

function sha(repoIndex: number, n: number): string {
  return `${(repoIndex + 10).toString(16)}${n.toString(16).padStart(6, '0')}`.padEnd(40, 'a');
}

async function expectAccepted(gql: Gql, query: string, input: Record<string, unknown>) {
  const res = await gql(query, { input });
  const outcome = Object.values(res.data ?? {})[0] as
    { result: string; errors: unknown[] } | undefined;
  if (res.errors?.length || outcome?.result !== 'ACCEPTED') {
    throw new Error(`seed event refused: ${JSON.stringify({ input, res })}`);
  }
}

let eventSeq = 0;
const envelope = (at: Date) => ({
  source: 'grafana-test-ci',
  eventId: `evt-${++eventSeq}`,
  occurredAt: at.toISOString(),
});

/**
 * Records the history, ending shortly before `now`. Returns the id (in the source) of the
 * production deployment that was rolled back.
 */
export async function seedDeliveryHistory(gql: Gql, now: Date): Promise<{ rolledBack: string }> {
  const rolledBack = 'checkout-prod-3';
  for (const [r, service] of SEEDED_SERVICES.entries()) {
    for (let i = 0; i < RELEASES_PER_SERVICE; i++) {
      const day = new Date(now.getTime() - (26 - i * 4) * DAY - r * HOUR);
      const first = sha(r, 2 * i);
      const second = sha(r, 2 * i + 1);
      await expectAccepted(gql, RECORD_CHANGE, {
        ...envelope(new Date(day.getTime() - 20 * HOUR)),
        repository: service.repository,
        before: i === 0 ? null : sha(r, 2 * i - 1),
        commits: [
          { sha: first, committedAt: new Date(day.getTime() - 30 * HOUR).toISOString() },
          { sha: second, committedAt: new Date(day.getTime() - 22 * HOUR).toISOString() },
        ],
      });
      const release = {
        service: service.name,
        team: service.team,
        repository: service.repository,
        version: `1.${i}.0`,
        previousVersion: i === 0 ? null : `1.${i - 1}.0`,
        commitSha: second,
      };
      // Staging first, then production.
      for (const [environment, offset] of [
        [STAGING, -3 * HOUR],
        [PRODUCTION, 0],
      ] as const) {
        const started = new Date(day.getTime() + offset);
        const finished = new Date(started.getTime() + 10 * 60_000);
        await expectAccepted(gql, RECORD_DEPLOYMENT, {
          ...envelope(finished),
          ...release,
          deploymentId: `${service.name}-${environment === PRODUCTION ? 'prod' : 'stg'}-${i}`,
          environment,
          status: 'SUCCEEDED',
          startedAt: started.toISOString(),
          finishedAt: finished.toISOString(),
        });
      }
    }
  }

  // checkout 1.3.0 broke production: rolled back 30 minutes later, with an incident.
  const broken = new Date(now.getTime() - (26 - 3 * 4) * DAY + 10 * 60_000);
  await expectAccepted(gql, RECORD_DEPLOYMENT, {
    ...envelope(new Date(broken.getTime() + 30 * 60_000)),
    deploymentId: 'checkout-prod-3-rollback',
    service: 'checkout',
    environment: PRODUCTION,
    version: '1.2.0',
    previousVersion: '1.3.0',
    commitSha: sha(0, 5),
    kind: 'ROLLBACK',
    remediates: [{ kind: 'DEPLOYMENT', id: rolledBack }],
    status: 'SUCCEEDED',
    startedAt: new Date(broken.getTime() + 25 * 60_000).toISOString(),
    finishedAt: new Date(broken.getTime() + 30 * 60_000).toISOString(),
  });
  await expectAccepted(gql, RECORD_DEPLOYMENT, {
    ...envelope(new Date(broken.getTime() + 31 * 60_000)),
    deploymentId: rolledBack,
    service: 'checkout',
    environment: PRODUCTION,
    status: 'ROLLED_BACK',
  });
  await expectAccepted(gql, RECORD_INCIDENT, {
    ...envelope(new Date(broken.getTime() + 5 * 60_000)),
    incidentId: 'INC-1',
    services: [{ name: 'checkout' }],
    environment: PRODUCTION,
    title: 'Checkout errors after 1.3.0',
    severity: 'SEV2',
    impactStartedAt: broken.toISOString(),
    detectedAt: new Date(broken.getTime() + 5 * 60_000).toISOString(),
    mitigatedAt: new Date(broken.getTime() + 30 * 60_000).toISOString(),
    resolvedAt: new Date(broken.getTime() + 2 * HOUR).toISOString(),
    causedBy: [{ id: rolledBack }],
  });

  // search: a deployment that failed before reaching users, then a hotfix two days ago.
  const failedAt = new Date(now.getTime() - 3 * DAY);
  await expectAccepted(gql, RECORD_DEPLOYMENT, {
    ...envelope(failedAt),
    deploymentId: 'search-prod-failed',
    service: 'search',
    environment: PRODUCTION,
    version: '1.6.0',
    previousVersion: '1.5.0',
    status: 'FAILED',
    startedAt: new Date(failedAt.getTime() - 5 * 60_000).toISOString(),
    finishedAt: failedAt.toISOString(),
  });
  const hotfixAt = new Date(now.getTime() - 2 * DAY);
  await expectAccepted(gql, RECORD_DEPLOYMENT, {
    ...envelope(hotfixAt),
    deploymentId: 'search-prod-hotfix',
    service: 'search',
    environment: PRODUCTION,
    version: '1.5.1',
    previousVersion: '1.5.0',
    commitSha: sha(1, 11),
    kind: 'HOTFIX',
    status: 'SUCCEEDED',
    startedAt: new Date(hotfixAt.getTime() - 5 * 60_000).toISOString(),
    finishedAt: hotfixAt.toISOString(),
  });

  // An open incident, and one malformed event (REJECTED) for the ingestion panels.
  await expectAccepted(gql, RECORD_INCIDENT, {
    ...envelope(new Date(now.getTime() - HOUR)),
    incidentId: 'INC-2',
    services: [{ name: 'search' }, { name: 'checkout' }],
    environment: PRODUCTION,
    title: 'Slow product pages',
    severity: 'SEV3',
    detectedAt: new Date(now.getTime() - HOUR).toISOString(),
  });
  const rejected = await gql(INGEST_EVENTS, {
    events: [
      {
        deployment: {
          ...envelope(now),
          deploymentId: 'x',
          service: '',
          environment: PRODUCTION,
          status: 'SUCCEEDED',
        },
      },
    ],
  });
  const outcomes = (rejected.data?.ingestEvents ?? []) as { result: string }[];
  if (outcomes[0]?.result !== 'REJECTED') {
    throw new Error(`expected a REJECTED event: ${JSON.stringify(rejected)}`);
  }
  return { rolledBack };
}
