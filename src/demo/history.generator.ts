/**
 * Synthetic delivery history for the demo: ~90 days of a few services with a realistic cadence
 * (more deployments on weekdays, fewer at weekends), pipeline runs, commits with pull requests,
 * failed pipelines that never deploy, and some bad releases followed by an incident and a hotfix
 * or a rollback. Pure and seeded: the same seed and `now` give the same events. Each event is an
 * `EventInput` of the ingestEvents mutation (one NDJSON line of `shipwatch import`).
 */

export interface DemoServiceSpec {
  readonly name: string;
  readonly team: string;
  readonly repository: string;
  /** Mean production deployments per weekday. */
  readonly deploysPerWeekday: number;
  /** Share of deployments that turn out bad (incident, then hotfix or rollback). */
  readonly badShare: number;
}

export const DEMO_SERVICES: readonly DemoServiceSpec[] = [
  {
    name: 'checkout',
    team: 'payments',
    repository: 'acme/checkout',
    deploysPerWeekday: 2.2,
    badShare: 0.08,
  },
  {
    name: 'search',
    team: 'discovery',
    repository: 'acme/search',
    deploysPerWeekday: 1.2,
    badShare: 0.05,
  },
  {
    name: 'payments',
    team: 'payments',
    repository: 'acme/payments',
    deploysPerWeekday: 0.5,
    badShare: 0.15,
  },
];

export const HISTORY_SOURCE = 'demo-history';

export interface HistoryOptions {
  readonly now: Date;
  readonly days?: number;
  /** History stops this long before `now`, so that no replayed deployment is verified live. */
  readonly quietHours?: number;
  readonly seed?: number;
  readonly services?: readonly DemoServiceSpec[];
}

export interface History {
  readonly events: Record<string, unknown>[];
  /** Last version deployed to production, per service. */
  readonly lastVersion: Record<string, string>;
  readonly counts: {
    deployments: number;
    bad: number;
    incidents: number;
    runs: number;
    changes: number;
  };
}

/** mulberry32: a small, good-enough seeded PRNG. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** Poisson-distributed count with mean `lambda` (Knuth; fine for small means). */
function poisson(random: () => number, lambda: number): number {
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = random();
  while (p > limit) {
    k++;
    p *= random();
  }
  return k;
}

