/**
 * The events of the ingest benchmark, as GraphQL inputs. A "release" is what one CI run of one
 * service produces: a push, a finished pipeline run with test results, and a deployment to
 * staging; every 20th release also goes to production (with changeset and lead-time work).
 * Event ids carry a run tag so that repeated runs against one database never collide.
 */
export type BenchEvent =
  | { readonly change: Record<string, unknown> }
  | { readonly pipelineRun: Record<string, unknown> }
  | { readonly deployment: Record<string, unknown> };

const SERVICES = 20;
const hex = (n: number, tag: number) =>
  `${tag.toString(16).padStart(8, '0')}${n.toString(16).padStart(32, '0')}`;

/** The i-th event (0-based) of stream `tag`; three events per release, in delivery order. */
export function benchEvent(i: number, tag: number): BenchEvent {
  const release = Math.floor(i / 3);
  // Each stream has its own services, so that streams measured one after the other never mix.
  const service = `svc-${tag}-${release % SERVICES}`;
  const t = new Date(Date.UTC(2025, 0, 1) + release * 60_000 + tag * 3_600_000);
  const iso = (offsetSeconds: number) => new Date(t.getTime() + offsetSeconds * 1000).toISOString();
  const source = `bench-${tag}`;
  const commit = hex(release, tag);
  switch (i % 3) {
    case 0:
      return {
        change: {
          source,
          eventId: `push-${release}`,
          occurredAt: iso(0),
          repository: `acme/${service}`,
          before: release >= SERVICES ? hex(release - SERVICES, tag) : undefined,
          commits: [{ sha: commit, committedAt: iso(-600), message: `change ${release}` }],
        },
      };
    case 1:
      return {
        pipelineRun: {
          source,
          eventId: `run-${release}`,
          occurredAt: iso(300),
          runId: `run-${release}`,
          pipelineName: `${service}-ci`,
          repository: `acme/${service}`,
          ref: 'main',
          commitSha: commit,
          status: 'FINISHED',
          outcome: 'SUCCESS',
          startedAt: iso(60),
          finishedAt: iso(300),
          tests: {
            passed: 120,
            failed: 0,
            skipped: 3,
            suites: [{ name: 'unit', passed: 120, failed: 0, skipped: 3 }],
          },
        },
      };
    default:
      return {
        deployment: {
          source,
          eventId: `deploy-${release}`,
          occurredAt: iso(420),
          deploymentId: `deploy-${release}`,
          service,
          team: `team-${release % 4}`,
          environment: release % 20 === 19 ? 'production' : 'staging',
          version: `1.0.${release}`,
          commitSha: commit,
          repository: `acme/${service}`,
          status: 'SUCCEEDED',
          startedAt: iso(330),
          finishedAt: iso(420),
          pipelineRunId: `run-${release}`,
        },
      };
  }
}

export const MUTATION_OF = {
  change: 'mutation ($input: ChangeInput!) { recordChange(input: $input) { result } }',
  pipelineRun:
    'mutation ($input: PipelineRunInput!) { recordPipelineRun(input: $input) { result } }',
  deployment: 'mutation ($input: DeploymentInput!) { recordDeployment(input: $input) { result } }',
} as const;

export const INGEST_EVENTS =
  'mutation ($events: [EventInput!]!) { ingestEvents(events: $events) { result } }';

export const TRIVIAL_QUERY = '{ serverInfo { version } }';

/** The request body that sends event i alone through its single-event mutation. */
export function singleBody(i: number, tag: number): string {
  const event = benchEvent(i, tag);
  const [kind, input] = Object.entries(event)[0] as [keyof typeof MUTATION_OF, unknown];
  return JSON.stringify({ query: MUTATION_OF[kind], variables: { input } });
}

/** The request body that sends events [from, from + size) through ingestEvents. */
export function batchBody(from: number, size: number, tag: number): string {
  const events = Array.from({ length: size }, (_, k) => benchEvent(from + k, tag));
  return JSON.stringify({ query: INGEST_EVENTS, variables: { events } });
}
