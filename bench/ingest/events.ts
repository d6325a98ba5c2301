/**
 * The events of the ingest benchmark, as GraphQL inputs. A "release" is what one CI run of one
 * service produces: a push, a finished pipeline run with test results, and a deployment to
 * staging; every 20th release also goes to production (with changeset and lead-time work).
 * Event ids carry a run tag so that repeated runs against one database never collide.
 *
 * A monorepo stream puts the 20 services of its tag in one repository, `acme/mono-<tag>`: one
 * commit chain for all of them, each commit naming the files it changed (its service's folder,
 * every 10th also `libs/shared/`), so that a production deployment walks the 20 commits since
 * the previous one and keeps those touching its service's globs (see monorepoGlobs).
 */
export type BenchEvent =
  | { readonly change: Record<string, unknown> }
  | { readonly pipelineRun: Record<string, unknown> }
  | { readonly deployment: Record<string, unknown> };

export const SERVICES = 20;
const hex = (n: number, tag: number) =>
  `${tag.toString(16).padStart(8, '0')}${n.toString(16).padStart(32, '0')}`;

/** The service of a release of stream `tag`. */
export const benchService = (tag: number, k: number) => `svc-${tag}-${k % SERVICES}`;

/** The repository of a monorepo stream, and the globs each of its services declares there. */
export const monorepoOf = (tag: number) => `acme/mono-${tag}`;
export const monorepoGlobs = (service: string) => [`services/${service}/**`, 'libs/shared/**'];

/** The i-th event (0-based) of stream `tag`; three events per release, in delivery order. */
export function benchEvent(i: number, tag: number, monorepo = false): BenchEvent {
  const release = Math.floor(i / 3);
  // Each stream has its own services, so that streams measured one after the other never mix.
  const service = benchService(tag, release);
  const repository = monorepo ? monorepoOf(tag) : `acme/${service}`;
  const previous = monorepo ? release - 1 : release - SERVICES;
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
          repository,
          before: previous >= 0 ? hex(previous, tag) : undefined,
          commits: [
            {
              sha: commit,
              committedAt: iso(-600),
              message: `change ${release}`,
              ...(monorepo
                ? {
                    paths: [
                      `services/${service}/src/change${release}.ts`,
                      ...(release % 10 === 0 ? ['libs/shared/util.ts'] : []),
                    ],
                  }
                : {}),
            },
          ],
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
          repository,
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
          repository,
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
export function singleBody(i: number, tag: number, monorepo = false): string {
  const event = benchEvent(i, tag, monorepo);
  const [kind, input] = Object.entries(event)[0] as [keyof typeof MUTATION_OF, unknown];
  return JSON.stringify({ query: MUTATION_OF[kind], variables: { input } });
}

/** The request body that sends events [from, from + size) through ingestEvents. */
export function batchBody(from: number, size: number, tag: number, monorepo = false): string {
  const events = Array.from({ length: size }, (_, k) => benchEvent(from + k, tag, monorepo));
  return JSON.stringify({ query: INGEST_EVENTS, variables: { events } });
}