export function generateHistory(options: HistoryOptions): History {
  const random = seeded(options.seed ?? 42);
  const days = options.days ?? 90;
  const end = options.now.getTime() - (options.quietHours ?? 3) * HOUR;
  const start = end - days * 24 * HOUR;
  const events: { at: number; event: Record<string, unknown> }[] = [];
  const counts = { deployments: 0, bad: 0, incidents: 0, runs: 0, changes: 0 };
  const lastVersion: Record<string, string> = {};
  const iso = (ms: number): string => new Date(ms).toISOString();
  const sha = (): string =>
    Array.from({ length: 40 }, () => Math.floor(random() * 16).toString(16)).join('');
  let serial = 0;
  const id = (prefix: string): string => `${prefix}-${++serial}`;

  for (const service of options.services ?? DEMO_SERVICES) {
    let minor = 0;
    let patch = 0;
    let current = '1.0.0';
    let previous = '1.0.0';
    const envelope = (kind: string, at: number) => ({
      source: HISTORY_SOURCE,
      eventId: id(`${service.name}-${kind}`),
      occurredAt: iso(at),
    });
    const deploy = (at: number, version: string, extra: Record<string, unknown>) => {
      previous = current;
      current = version;
      const runId = id(`${service.name}-run`);
      const runStart = at - (8 + random() * 12) * MINUTE;
      const commit = sha();
      events.push({
        at: at - 2 * MINUTE,
        event: {
          pipelineRun: {
            ...envelope('run', at - 2 * MINUTE),
            runId,
            pipelineName: `${service.name}-release`,
            repository: service.repository,
            ref: 'main',
            commitSha: commit,
            status: 'FINISHED',
            outcome: 'SUCCESS',
            startedAt: iso(runStart),
            finishedAt: iso(at - 2 * MINUTE),
            tests: {
              passed: 180 + Math.floor(random() * 40),
              failed: 0,
              skipped: Math.floor(random() * 4),
            },
          },
        },
      });
      counts.runs++;
      const deploymentId = id(`${service.name}-deploy`);
      events.push({
        at,
        event: {
          deployment: {
            ...envelope('deploy', at),
            deploymentId,
            service: service.name,
            team: service.team,
            environment: 'production',
            version,
            previousVersion: previous,
            commitSha: commit,
            repository: service.repository,
            status: 'SUCCEEDED',
            startedAt: iso(at - 90_000),
            finishedAt: iso(at),
            pipelineRunId: runId,
            ...extra,
          },
        },
      });
      counts.deployments++;
      lastVersion[service.name] = version;
      return { deploymentId, commit };
    };

    for (let day = 0; day < days; day++) {
      const dayStart = start + day * 24 * HOUR;
      const weekday = new Date(dayStart).getUTCDay();
      const weekend = weekday === 0 || weekday === 6;
      const n = poisson(
        random,
        weekend ? service.deploysPerWeekday * 0.15 : service.deploysPerWeekday,
      );
      const times = Array.from({ length: n }, () => dayStart + (8 + random() * 10) * HOUR).sort(
        (a, b) => a - b,
      );
      for (const at of times) {
        if (at > end) continue;
        // The commits of this release: a pull request of 1 to 4 commits, opened hours to days ago.
        const commitCount = 1 + Math.floor(random() * 4);
        const firstCommitAt = at - (1 + random() * 70) * HOUR;
        const commits = Array.from({ length: commitCount }, (_, i) => {
          const committedAt =
            firstCommitAt + ((at - 30 * MINUTE - firstCommitAt) * i) / commitCount;
          return {
            sha: sha(),
            message: `change ${serial}.${i} of ${service.name}`,
            authoredAt: iso(committedAt),
            committedAt: iso(committedAt),
          };
        });
        const mergedAt = at - (20 + random() * 60) * MINUTE;
        events.push({
          at: mergedAt,
          event: {
            change: {
              ...envelope('change', mergedAt),
              repository: service.repository,
              commits,
              pushedAt: iso(mergedAt),
              pullRequest: {
                id: id('pr'),
                firstCommitAt: iso(firstCommitAt),
                mergedAt: iso(mergedAt),
              },
            },
          },
        });
        counts.changes++;
        // One pipeline in twelve fails its tests and deploys nothing.
        if (random() < 1 / 12) {
          events.push({
            at,
            event: {
              pipelineRun: {
                ...envelope('run', at),
                runId: id(`${service.name}-run`),
                pipelineName: `${service.name}-release`,
                repository: service.repository,
                ref: 'main',
                status: 'FINISHED',
                outcome: 'FAILURE',
                startedAt: iso(at - 15 * MINUTE),
                finishedAt: iso(at),
                tests: { passed: 170, failed: 1 + Math.floor(random() * 5), skipped: 2 },
              },
            },
          });
          counts.runs++;
          continue;
        }
        minor++;
        patch = 0;
        const { deploymentId } = deploy(at, `1.${minor}.0`, {
          commits: commits.map((c) => ({
            sha: c.sha,
            message: c.message,
            committedAt: c.committedAt,
            authoredAt: c.authoredAt,
          })),
        });
        if (random() >= service.badShare) continue;

        // A bad release: an incident some minutes later, then a hotfix or a rollback.
        counts.bad++;
        const detectedAt = at + (5 + random() * 40) * MINUTE;
        const repairAt = detectedAt + (15 + random() * 180) * MINUTE;
        if (repairAt + 30 * MINUTE > end) continue;
        const incidentId = id(`INC-${service.name}`);
        events.push({
          at: detectedAt,
          event: {
            incident: {
              ...envelope('incident', detectedAt),
              incidentId,
              services: [{ name: service.name }],
              environment: 'production',
              title: `${service.name} error rate above SLO after ${current}`,
              severity: random() < 0.3 ? 'SEV1' : 'SEV2',
              impactStartedAt: iso(at + 2 * MINUTE),
              detectedAt: iso(detectedAt),
              causedBy: [{ id: deploymentId }],
            },
          },
        });
        counts.incidents++;
        const rollback = random() < 0.4;
        if (rollback) {
          deploy(repairAt, previous, {
            kind: 'ROLLBACK',
            remediates: [{ kind: 'DEPLOYMENT', id: deploymentId }],
          });
        } else {
          patch++;
          deploy(repairAt, `1.${minor}.${patch}`, {
            kind: 'HOTFIX',
            remediates: [{ kind: 'INCIDENT', id: incidentId }],
          });
        }
        const resolvedAt = repairAt + (5 + random() * 25) * MINUTE;
        events.push({
          at: resolvedAt,
          event: {
            incident: {
              ...envelope('incident', resolvedAt),
              incidentId,
              mitigatedAt: iso(repairAt),
              resolvedAt: iso(resolvedAt),
            },
          },
        });
      }
    }
  }
  events.sort((a, b) => a.at - b.at);
  return { events: events.map((e) => e.event), lastVersion, counts };
}
