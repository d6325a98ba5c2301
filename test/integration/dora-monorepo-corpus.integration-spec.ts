import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { GITHUB_TEST_SECRET, githubExample, signedGithub } from '../support/webhooks.js';

/**
 * Accuracy corpus: a monorepo with two services and a shared library, sent only as real GitHub
 * webhook payloads, nothing labelled. Every payload below is one of GitHub's own examples from
 * @octokit/webhooks-examples (api.github.com, the examples GitHub's webhook documentation
 * shows: https://github.com/octokit/webhooks/tree/main/payload-examples/api.github.com), with
 * the ids, SHAs, times, files and texts of this history written into it:
 *
 * - `push`: the example with one commit (commits[].added/modified/removed per commit);
 * - `pull_request`: the `closed` example, merged;
 * - `deployment`: the first example, `payload: {"service": …}` (Shipwatch's convention for
 *   the service a deployment of a shared repository deploys; not a label);
 * - `deployment_status`: the first example carrying a `deployment_status`.
 *
 * The services declare their paths with setServicePaths (configuration, not event labels):
 * `api` owns services/api/** and libs/shared/**, `web` owns services/web/** and
 * libs/shared/**. Pull requests are rebase-merged, so their commits reach main as they are; each
 * is opened five minutes after its last commit and merged five minutes later, so every change
 * starts at its own commit time (the earlier of that and its pull request's opening).
 *
 * | push | commit | committed | files                                            | api        | web        |
 * | P1   | c0     | 08:00     | README.md, services/{api,web}/…, libs/shared/…   | (seed)     | (seed)     |
 * | P2   | c1     | 10:00     | services/api/cart.go                             | touches    | elsewhere  |
 * | P2   | c2     | 10:20     | services/api/cart_test.go, docs/api.md (PR #11)  | touches    | elsewhere  |
 * | P3   | c3     | 11:00     | services/web/cart.tsx (PR #12)                   | elsewhere  | touches    |
 * | P4   | c4     | 11:30     | libs/shared/money.ts (PR #13)                    | touches    | touches    |
 * | P5   | c5     | 12:00     | docs/README.md                                   | elsewhere  | elsewhere  |
 * | P6   | c6     | 13:00     | services/api/cart.go                             | touches    | elsewhere  |
 * | P7   | c7     | 14:00     | 3,001 vendored files (more than a commit may list: paths unknown) | UNKNOWN_PATHS | |
 *
 * | deployment | service | env        | commit | created | status           | changeset (lead time = finish − commit time)         | batch |
 * | A1         | api     | production | c0     | 09:00   | success 09:05    | seed: c0 NO_PREDECESSOR                              | 0     |
 * | W1         | web     | production | c0     | 09:00   | success 09:06    | seed: c0 NO_PREDECESSOR                              | 0     |
 * | S1         | web     | staging    | c3     | 11:15   | success 11:20    | (staging: not production)                            |       |
 * | A2         | api     | production | c5     | 12:20   | success 12:30    | c1 9000, c2 7800, c4 3600; c3, c5 left out           | 3     |
 * | W2         | web     | production | c4     | 12:40   | success 12:45    | c3 6300, c4 4500; c1, c2 left out                    | 2     |
 * | AF         | api     | production | c6     | 13:15   | failure 13:18    | (never reached users)                                |       |
 * | A3         | api     | production | c6     | 13:20   | success 13:30    | c6 1800                                              | 1     |
 * | W3         | web     | production | c6     | 13:40   | success 13:50    | none: c5 and c6 touch nothing of web's               | 0     |
 * | A4         | api     | production | c7     | 14:20   | success 14:30    | c7 UNKNOWN_PATHS (reported, not counted)             | 0     |
 *
 * The batch size of a deployment is the number of changes it newly ships: those of its changeset
 * with a lead time, or without one for want of a usable time (NO_START_TIME, NEGATIVE); never a
 * seed's (NO_PREDECESSOR), a redeployed one (ALREADY_DEPLOYED), a rollback's or one of unknown
 * paths (UNKNOWN_PATHS).
 *
 * Without the paths, api's A2 would have counted c1…c5 and web's W3 c5 and c6.
 *
 * The same history is delivered three times, each on its own day and with its own services:
 * in order (paths set once both services exist); in reverse with every delivery sent twice (paths
 * set after everything arrived); and in a fixed shuffled order (paths set midway).
 */

