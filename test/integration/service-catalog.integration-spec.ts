import { refreshDora } from '../factories/dora-factory.js';
import { resetData, startTestApp, type TestApp } from '../support/test-app.js';
import {
  DORA_QUERY,
  figuresOfPeriod,
  figuresOfRow,
  sqlReport,
  staleFacts,
} from './dora-support.js';
import type { GqlPeriod } from './dora-support.js';

/**
 * The service catalog through GraphQL (docs/dora.md, "Service catalog"), on both databases.
 *
 * History of the monorepo acme/shop, production, UTC, all sent as events:
 *
 * | deployment | service | finished       | event's team |
 * | ---------- | ------- | -------------- | ------------ |
 * | c1         | cart    | Mon 03-02 10:00 | web          |
 * | c2         | cart    | Tue 03-03 10:00 | web          |
 * | (catalog applied, effective Wed 03-04 00:00: cart -> payments, search -> discovery) |
 * | s1         | search  | Wed 03-04 12:00 | -            |
 * | c3         | cart    | Thu 03-05 10:00 | web (ignored: the catalog knows cart) |
 *
 * By team over the week: web 2 (c1, c2: cart was web's then), payments 1 (c3), discovery 1 (s1);
 * the organisation 4. Moving cart to payments never took c1 and c2 along.
 */
