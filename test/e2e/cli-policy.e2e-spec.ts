/**
 * `shipwatch policy export|diff|apply -f <dir>` as real processes against the whole app over
 * HTTP, with a real Prometheus checking every query: saved policies exported, applied back with
 * no change; a changed file shown by diff (exit 30), applied, then diff clean; a file with an
 * unknown field or a query Prometheus refuses fails with its file name and saves nothing;
 * `--prune` deletes the policies no file names (shown by `diff --prune`), never with no file;
 * rollback targets are exported with the variable their secret is read from, never a secret,
 * and a reference to a variable the server lacks is refused; a freeze window file
 * (kind: FreezeWindow) applied beside the policies freezes the gate, is exported back, and a
 * window made by a person is neither exported nor pruned.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPrometheus, type RunningPrometheus } from '../../src/demo/prometheus-process.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/test-app.js';
import { baseEnv, buildCli, runCli } from './cli-process.js';

const HOOK = 'https://deploy.example.com/rollback';
const ROLLBACK_SECRET = 'the-secret-read-from-the-environment';
const INLINE_SECRET = 'a-secret-stored-inline-by-graphql';

describe('shipwatch policy', () => {
  let prometheus: RunningPrometheus;
  let t: TestApp;
  let url: string;
  let dir: string;
  const cli = (...args: string[]) =>
    runCli(['policy', ...args], {
      env: baseEnv({ SHIPWATCH_URL: url, SHIPWATCH_TOKEN: ADMIN_TOKEN }),
    });
  const stored = async () =>
    (
      await t.gql(
        `{ verificationPolicies { service environment mode timing { bakeSeconds } updatedAt } }`,
      )
    ).data!.verificationPolicies;

  beforeAll(async () => {
    buildCli();
    prometheus = await startPrometheus({ scrapeTargets: [] });
    process.env.E2E_ROLLBACK_SECRET = ROLLBACK_SECRET;
    t = await startTestApp({
      PROMETHEUS_URL: prometheus.url,
      SHIPWATCH_OUTBOUND_ALLOWED_HOSTS: 'deploy.example.com',
    });
    await t.app.listen(0, '127.0.0.1');
    const { port } = (t.app.getHttpServer() as Server).address() as AddressInfo;
    url = `http://127.0.0.1:${port}`;
    dir = mkdtempSync(join(tmpdir(), 'sw-policies-'));
    for (const input of [
      {
        service: 'checkout',
        environment: 'production',
        mode: 'ENFORCE',
        rollbackTarget: { kind: 'WEBHOOK', url: HOOK, secret: INLINE_SECRET },
      },
      {
        service: 'cart',
        namespace: 'shop',
        environment: 'production',
        checks: [
          {
            name: 'up',
            query: 'sum(count_over_time(vector(1)[{{window}}:]))',
            failureCondition: 'result < 1',
          },
        ],
        timing: { bakeSeconds: 600 },
        alertChannels: ['SLACK'],
        rollbackTarget: { kind: 'WEBHOOK', url: HOOK, secretFrom: { env: 'E2E_ROLLBACK_SECRET' } },
      },
    ]) {
      const res = await t.gql(
        `mutation S($input: SaveVerificationPolicyInput!) { saveVerificationPolicy(input: $input) { id } }`,
        { input },
      );
      if (res.errors) throw new Error(JSON.stringify(res.errors));
    }
  });
  afterAll(async () => {
    delete process.env.E2E_ROLLBACK_SECRET;
    await t?.close();
    await prometheus?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('exports every policy and applies the export back with no change', async () => {
    const before = await stored();
    const exported = await cli('export', '-f', dir);
    expect(exported).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('wrote 2 policies'),
    });
    expect(readdirSync(dir).sort()).toEqual([
      'checkout.production.yaml',
      'shop.cart.production.yaml',
    ]);
    const cart = readFileSync(join(dir, 'shop.cart.production.yaml'), 'utf8');
    expect(cart).toContain('timing:\n  intervalSeconds:');
    expect(cart).toContain(
      `rollbackTarget:\n  kind: "WEBHOOK"\n  url: "${HOOK}"\n  secretFrom:\n    env: "E2E_ROLLBACK_SECRET"`,
    );
    // the inline secret cannot be written: the target stays on the server, and export says so
    expect(readFileSync(join(dir, 'checkout.production.yaml'), 'utf8')).not.toContain(
      'rollbackTarget',
    );
    expect(exported.stdout).toContain(
      "checkout.production.yaml: the rollback target's secret is stored inline",
    );
    for (const name of readdirSync(dir)) {
      const text = readFileSync(join(dir, name), 'utf8');
      expect(text).not.toContain(ROLLBACK_SECRET);
      expect(text).not.toContain(INLINE_SECRET);
    }

    const diff = await cli('diff', '-f', dir);
    expect(diff).toMatchObject({ code: 0, stdout: expect.stringContaining('no changes') });
    const apply = await cli('apply', '-f', dir);
    expect(apply).toMatchObject({ code: 0, stdout: expect.stringContaining('no changes') });
    expect(await stored()).toEqual(before);
  });

  it('shows a changed file (exit 30), applies it, and then has nothing to change', async () => {
    const file = join(dir, 'checkout.production.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8')
        .replace('mode: "ENFORCE"', 'mode: "ADVISE"')
        .replace(/bakeSeconds: \d+/, 'bakeSeconds: 1200'),
    );
    writeFileSync(join(dir, 'search.staging.yaml'), 'service: search\nenvironment: staging\n');

    const diff = await cli('diff', '-f', dir);
    expect(diff.code).toBe(30);
    expect(diff.stdout).toContain('changed: checkout in production (checkout.production.yaml)');
    expect(diff.stdout).toContain('mode: "ENFORCE" -> "ADVISE"');
    expect(diff.stdout).toMatch(/timing\.bakeSeconds: \d+ -> 1200/);
    expect(diff.stdout).toContain('added: search in staging (search.staging.yaml)');
    expect(diff.stdout).toContain('unchanged: shop/cart in production');
    expect(await stored()).toHaveLength(2);

    const apply = await cli('apply', '-f', dir);
    expect(apply).toMatchObject({ code: 0, stdout: expect.stringContaining('saved 2 policies') });
    expect(await stored()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          service: 'checkout',
          mode: 'ADVISE',
          timing: { bakeSeconds: 1200 },
        }),
        expect.objectContaining({ service: 'search', environment: 'staging', mode: 'ADVISE' }),
      ]),
    );
    expect(await cli('diff', '-f', dir)).toMatchObject({ code: 0 });
    expect(await cli('apply', '-f', dir)).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('no changes'),
    });
  });

  it('refuses a secret reference to a variable the server lacks, naming file and field', async () => {
    const before = await stored();
    const file = join(dir, 'shop.cart.production.yaml');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('E2E_ROLLBACK_SECRET', 'E2E_NOT_SET_ANYWHERE'));
    try {
      for (const command of ['diff', 'apply']) {
        const run = await cli(command, '-f', dir);
        expect({ command, code: run.code }).toEqual({ command, code: 1 });
        expect(run.stderr).toContain(
          'SECRET_ENV_NOT_SET: shop.cart.production.yaml: rollbackTarget.secretFrom.env: the environment variable E2E_NOT_SET_ANYWHERE is not set',
        );
      }
    } finally {
      writeFileSync(file, original);
    }
    expect(await stored()).toEqual(before);
    expect(await cli('diff', '-f', dir)).toMatchObject({ code: 0 });
  });

  it('lists policies no file names and keeps them', async () => {
    rmSync(join(dir, 'search.staging.yaml'));
    const diff = await cli('diff', '-f', dir);
    expect(diff).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('not in files: search in staging (kept; --prune deletes it)'),
    });
    await cli('apply', '-f', dir);
    expect(await stored()).toHaveLength(3);
  });

  it('prunes with --prune: diff shows the deletion (exit 30), apply deletes it; no file, no prune', async () => {
    const diff = await cli('diff', '--prune', '-f', dir);
    expect(diff.code).toBe(30);
    expect(diff.stdout).toContain('deleted: search in staging (no file names it)');
    expect(diff.stdout).toContain('1 policy would be deleted');
    expect(await stored()).toHaveLength(3);

    const apply = await cli('apply', '--prune', '-f', dir);
    expect(apply).toMatchObject({ code: 0, stdout: expect.stringContaining('deleted 1 policy') });
    expect(((await stored()) as { service: string }[]).map((p) => p.service).sort()).toEqual([
      'cart',
      'checkout',
    ]);
    expect(await cli('diff', '--prune', '-f', dir)).toMatchObject({ code: 0 });

    const empty = mkdtempSync(join(tmpdir(), 'sw-no-policies-'));
    try {
      const refused = await cli('apply', '--prune', '-f', empty);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('refusing to prune');
    } finally {
      rmSync(empty, { recursive: true });
    }
    expect(await stored()).toHaveLength(2);
  });

  it('applies a freeze window file beside the policies: the gate is frozen, export writes it back, diff is clean', async () => {
    const adHoc = await t.gql(
      `mutation($input: FreezeWindowInput!) { createFreezeWindow(input: $input) { id } }`,
      {
        input: {
          name: 'by-hand',
          environment: 'staging',
          cron: '0 3 * * *',
          durationMinutes: 30,
          timeZone: 'UTC',
          reason: 'db maintenance',
        },
      },
    );
    expect(adHoc.errors).toBeUndefined();
    const window = join(dir, 'freeze.checkout-freeze.yaml');
    writeFileSync(
      window,
      'kind: FreezeWindow\nname: checkout-freeze\nservice: checkout\nenvironment: production\ncron: "* * * * *"\ntimeZone: Europe/Berlin\ndurationMinutes: 60\nreason: release freeze\n',
    );
    const diff = await cli('diff', '--prune', '-f', dir);
    expect(diff.code).toBe(30);
    expect(diff.stdout).toContain(
      'added: freeze window checkout-freeze (freeze.checkout-freeze.yaml)',
    );
    expect(diff.stdout).toContain('1 freeze window would be saved');
    expect(diff.stdout).not.toContain('by-hand');

    const apply = await cli('apply', '--prune', '-f', dir);
    expect(apply).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('saved 1 freeze window'),
    });
    const gate = await t.gql(
      `{ deploymentGate(service: "checkout", environment: "production") { decision reasons { code } } }`,
    );
    expect(gate.data!.deploymentGate).toMatchObject({
      decision: 'DENY',
      reasons: expect.arrayContaining([{ code: 'FREEZE' }]) as unknown,
    });
    expect(await cli('diff', '--prune', '-f', dir)).toMatchObject({ code: 0 });

    const again = mkdtempSync(join(tmpdir(), 'sw-policies-again-'));
    try {
      const exported = await cli('export', '-f', again);
      expect(exported).toMatchObject({
        code: 0,
        stdout: expect.stringContaining('wrote 2 policies and 1 freeze window'),
      });
      expect(readdirSync(again).sort()).toEqual(readdirSync(dir).sort());
      expect(readFileSync(join(again, 'freeze.checkout-freeze.yaml'), 'utf8')).toContain(
        'kind: "FreezeWindow"\nname: "checkout-freeze"\nservice: "checkout"',
      );
      expect(await cli('diff', '--prune', '-f', again)).toMatchObject({
        code: 0,
        stdout: expect.stringContaining('no changes'),
      });
    } finally {
      rmSync(again, { recursive: true });
    }

    writeFileSync(
      join(dir, 'freeze.bad.yaml'),
      readFileSync(window, 'utf8')
        .replace('checkout-freeze', 'bad')
        .replace('Europe/Berlin', 'Europe/Atlantis'),
    );
    try {
      const refused = await cli('apply', '-f', dir);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /freeze\.bad\.yaml:\d+: timeZone: timeZone "Europe\/Atlantis"/,
      );
    } finally {
      rmSync(join(dir, 'freeze.bad.yaml'));
    }
    const names = await t.gql(`{ freezeWindows { name managedBy } }`);
    expect(names.data!.freezeWindows).toEqual([
      { name: 'checkout-freeze', managedBy: 'files' },
      { name: 'by-hand', managedBy: null },
    ]);
  });

  it('refuses a file with an unknown field, naming file, line and field, and applies nothing', async () => {
    const before = await stored();
    writeFileSync(join(dir, 'a-new.yaml'), 'service: new\nenvironment: production\n');
    writeFileSync(
      join(dir, 'checkout.production.yaml'),
      readFileSync(join(dir, 'checkout.production.yaml'), 'utf8').replace(
        'mode: "ADVISE"',
        'mode: "ENFORCE"\nbake: 5m',
      ),
    );
    for (const command of ['diff', 'apply']) {
      const run = await cli(command, '-f', dir);
      expect({ command, code: run.code }).toEqual({ command, code: 1 });
      expect(run.stderr).toMatch(/INVALID_POLICY_FILE|invalid policy files/);
      expect(run.stderr).toMatch(/checkout\.production\.yaml:\d+: bake: unknown field/);
    }
    expect(await stored()).toEqual(before);
  });

  it('refuses a query Prometheus refuses, naming the file, and saves no other policy', async () => {
    const before = await stored();
    writeFileSync(join(dir, 'a-new.yaml'), 'service: new\nenvironment: production\n');
    writeFileSync(
      join(dir, 'checkout.production.yaml'),
      'service: checkout\nenvironment: production\nchecks:\n  - name: broken\n    query: "sum(rate(up[{{window}}])) by ("\n    failureCondition: "result > 1"\n',
    );
    const run = await cli('apply', '-f', dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /INVALID_POLICY: checkout\.production\.yaml: .*checks\[0\]\.query: Prometheus refused it/,
    );
    expect(await stored()).toEqual(before);
  });
});