const SERVICE_GLOBS = {
  api: ['services/api/**', 'libs/shared/**'],
  web: ['services/web/**', 'libs/shared/**'],
};

interface Delivery {
  readonly event: string;
  readonly payload: Record<string, unknown>;
  readonly delivery: string;
}

interface History {
  readonly prefix: string;
  readonly day: string;
  readonly deliveries: Delivery[];
  readonly sha: (label: string) => string;
  readonly service: (name: 'api' | 'web') => string;
}

/** A 40-hex SHA per history and label. */
const shaOf = (prefix: string, label: string): string =>
  Buffer.from(`${prefix}:${label}`)
    .toString('hex')
    .padEnd(40, '0')
    .slice(0, 40)
    .replace(/^(.{32}).{8}$/, (_, head: string) => head + label.padStart(8, '0').slice(-8))
    .replace(/[^0-9a-f]/g, 'a');

function history(prefix: string, day: string, idBase: number): History {
  const at = (hhmm: string) => `${day}T${hhmm}:00Z`;
  const unix = (hhmm: string) => Date.parse(at(hhmm)) / 1000;
  const repo = `${prefix}mono`;
  const fullName = `octo-org/${repo}`;
  const sha = (label: string) => shaOf(prefix, label);
  const service = (name: 'api' | 'web') => `${prefix}${name}`;
  const withRepo = (p: Record<string, unknown>, pushedAt?: number) => {
    const r = p.repository as Record<string, unknown>;
    Object.assign(r, {
      full_name: fullName,
      name: repo,
      html_url: `https://github.com/${fullName}`,
    });
    if (pushedAt !== undefined) r.pushed_at = pushedAt;
    return p;
  };
  let n = 0;
  const out: Delivery[] = [];
  const id = (kind: string) => `${prefix}${kind}-${++n}`;

  const push = (
    parent: string | null,
    hhmm: string,
    commits: {
      label: string;
      at: string;
      message: string;
      added?: string[];
      modified?: string[];
    }[],
  ) => {
    const p = withRepo(
      githubExample('push', (x) => (x.commits as unknown[]).length === 1),
      unix(hhmm),
    );
    const template = (p.commits as Record<string, unknown>[])[0];
    p.commits = commits.map((c) => ({
      ...structuredClone(template),
      id: sha(c.label),
      tree_id: sha(`tree-${c.label}`),
      message: c.message,
      timestamp: at(c.at),
      url: `https://github.com/${fullName}/commit/${sha(c.label)}`,
      added: c.added ?? [],
      removed: [],
      modified: c.modified ?? [],
    }));
    Object.assign(p, {
      ref: 'refs/heads/main',
      before: parent ? sha(parent) : '0'.repeat(40),
      after: sha(commits.at(-1)!.label),
      created: parent === null,
      head_commit: (p.commits as unknown[]).at(-1),
      compare: `https://github.com/${fullName}/compare/${parent ?? 'main'}...${commits.at(-1)!.label}`,
    });
    out.push({ event: 'push', payload: p, delivery: id('push') });
  };
  const merged = (
    number: number,
    label: string,
    opened: string,
    hhmm: string,
    title: string,
    branch: string,
  ) => {
    const p = withRepo(githubExample('pull_request', (x) => x.action === 'closed'));
    const o = p.pull_request as Record<string, unknown>;
    Object.assign(o, {
      number,
      merged: true,
      created_at: at(opened),
      updated_at: at(hhmm),
      merged_at: at(hhmm),
      closed_at: at(hhmm),
      merge_commit_sha: sha(label), // a rebase merge: the last commit put on main
      title,
      body: null,
      labels: [],
    });
    Object.assign(o.head as Record<string, unknown>, { ref: branch, sha: sha(label) });
    p.number = number;
    out.push({ event: 'pull_request', payload: p, delivery: id('pr') });
  };
  const deploy = (
    dep: number,
    name: 'api' | 'web',
    label: string,
    env: string,
    created: string,
    state: 'success' | 'failure',
    done: string,
  ) => {
    const d = withRepo(githubExample('deployment'));
    const o = d.deployment as Record<string, unknown>;
    Object.assign(o, {
      id: idBase + dep,
      sha: sha(label),
      ref: 'main',
      environment: env,
      original_environment: env,
      payload: { service: service(name) },
      created_at: at(created),
      updated_at: at(created),
    });
    out.push({ event: 'deployment', payload: d, delivery: id('deployment') });
    const s = withRepo(
      githubExample('deployment_status', (x) => x.deployment_status !== undefined),
    );
    Object.assign(s.deployment as Record<string, unknown>, structuredClone(o));
    Object.assign(s.deployment_status as Record<string, unknown>, {
      id: (idBase + dep) * 10,
      state,
      environment: env,
      created_at: at(done),
      updated_at: at(done),
    });
    out.push({ event: 'deployment_status', payload: s, delivery: id('status') });
  };

  push(null, '08:05', [
    {
      label: 'c0',
      at: '08:00',
      message: 'Initial commit',
      added: ['README.md', 'services/api/main.go', 'services/web/app.ts', 'libs/shared/log.ts'],
    },
  ]);
  deploy(1, 'api', 'c0', 'production', '09:00', 'success', '09:05');
  deploy(2, 'web', 'c0', 'production', '09:00', 'success', '09:06');
  push('c0', '10:30', [
    { label: 'c1', at: '10:00', message: 'Add cart endpoint', added: ['services/api/cart.go'] },
    {
      label: 'c2',
      at: '10:20',
      message: 'Test the cart endpoint',
      added: ['services/api/cart_test.go'],
      modified: ['docs/api.md'],
    },
  ]);
  merged(11, 'c2', '10:25', '10:30', 'Cart endpoint', 'feature/cart-api');
  push('c2', '11:10', [
    { label: 'c3', at: '11:00', message: 'Cart page', added: ['services/web/cart.tsx'] },
  ]);
  merged(12, 'c3', '11:05', '11:10', 'Cart page', 'feature/cart-page');
  deploy(101, 'web', 'c3', 'staging', '11:15', 'success', '11:20');
  push('c3', '11:40', [
    { label: 'c4', at: '11:30', message: 'Money type', added: ['libs/shared/money.ts'] },
  ]);
  merged(13, 'c4', '11:35', '11:40', 'Shared money type', 'feature/money');
  push('c4', '12:10', [
    { label: 'c5', at: '12:00', message: 'Docs', modified: ['docs/README.md'] },
  ]);
  deploy(3, 'api', 'c5', 'production', '12:20', 'success', '12:30');
  deploy(4, 'web', 'c4', 'production', '12:40', 'success', '12:45');
  push('c5', '13:10', [
    { label: 'c6', at: '13:00', message: 'Fix cart rounding', modified: ['services/api/cart.go'] },
  ]);
  deploy(5, 'api', 'c6', 'production', '13:15', 'failure', '13:18');
  deploy(6, 'api', 'c6', 'production', '13:20', 'success', '13:30');
  deploy(7, 'web', 'c6', 'production', '13:40', 'success', '13:50');
  push('c6', '14:05', [
    {
      label: 'c7',
      at: '14:00',
      message: 'Vendor the payment SDK',
      added: Array.from({ length: 3001 }, (_, i) => `third_party/sdk/gen/file${i}.go`),
    },
  ]);
  deploy(8, 'api', 'c7', 'production', '14:20', 'success', '14:30');
  return { prefix, day, deliveries: out, sha, service };
}

