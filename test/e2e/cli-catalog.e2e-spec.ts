/**
 * `shipwatch catalog apply` as a real process against the whole app over HTTP: a new user's
 * path (README): apply the monorepo's catalog-info.yaml (dry run first), send deployments, read
 * the per-team and per-service figures; CODEOWNERS gives the team of a Component that names
 * none; bad files fail with the server's code and store nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/test-app.js';
import { baseEnv, buildCli, runCli } from './cli-process.js';

const CATALOG = `# The monorepo acme/shop: one Component per deployable service.
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: payments
spec:
  type: team
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
    shipwatch.dev/paths: services/cart/**, libs/money/**
spec:
  type: service
  owner: payments
  lifecycle: production
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: search
  annotations:
    github.com/project-slug: acme/shop
    shipwatch.dev/paths: services/search/**
spec:
  type: service
  owner: discovery
  lifecycle: production
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
  annotations:
    github.com/project-slug: acme/shop
    shipwatch.dev/paths: services/checkout/**
spec:
  type: service
  lifecycle: production
`;

const CODEOWNERS = `* @acme/platform
*.md @acme/docs
/services/checkout/ @acme/payments @alice
`;

describe('shipwatch catalog apply', () => {
  let t: TestApp;
  let url: string;
  let dir: string;
  const env = (token = ADMIN_TOKEN) => baseEnv({ SHIPWATCH_URL: url, SHIPWATCH_TOKEN: token });
  const teams = async () =>
    (await t.db.dataSource.query<{ name: string }[]>(`SELECT name FROM teams ORDER BY name`)).map(
      (r) => r.name,
    );

  beforeAll(async () => {
    buildCli();
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    const { port } = (t.app.getHttpServer() as Server).address() as AddressInfo;
    url = `http://127.0.0.1:${port}`;
    dir = mkdtempSync(join(tmpdir(), 'sw-catalog-'));
    writeFileSync(join(dir, 'catalog-info.yaml'), CATALOG);
    writeFileSync(join(dir, 'CODEOWNERS'), CODEOWNERS);
    writeFileSync(join(dir, 'broken.yaml'), 'kind: Component\nmetadata: [\n');
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a dry run prints the plan and stores nothing; applying stores it', async () => {
    const dry = await runCli(['catalog', 'apply', 'catalog-info.yaml', '--dry-run'], {
      env: env(),
      cwd: dir,
    });
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^KIND\s+NAME\s+FIELD\s+BEFORE\s+AFTER\n/);
    expect(dry.stdout).toMatch(/\nSERVICE\s+cart\s+owner\s+-\s+payments\n/);
    expect(dry.stdout).toContain('warning NO_OWNER: service checkout: no spec.owner');
    expect(dry.stdout).toMatch(/dry run: nothing was stored\n$/);
    expect(await teams()).toEqual([]);

    const applied = await runCli(
      [
        'catalog',
        'apply',
        'catalog-info.yaml',
        '--codeowners',
        'CODEOWNERS',
        '--effective-at',
        '2026-03-01T00:00:00Z',
        '--json',
      ],
      { env: env(), cwd: dir },
    );
    expect(applied.code).toBe(0);
    const plan = JSON.parse(applied.stdout) as {
      dryRun: boolean;
      changes: { kind: string; name: string; field: string; after: string | null }[];
    };
    expect(plan.dryRun).toBe(false);
    // checkout names no owner: CODEOWNERS gives its folder to @acme/payments.
    expect(plan.changes.filter((c) => c.field === 'owner').map((c) => [c.name, c.after])).toEqual([
      ['cart', 'payments'],
      ['search', 'discovery'],
      ['checkout', 'payments'],
    ]);
    expect(await teams()).toEqual(['discovery', 'docs', 'payments', 'platform']);
  });

  it('then per-team and per-service figures: 2 payments deployments, 1 discovery', async () => {
    for (const [id, service, finishedAt] of [
      ['d1', 'cart', '2026-03-02T10:00:00Z'],
      ['d2', 'checkout', '2026-03-03T10:00:00Z'],
      ['d3', 'search', '2026-03-04T10:00:00Z'],
    ]) {
      const res = await t.gql(
        `mutation D($input: DeploymentInput!) { recordDeployment(input: $input) { result } }`,
        {
          input: {
            source: 'ci',
            eventId: id,
            deploymentId: id,
            service,
            environment: 'production',
            status: 'SUCCEEDED',
            finishedAt,
          },
        },
      );
      expect(res.errors).toBeUndefined();
    }
    const window = ['--since', '2026-03-02T00:00:00Z', '--until', '2026-03-09T00:00:00Z'];
    const payments = await runCli(['dora', ...window, '--team', 'payments', '--json'], {
      env: env(),
    });
    expect(payments.code).toBe(0);
    const report = JSON.parse(payments.stdout) as {
      scope: { services: string[] };
      window: { deploymentFrequency: { deployments: number } };
    };
    expect(report.scope.services).toEqual(['cart', 'checkout']);
    expect(report.window.deploymentFrequency.deployments).toBe(2);
    const byService = await runCli(['dora', ...window, '--by-service'], { env: env() });
    expect(byService.code).toBe(0);
    for (const service of ['cart', 'checkout', 'search'])
      expect(byService.stdout).toMatch(new RegExp(`\\n${service}\\s`));
  });

  it('exits 1 with the code on a bad file, 2 on a missing file, 3 without the admin scope', async () => {
    const broken = await runCli(['catalog', 'apply', 'broken.yaml'], { env: env(), cwd: dir });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('CATALOG_INVALID_YAML');
    const missing = await runCli(['catalog', 'apply', 'nope.yaml'], { env: env(), cwd: dir });
    expect(missing.code).toBe(2);
    const created = await t.gql(
      'mutation { createApiToken(input: { name: "ci", scopes: [INGEST, READ] }) { token } }',
    );
    const ci = (created.data!.createApiToken as { token: string }).token;
    const forbidden = await runCli(['catalog', 'apply', 'catalog-info.yaml'], {
      env: env(ci),
      cwd: dir,
    });
    expect(forbidden.code).toBe(3);
    expect(await teams()).toEqual(['discovery', 'docs', 'payments', 'platform']);
  });
});
