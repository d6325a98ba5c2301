/**
 * A pipeline gate that could not judge never passes silently: `shipwatch deployment
 * wait-verdict` against the whole app exits with a documented code of its own (10-15) and names
 * the real cause when Shipwatch has no Prometheus, when no policy applies, when the release is
 * UNVERIFIED (too little traffic) or SUPERSEDED, and — the deploy job of the documented GitHub
 * Actions workflow, run step by step as the runner does — when Prometheus goes down during the
 * verification (INCONCLUSIVE). Real Prometheus, real demo app, the CLI as a process.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startDemoApp, type DemoApp } from '../../src/demo/demo-app.js';
import { startPrometheus, type RunningPrometheus } from '../../src/demo/prometheus-process.js';
import { VerificationService } from '../../src/verification/verification.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { baseEnv, buildCli, collect, ROOT, runCli, spawnCli, type CliRun } from './cli-process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function listen(t: TestApp): Promise<string> {
  await t.app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${((t.app.getHttpServer() as Server).address() as AddressInfo).port}`;
}

async function ciToken(t: TestApp): Promise<string> {
  const created = await t.gql(
    'mutation { createApiToken(input: { name: "ci", scopes: [INGEST, READ] }) { token } }',
  );
  return (created.data!.createApiToken as { token: string }).token;
}

describe('wait-verdict when Shipwatch has no Prometheus', () => {
  let t: TestApp;
  let url: string;
  let token: string;
  beforeAll(async () => {
    buildCli();
    t = await startTestApp();
    url = await listen(t);
    token = await ciToken(t);
  });
  afterAll(() => t?.close());

  it('exits 10 and says PROMETHEUS_URL is not set (it used to pass, saying no policy applies)', async () => {
    const env = baseEnv({ SHIPWATCH_URL: url, SHIPWATCH_TOKEN: token });
    const args = ['deployment', 'finish', '-s', 'shop', '-e', 'production', '-v', '1.0.0'];
    const run = await runCli([...args, '--event-id', 'np-1', '--id', 'np-1', '--wait-verdict'], {
      env,
    });
    expect(run.code).toBe(10);
    expect(run.stdout).toContain(
      'not verified: this Shipwatch has no Prometheus (PROMETHEUS_URL is not set): it cannot judge shop in production or any release',
    );
    expect(run.stderr).toContain(
      'exit 10 (--allow-unverified lets a release nobody could judge pass)',
    );
    expect(run.stdout).not.toContain('no policy applies');

    const allowed = await runCli(
      [...args, '--event-id', 'np-1', '--id', 'np-1', '--wait-verdict', '--allow-unverified'],
      { env },
    );
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toContain('passing anyway (--allow-unverified)');
  });
});

describe('wait-verdict for releases nobody could judge', () => {
  let prom: RunningPrometheus;
  let demo: DemoApp;
  let quietDemo: DemoApp;
  let t: TestApp;
  let url: string;
  let token: string;
  let dir: string;
  const env = (extra: Record<string, string> = {}) =>
    baseEnv({ SHIPWATCH_URL: url, SHIPWATCH_TOKEN: token, ...extra });

  /** Runs the scheduler's work every half second until `done` settles. */
  async function driveTicks<T>(done: Promise<T>): Promise<T> {
    let settled = false;
    void done.finally(() => (settled = true));
    while (!settled) {
      await t.app.get(VerificationService).runDueTicks(new Date());
      await sleep(500);
    }
    return done;
  }

  async function savePolicy(service: string, timing: object, analysis: object): Promise<void> {
    const saved = await t.gql(
      `mutation ($input: SaveVerificationPolicyInput!) { saveVerificationPolicy(input: $input) { id } }`,
      { input: { service, environment: 'production', mode: 'ADVISE', timing, analysis } },
    );
    if (saved.errors) throw new Error(`saveVerificationPolicy: ${JSON.stringify(saved.errors)}`);
  }

  beforeAll(async () => {
    buildCli();
    dir = mkdtempSync(join(tmpdir(), 'sw-unjudged-'));
    demo = await startDemoApp({
      service: 'gated',
      version: '1.0.0',
      requestsPerSecond: 20,
      errorRate: 0.001,
    });
    quietDemo = await startDemoApp({ service: 'quiet', version: '1.0.0', requestsPerSecond: 2 });
    prom = await startPrometheus({
      scrapeTargets: [demo.target, quietDemo.target],
      scrapeInterval: '1s',
    });
    t = await startTestApp({ PROMETHEUS_URL: prom.url });
    url = await listen(t);
    token = await ciToken(t);
    const timing = {
      intervalSeconds: 1,
      windowSeconds: 2,
      warmUpSeconds: 0,
      bakeSeconds: 4,
      maxVerificationSeconds: 6,
      settleWindowSeconds: 2,
      preDeployWindowSeconds: 4,
      cooldownSeconds: 0,
    };
    // "quiet": no window ever has the traffic the policy asks for.
    await savePolicy('quiet', timing, { minRequests: 1_000_000, consecutiveErrorLimit: 100 });
    await savePolicy(
      'gated',
      { ...timing, maxVerificationSeconds: 120 },
      { minRequests: 5, consecutiveErrorLimit: 2 },
    );
  });
  afterAll(async () => {
    await t?.close();
    await prom?.stop();
    await demo?.stop();
    await quietDemo?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 11 when no policy applies, naming why; --fail-on NONE still exits 1', async () => {
    const finished = await runCli(
      ['deployment', 'finish', '-s', 'gated', '-e', 'staging', '-v', '1.0.0', '--json'],
      { env: env() },
    );
    const id = (JSON.parse(finished.stdout) as { id: string }).id;
    const run = await runCli(['deployment', 'wait-verdict', id, '--json'], { env: env() });
    expect(run.code).toBe(11);
    expect(JSON.parse(run.stdout)).toMatchObject({
      verdict: 'NONE',
      notVerifiedReason: 'NO_POLICY',
      passed: false,
      judged: false,
      exitCode: 11,
    });
    expect(run.stderr).toContain(
      'not judged: no verification policy is saved for gated in staging, and the default policy covers production-tier environments only (staging is staging); exit 11',
    );
    const failOn = await runCli(['deployment', 'wait-verdict', id, '--fail-on', 'FAILED,NONE'], {
      env: env(),
    });
    expect(failOn.code).toBe(1);
  });

  it('exits 13 for an UNVERIFIED release (too little traffic), and 15 for a SUPERSEDED one', async () => {
    const finish = (service: string, version: string) =>
      runCli(['deployment', 'finish', '-s', service, '-e', 'production', '-v', version, '--json'], {
        env: env(),
      }).then((r) => (JSON.parse(r.stdout) as { id: string }).id);
    quietDemo.control({ version: '2.0.0' });
    const quiet = await finish('quiet', '2.0.0');
    const run = await driveTicks(
      runCli(['deployment', 'wait-verdict', quiet, '--interval', '1s'], { env: env() }),
    );
    expect(run.code).toBe(13);
    expect(run.stdout).toMatch(/^quiet 2\.0\.0 in production: UNVERIFIED\n/);
    expect(run.stderr).toContain(
      'UNVERIFIED: no window had enough traffic before the maximum verification time: no evidence either way',
    );

    const older = await finish('gated', '1.1.0');
    await finish('gated', '1.2.0');
    const superseded = await runCli(['deployment', 'wait-verdict', older], { env: env() });
    expect(superseded.code).toBe(15);
    expect(superseded.stdout).toContain('gated 1.1.0 in production: SUPERSEDED');
  });

  it('fails the documented GitHub Actions deploy job when Prometheus goes down: INCONCLUSIVE, exit 12, naming the cause', async () => {
    // The steps of the `deploy` job of docs/ci/github-actions.yml, run as the runner runs them
    // (bash -e, stop at the first failing step); `shipwatch` is the CLI built from this tree.
    const workflow = parseYaml(readFileSync(join(ROOT, 'docs/ci/github-actions.yml'), 'utf8')) as {
      jobs: { deploy: { steps: { name?: string; run?: string; if?: string; id?: string }[] } };
    };
    const bin = join(dir, 'bin');
    writeFileSync(join(dir, 'deploy.sh'), '#!/bin/sh\necho deployed\n');
    chmodSync(join(dir, 'deploy.sh'), 0o755);
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'shipwatch'),
      `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'dist/src/cli/main.js')}" "$@"\n`,
    );
    chmodSync(join(bin, 'shipwatch'), 0o755);
    const jobEnv = env({
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      GITHUB_ACTIONS: 'true',
      GITHUB_RUN_ID: '9001',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_JOB: 'deploy',
      GITHUB_WORKFLOW: 'release',
      GITHUB_REPOSITORY: 'acme/gated',
      GITHUB_SHA: 'd'.repeat(40),
      GITHUB_SERVER_URL: 'https://github.com',
      SERVICE: 'gated',
      VERSION: '2.0.0',
    });
    const steps = workflow.jobs.deploy.steps.filter(
      (s) => s.run && !s.if && !s.run.startsWith('npm install'),
    );
    expect(steps.map((s) => s.run!.split(' ').slice(0, 3).join(' '))).toEqual([
      'shipwatch deployment start',
      './deploy.sh',
      'shipwatch deployment finish',
    ]);

    // The deploy tool restarted the service on 2.0.0; then Prometheus went down.
    demo.control({ version: '2.0.0' });
    await prom.stop();

    const results: (CliRun & { step: string })[] = [];
    const job = (async () => {
      for (const step of steps) {
        const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], {
          cwd: dir,
          env: jobEnv,
        });
        const result = { step: step.run!, ...(await collect(child, 150_000)) };
        results.push(result);
        if (result.code !== 0) break;
      }
    })();
    await driveTicks(job);
    const last = results.at(-1)!;
    expect(last.step).toContain('--wait-verdict');
    expect(results.slice(0, -1).map((r) => r.code)).toEqual([0, 0]);
    expect(last.code).toBe(12);
    expect(last.stdout).toContain('\ngated 2.0.0 in production: INCONCLUSIVE\n');
    expect(last.stderr).toContain('shipwatch: warning: INCONCLUSIVE: ');
    // every SLI fails alike: the error is said once, naming them all
    const unavailable = `Prometheus at ${prom.url} is unavailable: fetch failed (ECONNREFUSED)`;
    expect(last.stderr).toMatch(
      /; last tick: errors, latency(, \w+)*: canary PROMETHEUS_UNAVAILABLE: /,
    );
    const warning = last.stderr.split('\n').find((l) => l.startsWith('shipwatch: warning: '))!;
    expect(warning.split(unavailable)).toHaveLength(2);
    expect(last.stderr).toContain('exit 12');
  });

  it('lets a release nobody could judge pass with --allow-unverified', async () => {
    const child = spawnCli(
      [
        'deployment',
        'finish',
        ...['-s', 'gated', '-e', 'production', '-v', '2.0.1'],
        ...['--wait-verdict', '--interval', '1s', '--allow-unverified'],
      ],
      { env: env() },
    );
    const run = await driveTicks(collect(child, 150_000));
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('passing anyway (--allow-unverified)');
  });
});