/** Each deployment's changes by commit label, with lead time or reason, from the table above. */
const CHANGESETS: Record<string, { service: 'api' | 'web'; changes: string[]; batch: number }> = {
  1: { service: 'api', changes: ['c0 NO_PREDECESSOR'], batch: 0 },
  2: { service: 'web', changes: ['c0 NO_PREDECESSOR'], batch: 0 },
  3: { service: 'api', changes: ['c1 9000', 'c2 7800', 'c4 3600'], batch: 3 },
  4: { service: 'web', changes: ['c3 6300', 'c4 4500'], batch: 2 },
  6: { service: 'api', changes: ['c6 1800'], batch: 1 },
  7: { service: 'web', changes: [], batch: 0 },
  8: { service: 'api', changes: ['c7 UNKNOWN_PATHS'], batch: 0 },
};

/**
 * The day's figures, by hand. api lead times 1800, 3600, 7800, 9000: p50 at rank 1.5 = 5700,
 * p75 at 2.25 = 7800 + 0.25 × 1200 = 8100, p90 at 2.7 = 7800 + 0.7 × 1200 = 8640. web 4500,
 * 6300: p50 5400, p75 4500 + 0.75 × 1800 = 5850, p90 4500 + 0.9 × 1800 = 6120. Both: 1800,
 * 3600, 4500, 6300, 7800, 9000: p50 at 2.5 = 5400, p75 at 3.75 = 6300 + 0.75 × 1500 = 7425,
 * p90 at 4.5 = 7800 + 0.5 × 1200 = 8400. Nothing failed or was reworked: no release ran twice,
 * no pull request is a revert or a hotfix.
 */
