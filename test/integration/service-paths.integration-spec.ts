import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Services in a shared repository, through GraphQL: `setServicePaths`, `recordChange` with
 * changed paths, `recordDeployment`. Every lead time below is computed by hand.
 *
 * Repository acme/mono, one push of c1..c5 on top of c0 (2025-06-02, UTC):
 *
 * | commit | time  | paths                  | api (services/api/**, libs/shared/**) | web (services/web/**, libs/shared/**) |
 * | c1     | 10:00 | services/api/cart.ts   | touches                               | elsewhere                             |
 * | c2     | 10:10 | services/web/page.tsx  | elsewhere                             | touches                               |
 * | c3     | 10:20 | libs/shared/money.ts   | touches (shared)                      | touches (shared)                      |
 * | c4     | 10:30 | docs/README.md         | elsewhere                             | elsewhere                             |
 * | c5     | 10:40 | (unknown)              | UNKNOWN_PATHS                         | -                                     |
 *
 * Deployments to production: api and web each seeded at c0 (09:00); web at c3 finishing 11:00
 * (walk c3, c2, c1); api at c5 finishing 12:00 (walk c5 … c1).
 */

const REPO = 'acme/mono';
const sha = (n: number) => `c${n}`.padEnd(40, 'a');
const at = (hhmm: string) => `2025-06-02T${hhmm}:00Z`;
let seq = 0;
const envelope = () => ({ source: 'ci', eventId: `e${++seq}` });

const RECORD_CHANGE = `mutation($input: ChangeInput!) { recordChange(input: $input) { result errors { field message } } }`;
const RECORD_DEPLOYMENT = `mutation($input: DeploymentInput!) { recordDeployment(input: $input) { result } }`;
const SET_PATHS = `mutation($input: SetServicePathsInput!) { setServicePaths(input: $input) {
  service repository globs warnings { code glob message } } }`;

describe('services in a shared repository (path globs)', () => {
  let t: TestApp;

  const gqlOk = async (query: string, variables: Record<string, unknown>) => {
    const res = await t.gql(query, variables);
    expect(res.errors).toBeUndefined();
    return res.data!;
  };
  const commit = (n: number, hhmm: string, paths?: string[]) => ({
    sha: sha(n),
    committedAt: at(hhmm),
    ...(paths ? { paths } : {}),
  });
  const deploy = (id: string, service: string, n: number, finished: string) =>
    gqlOk(RECORD_DEPLOYMENT, {
      input: {
        ...envelope(),
        deploymentId: id,
        service,
        environment: 'production',
        repository: REPO,
        commitSha: sha(n),
        status: 'SUCCEEDED',
        finishedAt: at(finished),
      },
    });
  const setPaths = (service: string, globs: string[]) =>
    t.gql(SET_PATHS, { input: { service, repository: REPO, globs } });

  /** `<sha label> <lead seconds | reason>` per change of a deployment, and its note. */
  const changeset = async (externalId: string) => {
    const [row] = await t.db.dataSource.query<
      { note: string | null; changes: { sha: string; lead: number | null; reason: string }[] }[]
    >(
      `SELECT d.changeset_note AS note,
              COALESCE((SELECT json_agg(json_build_object('sha', c.sha, 'lead', dc.lead_time_seconds,
                                                          'reason', dc.excluded_reason) ORDER BY c.sha)
                        FROM deployment_changes dc JOIN changes c ON c.id = dc.change_id
                        WHERE dc.deployment_id = d.id), '[]') AS changes
       FROM deployments d WHERE d.external_id = $1`,
      [externalId],
    );
    const label = (s: string) => `c${[0, 1, 2, 3, 4, 5].find((n) => sha(n) === s)}`;
    return {
      note: row.note,
      changes: row.changes.map((c) => `${label(c.sha)} ${c.lead ?? c.reason}`),
    };
  };

  beforeAll(async () => {
    t = await startTestApp();
    await deploy('api-1', 'api', 0, '09:00');
    await deploy('web-1', 'web', 0, '09:00');
    const set = await setPaths('api', ['services/api/**', 'libs/shared/**']);
    if (set.errors) throw new Error(JSON.stringify(set.errors));
    await gqlOk(RECORD_CHANGE, {
      input: {
        ...envelope(),
        repository: REPO,
        before: sha(0),
        commits: [
          commit(1, '10:00', ['services/api/cart.ts']),
          commit(2, '10:10', ['./services/web/page.tsx']),
          commit(3, '10:20', ['libs/shared/money.ts']),
          commit(4, '10:30', ['docs/README.md']),
          commit(5, '10:40'),
        ],
      },
    });
    await deploy('web-2', 'web', 3, '11:00');
    await deploy('api-2', 'api', 5, '12:00');
  });
  afterAll(async () => {
    await t.close();
  });

  it('counts for a service only the commits touching its paths; unknown paths carry no lead time', async () => {
    // web declares nothing yet: every commit of the walk is its change.
    // c3 11:00 − 10:20 = 2400; c2 11:00 − 10:10 = 3000; c1 11:00 − 10:00 = 3600.
    expect(await changeset('web-2')).toEqual({
      note: null,
      changes: ['c1 3600', 'c2 3000', 'c3 2400'],
    });
    // api: c1 12:00 − 10:00 = 7200, c3 12:00 − 10:20 = 6000; c2 and c4 are left out; c5 unknown.
    expect(await changeset('api-2')).toEqual({
      note: "2 commits since the previous deployment touch none of the service's paths and are left out",
      changes: ['c1 7200', 'c3 6000', 'c5 UNKNOWN_PATHS'],
    });
  });

  it('recomputes a service’s deployments when its globs are set; shared paths count for both', async () => {
    const res = await setPaths('web', ['services/web/**', 'libs/shared/**']);
    expect(res.data).toEqual({
      setServicePaths: {
        service: 'web',
        repository: REPO,
        globs: ['libs/shared/**', 'services/web/**'],
        warnings: [],
      },
    });
    expect(await changeset('web-2')).toEqual({
      note: "1 commit since the previous deployment touches none of the service's paths and is left out",
      changes: ['c2 3000', 'c3 2400'],
    });
  });

  it('a late push that names a commit’s paths completes the changeset', async () => {
    await gqlOk(RECORD_CHANGE, {
      input: {
        ...envelope(),
        repository: REPO,
        commits: [commit(5, '10:40', ['services/api/z.ts'])],
      },
    });
    // c5 12:00 − 10:40 = 4800.
    expect((await changeset('api-2')).changes).toEqual(['c1 7200', 'c3 6000', 'c5 4800']);
    // The first paths reported for a commit are kept.
    await gqlOk(RECORD_CHANGE, {
      input: { ...envelope(), repository: REPO, commits: [commit(5, '10:40', ['docs/x.md'])] },
    });
    expect((await changeset('api-2')).changes).toEqual(['c1 7200', 'c3 6000', 'c5 4800']);
  });

  it('shows paths and the exclusion on deployment(id) and lists the globs', async () => {
    const [{ id }] = await t.db.dataSource.query<{ id: string }[]>(
      `SELECT id FROM deployments WHERE external_id = 'api-2'`,
    );
    const res = await t.gql(
      `query($id: ID!) { deployment(id: $id) { changesetNote changes { change { sha paths } excludedReason } } }`,
      { id: String(id) },
    );
    expect(res.errors).toBeUndefined();
    const changes = (res.data!.deployment as { changes: { change: { sha: string } }[] }).changes;
    expect(changes.find((c) => c.change.sha === sha(1))).toEqual({
      change: { sha: sha(1), paths: ['services/api/cart.ts'] },
      excludedReason: null,
    });
    const listed = await t.gql(
      `{ servicePaths(service: "api") { repository globs warnings { code } } }`,
    );
    expect(listed.data).toEqual({
      servicePaths: [
        { repository: REPO, globs: ['libs/shared/**', 'services/api/**'], warnings: [] },
      ],
    });
  });

  it('warns about a glob that matches no known path, and removing the globs counts every commit again', async () => {
    const typo = await setPaths('api', ['services/api/**', 'libs/shard/**']);
    expect(typo.data).toEqual({
      setServicePaths: {
        service: 'api',
        repository: REPO,
        globs: ['libs/shard/**', 'services/api/**'],
        warnings: [
          {
            code: 'GLOB_MATCHES_NOTHING',
            glob: 'libs/shard/**',
            message: `"libs/shard/**" matches no path of the latest 5 commits of ${REPO} with known paths`,
          },
        ],
      },
    });
    // Without libs/shared/**, c3 is no longer api's.
    expect((await changeset('api-2')).changes).toEqual(['c1 7200', 'c5 4800']);
    const other = await t.gql(SET_PATHS, {
      input: { service: 'api', repository: 'acme/elsewhere', globs: ['src/**'] },
    });
    expect(other.data!.setServicePaths).toMatchObject({
      warnings: [{ code: 'NO_COMMIT_PATHS_KNOWN', glob: null }],
    });
    expect((await setPaths('api', [])).data!.setServicePaths).toMatchObject({ globs: [] });
    // Still path-scoped in acme/elsewhere, but acme/mono's commits all count again:
    // c2 12:00 − 10:10 = 6600, c4 12:00 − 10:30 = 5400.
    expect((await changeset('api-2')).changes).toEqual([
      'c1 7200',
      'c2 6600',
      'c3 6000',
      'c4 5400',
      'c5 4800',
    ]);
  });

  it('refuses bad globs and paths with a code, storing nothing', async () => {
    await setPaths('web', ['services/web/**']);
    const bad = await setPaths('web', ['services/web/**', 'services/[web']);
    expect(bad.errors?.[0]).toMatchObject({
      message: expect.stringContaining('globs[1] "services/[web" is not a valid glob'),
      extensions: { code: 'INVALID_PATH_GLOB', field: 'globs[1]' },
    });
    for (const globs of [['/abs/**'], ['!services/web/**'], ['']]) {
      expect((await setPaths('web', globs)).errors?.[0].extensions?.code).toBe('INVALID_PATH_GLOB');
    }
    const listed = await t.gql(`{ servicePaths(service: "web") { globs } }`);
    expect(listed.data).toEqual({ servicePaths: [{ globs: ['services/web/**'] }] });

    expect((await setPaths('nope', ['a/**'])).errors?.[0].extensions?.code).toBe(
      'SERVICE_NOT_FOUND',
    );
    const blank = await t.gql(SET_PATHS, {
      input: { service: 'web', repository: ' ', globs: ['a/**'] },
    });
    expect(blank.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'repository',
    });
    const created = await t.gql(
      'mutation { createApiToken(input: { name: "ci", scopes: [INGEST, READ] }) { token } }',
    );
    const ci = (created.data!.createApiToken as { token: string }).token;
    const forbidden = await t.gql(
      SET_PATHS,
      { input: { service: 'web', repository: REPO, globs: ['a/**'] } },
      ci,
    );
    expect(forbidden.errors?.[0].extensions?.code).toBe('FORBIDDEN');

    const paths = async (list: string[]) => {
      const res = await t.gql(RECORD_CHANGE, {
        input: { ...envelope(), repository: REPO, commits: [{ sha: sha(9), paths: list }] },
      });
      return res.errors?.[0].extensions;
    };
    expect(await paths(['ok.ts', '/'])).toMatchObject({
      code: 'BAD_USER_INPUT',
      errors: [
        {
          field: 'commits[0].paths[1]',
          message: 'must be a file path relative to the repository root',
        },
      ],
    });
    expect(await paths(Array.from({ length: 3001 }, (_, i) => `f${i}`))).toMatchObject({
      errors: [{ field: 'commits[0].paths', message: 'must have at most 3000 items' }],
    });
    const stored = await t.db.dataSource.query(`SELECT 1 FROM changes WHERE sha = $1`, [sha(9)]);
    expect(stored).toEqual([]);
  });
});