const CATALOG = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: payments
spec:
  type: team
  profile:
    displayName: Payments
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: discovery
spec:
  type: team
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: cart
  annotations:
    github.com/project-slug: acme/shop
    shipwatch.dev/paths: services/cart/**
spec:
  type: service
  owner: group:default/payments
  lifecycle: production
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: search
  annotations:
    backstage.io/source-location: url:https://github.com/acme/shop/tree/main/services/search
    shipwatch.dev/paths: services/search/**
spec:
  type: service
  owner: discovery
  lifecycle: experimental
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: cart-api
spec:
  type: openapi
---
apiVersion: backstage.io/v1alpha1
kind: Environment
metadata:
  name: prod
spec:
  lifecycle: production
`;

const APPLY = `mutation A($input: ApplyCatalogInput!) {
  applyCatalog(input: $input) {
    dryRun effectiveAt ignored
    changes { kind name field before after }
    warnings { code message }
  }
}`;
const SERVICES = `{ services { edges { node { name team repository lifecycle catalogEntity
  owners { team effectiveFrom source } } } } }`;
const WEEK = { from: '2026-03-02T00:00:00Z', to: '2026-03-09T00:00:00Z', granularity: 'WEEK' };

describe('the service catalog', () => {
  let t: TestApp;
  const ok = async (query: string, variables?: Record<string, unknown>) => {
    const res = await t.gql(query, variables);
    expect(res.errors).toBeUndefined();
    return res.data!;
  };
  const deploy = (id: string, service: string, finishedAt: string, extra = {}) =>
    ok(`mutation D($input: DeploymentInput!) { recordDeployment(input: $input) { result } }`, {
      input: {
        source: 'ci',
        eventId: id,
        deploymentId: id,
        service,
        environment: 'production',
        status: 'SUCCEEDED',
        finishedAt,
        ...extra,
      },
    });
  const deployments = async (filter: Record<string, unknown>): Promise<number> => {
    const data = await ok(DORA_QUERY, { filter: { ...WEEK, ...filter } });
    const r = data.doraMetrics as { window: GqlPeriod; buckets: GqlPeriod[] };
    // Grafana's SQL gives the same figures for the same filter.
    const rows = await sqlReport(t.db.dataSource, { ...WEEK, ...filter });
    expect(rows.map(figuresOfRow)).toEqual([r.window, ...r.buckets].map(figuresOfPeriod));
    return (r.window as unknown as { deploymentFrequency: { deployments: number } })
      .deploymentFrequency.deployments;
  };
  const counts = async () =>
    (
      await t.db.dataSource.query(
        `SELECT (SELECT count(*) FROM teams)::int AS teams, (SELECT count(*) FROM services)::int AS services,
                (SELECT count(*) FROM service_owners)::int AS owners,
                (SELECT count(*) FROM service_repository_paths)::int AS paths`,
      )
    )[0] as Record<string, number>;
  const apply = (catalogInfo: string, extra: Record<string, unknown> = {}) =>
    t.gql(APPLY, { input: { catalogInfo, effectiveAt: '2026-03-04T00:00:00Z', ...extra } });

  beforeAll(async () => {
    t = await startTestApp();
    await resetData(t.db);
    await deploy('c1', 'cart', '2026-03-02T10:00:00Z', { team: 'web' });
    await deploy('c2', 'cart', '2026-03-03T10:00:00Z', { team: 'web' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('a dry run shows the plan and stores nothing', async () => {
    const before = await counts();
    const res = await apply(CATALOG, { dryRun: true });
    expect(res.errors).toBeUndefined();
    const plan = res.data!.applyCatalog as Record<string, unknown>;
    expect(plan).toMatchObject({ dryRun: true, ignored: ['API:cart-api'], warnings: [] });
    expect(plan.changes).toEqual([
      { kind: 'TEAM', name: 'payments', field: 'created', before: null, after: 'payments' },
      { kind: 'TEAM', name: 'discovery', field: 'created', before: null, after: 'discovery' },
      { kind: 'SERVICE', name: 'cart', field: 'lifecycle', before: null, after: 'production' },
      { kind: 'SERVICE', name: 'cart', field: 'repository', before: null, after: 'acme/shop' },
      {
        kind: 'SERVICE',
        name: 'cart',
        field: 'paths in acme/shop',
        before: null,
        after: 'services/cart/**',
      },
      { kind: 'SERVICE', name: 'cart', field: 'owner', before: 'web', after: 'payments' },
      { kind: 'SERVICE', name: 'search', field: 'created', before: null, after: 'search' },
      { kind: 'SERVICE', name: 'search', field: 'lifecycle', before: null, after: 'experimental' },
      { kind: 'SERVICE', name: 'search', field: 'repository', before: null, after: 'acme/shop' },
      {
        kind: 'SERVICE',
        name: 'search',
        field: 'paths in acme/shop',
        before: null,
        after: 'services/search/**',
      },
      { kind: 'SERVICE', name: 'search', field: 'owner', before: null, after: 'discovery' },
      { kind: 'ENVIRONMENT', name: 'prod', field: 'created', before: null, after: 'production' },
    ]);
    expect(await counts()).toEqual(before);
  });

  it.each([
    ['invalid YAML', 'kind: Component\nmetadata: [\n', 'CATALOG_INVALID_YAML'],
    [
      'an unknown kind',
      `${CATALOG}---\napiVersion: v1\nkind: Servise\nmetadata:\n  name: x\n`,
      'CATALOG_UNKNOWN_KIND',
    ],
    [
      'an unknown owner',
      CATALOG.replace('owner: discovery', 'owner: ghosts'),
      'CATALOG_UNKNOWN_OWNER',
    ],
    ['a duplicate', `${CATALOG}---\n${CATALOG.split('---\n')[2]}`, 'CATALOG_DUPLICATE'],
    [
      'a bad path glob (after valid entities)',
      CATALOG.replace('services/search/**', '../outside/**'),
      'INVALID_PATH_GLOB',
    ],
  ])('refuses %s with a code, and stores nothing', async (_what, text, code) => {
    const before = await counts();
    const res = await apply(text);
    expect(res.errors?.[0].extensions?.code).toBe(code);
    expect(res.status).toBeLessThan(500);
    expect(await counts()).toEqual(before);
  });

  it('applies: ownership has history, events never move a service to another team', async () => {
    const res = await apply(CATALOG);
    expect(res.errors).toBeUndefined();
    expect((res.data!.applyCatalog as { changes: unknown[] }).changes).toHaveLength(12);
    await deploy('s1', 'search', '2026-03-04T12:00:00Z');
    // The event still says web: a default only, and cart is the catalog's.
    await deploy('c3', 'cart', '2026-03-05T10:00:00Z', { team: 'web' });

    const services = (
      (await ok(SERVICES)).services as { edges: { node: Record<string, unknown> }[] }
    ).edges.map((e) => e.node);
    expect(services).toEqual([
      {
        name: 'cart',
        team: 'payments',
        repository: 'acme/shop',
        lifecycle: 'production',
        catalogEntity: 'component:default/cart',
        owners: [
          { team: 'web', effectiveFrom: null, source: 'EVENT' },
          { team: 'payments', effectiveFrom: '2026-03-04T00:00:00.000Z', source: 'CATALOG' },
        ],
      },
      {
        name: 'search',
        team: 'discovery',
        repository: 'acme/shop',
        lifecycle: 'experimental',
        catalogEntity: 'component:default/search',
        owners: [{ team: 'discovery', effectiveFrom: null, source: 'CATALOG' }],
      },
    ]);
    expect(await deployments({})).toBe(4);
    expect(await deployments({ teams: ['web'] })).toBe(2);
    expect(await deployments({ teams: ['payments'] })).toBe(1);
    expect(await deployments({ teams: ['discovery'] })).toBe(1);
    expect(await deployments({ teams: ['payments', 'discovery'] })).toBe(2);
    expect(await deployments({ teams: ['payments'], services: ['search'] })).toBe(0);
    expect(await staleFacts(t.db.dataSource)).toEqual([]);

    // Applying the same catalog again changes nothing.
    const again = await apply(CATALOG);
    expect((again.data!.applyCatalog as { changes: unknown[] }).changes).toEqual([]);
  });

  it('a later change of owner applies from its time; one before the last change is refused', async () => {
    const earlier = await apply(CATALOG.replace('owner: discovery', 'owner: payments'), {
      effectiveAt: '2026-03-01T00:00:00Z',
    });
    expect(earlier.errors?.[0].extensions?.code).toBe('CATALOG_EFFECTIVE_BEFORE_LAST_CHANGE');

    const moved = await t.gql(
      `mutation { setServiceOwner(input: { service: "cart", team: "discovery", effectiveAt: "2026-03-05T00:00:00Z" }) { team effectiveFrom source } }`,
    );
    expect(moved.errors).toBeUndefined();
    expect(moved.data!.setServiceOwner).toEqual([
      { team: 'web', effectiveFrom: null, source: 'EVENT' },
      { team: 'payments', effectiveFrom: '2026-03-04T00:00:00.000Z', source: 'CATALOG' },
      { team: 'discovery', effectiveFrom: '2026-03-05T00:00:00.000Z', source: 'ADMIN' },
    ]);
    // c3 (Thu 10:00) is discovery's now; c1, c2 stay web's.
    expect(await deployments({ teams: ['payments'] })).toBe(0);
    expect(await deployments({ teams: ['discovery'] })).toBe(2);
    expect(await deployments({ teams: ['web'] })).toBe(2);
    const unknown = await t.gql(
      `mutation { setServiceOwner(input: { service: "cart", team: "nobody" }) { team } }`,
    );
    expect(unknown.errors?.[0].extensions?.code).toBe('CATALOG_UNKNOWN_OWNER');
  });

  it('a deployment without a repository uses the service’s; a commit stored before its repository was known joins its pull request', async () => {
    // legacy: no repository anywhere. L1 (seed) ships c8; L2 lists c9, committed Tue 09:00.
    const c8 = '8'.repeat(40);
    const c9 = '9'.repeat(40);
    await deploy('l1', 'legacy', '2026-03-02T10:00:00Z', { commitSha: c8, commits: [{ sha: c8 }] });
    await deploy('l2', 'legacy', '2026-03-03T12:00:00Z', {
      commitSha: c9,
      commits: [{ sha: c9, committedAt: '2026-03-03T09:00:00Z' }],
    });
    const leadTime = async () =>
      (
        await t.db.dataSource.query<{ lead_time_seconds: number }[]>(
          `SELECT dc.lead_time_seconds FROM deployment_changes dc JOIN deployments d ON d.id = dc.deployment_id
           WHERE d.external_id = 'l2'`,
        )
      ).map((r) => r.lead_time_seconds);
    expect(await leadTime()).toEqual([10800]); // from the commit: Tue 09:00 -> 12:00
    // Then its pull request, merged in acme/legacy, first commit Mon 12:00.
    await ok(`mutation C($input: ChangeInput!) { recordChange(input: $input) { result } }`, {
      input: {
        source: 'github',
        eventId: 'pr-9',
        repository: 'acme/legacy',
        commits: [{ sha: c9, committedAt: '2026-03-03T09:00:00Z' }],
        pullRequest: {
          id: '9',
          firstCommitAt: '2026-03-02T12:00:00Z',
          mergedAt: '2026-03-03T10:00:00Z',
        },
      },
    });
    expect(await leadTime()).toEqual([86400]); // from the PR's first commit: Mon 12:00 -> Tue 12:00
    await refreshDora(t.db.dataSource);
    expect(await staleFacts(t.db.dataSource)).toEqual([]);
  });

  it('sets an environment tier, creates teams, and lists them', async () => {
    const res = await t.gql(
      `mutation { upsertTeam(input: { name: "sre", displayName: "SRE" }) { name displayName source }
                  setEnvironmentTier(input: { environment: "prod", tier: STAGING }) }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.upsertTeam).toEqual({ name: 'sre', displayName: 'SRE', source: 'ADMIN' });
    const teams = (await ok(`{ teams { name source } }`)).teams;
    expect(teams).toEqual([
      { name: 'discovery', source: 'CATALOG' },
      { name: 'payments', source: 'CATALOG' },
      { name: 'sre', source: 'ADMIN' },
      { name: 'web', source: 'EVENT' },
    ]);
    const [env] = await t.db.dataSource.query(`SELECT tier FROM environments WHERE name = 'prod'`);
    expect(env).toEqual({ tier: 'staging' });
  });

  it('needs the admin scope', async () => {
    const created = await ok(
      `mutation { createApiToken(input: { name: "ci", scopes: [INGEST, READ] }) { token } }`,
    );
    const token = (created.createApiToken as { token: string }).token;
    const res = await t.gql(APPLY, { input: { catalogInfo: CATALOG } }, token);
    expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});