const EXPECTED = {
  api: {
    deploymentFrequency: { deployments: 4, notReachedUsers: 1 },
    changeLeadTime: {
      p50Seconds: 5700,
      p75Seconds: 8100,
      p90Seconds: 8640,
      count: 4,
      excluded: 2,
      exclusions: [
        { reason: 'NO_PREDECESSOR', count: 1 },
        { reason: 'UNKNOWN_PATHS', count: 1 },
      ],
    },
    changeFailureRate: { failed: 0, total: 4 },
    deploymentReworkRate: { reworked: 0 },
    dataQuality: {
      deploymentsWithKnownChangeset: 3,
      knownChangesetShare: 3 / 4,
      changesUnknownPaths: 1,
    },
  },
  web: {
    deploymentFrequency: { deployments: 3, notReachedUsers: 0 },
    changeLeadTime: {
      p50Seconds: 5400,
      p75Seconds: 5850,
      p90Seconds: 6120,
      count: 2,
      excluded: 1,
      exclusions: [{ reason: 'NO_PREDECESSOR', count: 1 }],
    },
    changeFailureRate: { failed: 0, total: 3 },
    deploymentReworkRate: { reworked: 0 },
    dataQuality: {
      deploymentsWithKnownChangeset: 2,
      knownChangesetShare: 2 / 3,
      changesUnknownPaths: 0,
    },
  },
  both: {
    deploymentFrequency: { deployments: 7, notReachedUsers: 1 },
    changeLeadTime: {
      p50Seconds: 5400,
      p75Seconds: 7425,
      p90Seconds: 8400,
      count: 6,
      excluded: 3,
      exclusions: [
        { reason: 'NO_PREDECESSOR', count: 2 },
        { reason: 'UNKNOWN_PATHS', count: 1 },
      ],
    },
    changeFailureRate: { failed: 0, total: 7 },
    deploymentReworkRate: { reworked: 0 },
    dataQuality: {
      deploymentsWithKnownChangeset: 5,
      knownChangesetShare: 5 / 7,
      changesUnknownPaths: 1,
    },
  },
};

const QUERY = `query($filter: DoraMetricsFilter!) { doraMetrics(filter: $filter) { window {
  deploymentFrequency { deployments notReachedUsers }
  changeLeadTime { p50Seconds p75Seconds p90Seconds count excluded exclusions { reason count } }
  changeFailureRate { failed total }
  deploymentReworkRate { reworked }
  dataQuality { deploymentsWithKnownChangeset knownChangesetShare changesUnknownPaths } } } }`;

const approx = (o: unknown): unknown => {
  if (typeof o === 'number') return expect.closeTo(o, 6);
  if (Array.isArray(o)) return o.map(approx);
  if (o && typeof o === 'object')
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, approx(v)]));
  return o;
};

/** A fixed permutation (a linear congruential generator seeded with 18). */
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  let state = 18;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe('monorepo accuracy corpus: unlabelled GitHub webhooks, two services and shared paths', () => {
  let t: TestApp;
  const inOrder = history('', '2026-11-03', 0);
  const reversed = history('rev-', '2026-11-04', 1000);
  const mixed = history('mix-', '2026-11-05', 2000);
  const histories = [inOrder, reversed, mixed];

  const outcomes: string[] = [];
  const expectedOutcomes: string[] = [];

  const send = async (d: Delivery, expected: string) => {
    const s = signedGithub(d.event, d.payload, d.delivery);
    const res = await request(t.http).post('/webhooks/github').set(s.headers).send(s.body);
    outcomes.push(`${d.delivery} ${res.status} ${(res.body as { result?: string }).result}`);
    expectedOutcomes.push(`${d.delivery} 200 ${expected}`);
  };
  const setPaths = async (h: History) => {
    for (const name of ['api', 'web'] as const) {
      const res = await t.gql(
        `mutation($input: SetServicePathsInput!) { setServicePaths(input: $input) { globs } }`,
        {
          input: {
            service: h.service(name),
            repository: `octo-org/${h.prefix}mono`,
            globs: SERVICE_GLOBS[name],
          },
        },
      );
      if (res.errors) throw new Error(JSON.stringify(res.errors));
    }
  };

  beforeAll(async () => {
    t = await startTestApp({ GITHUB_WEBHOOK_SECRET: GITHUB_TEST_SECRET });
    // In order; the paths are declared as soon as both services exist (after their seeds).
    for (const [i, d] of inOrder.deliveries.entries()) {
      await send(d, 'ACCEPTED');
      if (i === 4) await setPaths(inOrder); // push, A1 ×2, W1 ×2
    }
    // Reversed, every delivery twice; the paths declared after everything arrived.
    for (const d of [...reversed.deliveries].reverse()) {
      await send(d, 'ACCEPTED');
      await send(d, 'DUPLICATE');
    }
    await setPaths(reversed);
    // Shuffled; the paths declared once both services exist.
    let declared = false;
    for (const d of shuffled(mixed.deliveries)) {
      await send(d, 'ACCEPTED');
      if (!declared) {
        const [{ n }] = await t.db.dataSource.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM services WHERE name = ANY ($1)`,
          [[mixed.service('api'), mixed.service('web')]],
        );
        if (n === 2) {
          await setPaths(mixed);
          declared = true;
        }
      }
    }
  });
  afterAll(async () => {
    await t.close();
  });

  it('accepts every delivery once and acknowledges each repeat as a duplicate', () => {
    expect(outcomes).toEqual(expectedOutcomes);
  });

  describe.each(histories.map((h) => [h.prefix || 'in-order', h] as const))('%s', (_, h) => {
    const window = { from: `${h.day}T00:00:00Z`, to: `${h.day}T23:59:59Z` };

    it.each(['api', 'web', 'both'] as const)(
      '%s: the figures through GraphQL and Grafana’s SQL match the hand computation',
      async (who) => {
        const services = who === 'both' ? [h.service('api'), h.service('web')] : [h.service(who)];
        // Scoped (facts) for each service; the day org-wide (rollups) for both.
        const filter = who === 'both' ? window : { ...window, services };
        const res = await t.gql(QUERY, { filter });
        expect(res.errors).toBeUndefined();
        const got = (res.data!.doraMetrics as { window: unknown }).window;
        expect(got).toEqual(approx(EXPECTED[who]));

        const e = EXPECTED[who];
        const [row] = await t.db.dataSource.query<Record<string, unknown>[]>(
          `SELECT * FROM dora_report($1, $2, 'UTC', 'day', 'production', $3) WHERE scope = 'WINDOW'`,
          [window.from, window.to, who === 'both' ? null : services],
        );
        expect(row).toMatchObject(
          approx({
            deployments: e.deploymentFrequency.deployments,
            deployments_not_reached: e.deploymentFrequency.notReachedUsers,
            lead_time_p50_seconds: e.changeLeadTime.p50Seconds,
            lead_time_p75_seconds: e.changeLeadTime.p75Seconds,
            lead_time_p90_seconds: e.changeLeadTime.p90Seconds,
            lead_times: e.changeLeadTime.count,
            excluded_no_predecessor: e.changeLeadTime.exclusions[0].count,
            excluded_unknown_paths: e.dataQuality.changesUnknownPaths,
            excluded_other: 0,
            failed: 0,
            reworked: 0,
            changesets_known: e.dataQuality.deploymentsWithKnownChangeset,
          }) as Record<string, unknown>,
        );
      },
    );

    it('Grafana’s per-service table gives each service its own lead times', async () => {
      const rows = await t.db.dataSource.query(
        `SELECT service, deployments, lead_times, lead_time_p50_seconds, lead_time_p90_seconds
         FROM dora_service_summary($1, $2) WHERE service = ANY ($3) ORDER BY service`,
        [window.from, window.to, [h.service('api'), h.service('web')]],
      );
      expect(rows).toEqual(
        approx([
          {
            service: h.service('api'),
            deployments: 4,
            lead_times: 4,
            lead_time_p50_seconds: 5700,
            lead_time_p90_seconds: 8640,
          },
          {
            service: h.service('web'),
            deployments: 3,
            lead_times: 2,
            lead_time_p50_seconds: 5400,
            lead_time_p90_seconds: 6120,
          },
        ]),
      );
    });

    it('each deployment carries exactly its service’s commits (changeset and batch size)', async () => {
      const label = new Map(
        ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'].map((c) => [h.sha(c), c]),
      );
      const ids = await t.db.dataSource.query<{ id: string; external_id: string }[]>(
        `SELECT d.id, d.external_id FROM deployments d JOIN environments e ON e.id = d.environment_id
         WHERE e.tier = 'production' AND d.status = 'SUCCEEDED' AND d.service_id IN
           (SELECT id FROM services WHERE name = ANY ($1))`,
        [[h.service('api'), h.service('web')]],
      );
      const seen: Record<string, unknown> = {};
      for (const { id, external_id } of ids) {
        const res = await t.gql(
          `query($id: ID!) { deployment(id: $id) { service { name }
             changes { change { sha } leadTimeSeconds excludedReason } } }`,
          { id: String(id) },
        );
        expect(res.errors).toBeUndefined();
        const d = res.data!.deployment as {
          service: { name: string };
          changes: {
            change: { sha: string };
            leadTimeSeconds: number | null;
            excludedReason: string | null;
          }[];
        };
        const changes = d.changes
          .map((c) => `${label.get(c.change.sha)} ${c.leadTimeSeconds ?? c.excludedReason}`)
          .sort();
        const [{ batch }] = await t.db.dataSource.query<{ batch: number }[]>(
          `SELECT count(*) FILTER (WHERE excluded_reason IS NULL
                                     OR excluded_reason IN ('NO_START_TIME', 'NEGATIVE'))::int AS batch
           FROM dora_lead_time_facts WHERE deployment_id = $1`,
          [id],
        );
        seen[String(Number(external_id) % 1000)] = {
          service: d.service.name.slice(h.prefix.length),
          changes,
          batch,
        };
      }
      expect(seen).toEqual(CHANGESETS);
    });
  });
});
