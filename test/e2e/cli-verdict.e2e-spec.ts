/**
 * Gating a pipeline on the release verdict with the real CLI process: `deployment finish
 * --wait-verdict`, `deployment wait-verdict` and `verify`, against the whole app, a real
 * Prometheus scraping instrumented demo apps, and a signed-webhook receiver for the rollback.
 * Verification ticks and outbox deliveries are driven by the test with the real clock, as the
 * scheduler does, while the CLI polls from its own process.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDemoApp, type DemoApp } from '../../src/demo/demo-app.js';
import { OutboxDispatcher } from '../../src/remediation/outbox.dispatcher.js';
import { VerificationService } from '../../src/verification/verification.service.js';
import { startPrometheus, type RunningPrometheus } from '../../src/demo/prometheus-process.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/signed-webhook-receiver.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { baseEnv, buildCli, collect, runCli, spawnCli, type CliRun } from './cli-process.js';

const SECRET = 'whsec-cli-e2e-rollback-0123456789';
const TIMING = {
  intervalSeconds: 3,
  windowSeconds: 3,
  warmUpSeconds: 0,
  bakeSeconds: 9,
  maxVerificationSeconds: 120,
  settleWindowSeconds: 9,
  preDeployWindowSeconds: 9,
  cooldownSeconds: 0,
  rollbackVerifyTimeoutSeconds: 60,
};
const ANALYSIS = {
  minRequests: 100,
  minEvaluatedTicks: 3,
  passK: 3,
  consecutiveErrorLimit: 3,
  // Two 3 s windows: the default tolerances (60 s critical, 180 s severe) scaled to these ticks.
  criticalSustainSeconds: 6,
  severeSustainSeconds: 6,
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('shipwatch deployment wait-verdict / verify (a CI gate)', () => {
  let prom: RunningPrometheus;
  let receiver: WebhookReceiver;
  let t: TestApp;
  let url: string;
  let token: string;
  const demos: Record<string, DemoApp> = {};
  const env = (extra: Record<string, string> = {}) =>
    baseEnv({ SHIPWATCH_URL: url, SHIPWATCH_TOKEN: token, ...extra });

  beforeAll(async () => {
    buildCli();
    receiver = await startWebhookReceiver({ secret: SECRET });
    for (const s of ['cli-good', 'cli-bad']) {
      demos[s] = await startDemoApp({
        service: s,
        version: '1.0.0',
        requestsPerSecond: 200,
        errorRate: 0.001,
      });
    }
    // No errors at all: its sequential test accepts within a few ticks (an early HEALTHY).
    demos['cli-watch'] = await startDemoApp({
      service: 'cli-watch',
      version: '1.0.0',
      requestsPerSecond: 200,
      errorRate: 0,
    });
    prom = await startPrometheus({
      scrapeTargets: Object.values(demos).map((d) => d.target),
      scrapeInterval: '1s',
    });
    t = await startTestApp({
      PROMETHEUS_URL: prom.url,
      SHIPWATCH_OUTBOUND_PRIVATE_HOSTS: `127.0.0.1:${receiver.port}`,
    });
    await t.app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${((t.app.getHttpServer() as Server).address() as AddressInfo).port}`;
    const created = await t.gql(
      'mutation { createApiToken(input: { name: "ci", scopes: [INGEST, READ] }) { token } }',
    );
    token = (created.data!.createApiToken as { token: string }).token;
    for (const service of Object.keys(demos)) {
      const saved = await t.gql(
        `mutation ($input: SaveVerificationPolicyInput!) { saveVerificationPolicy(input: $input) { id } }`,
        {
          input: {
            service,
            environment: 'production',
            mode: 'ENFORCE',
            // cli-watch: HEALTHY from 6 s, watched to the end of a 60 s bake
            timing:
              service === 'cli-watch'
                ? { ...TIMING, earlyHealthySeconds: 6, bakeSeconds: 60 }
                : TIMING,
            analysis: ANALYSIS,
            rollbackTarget: {
              kind: 'WEBHOOK',
              url: `${receiver.url}/rollback/${service}`,
              secret: SECRET,
            },
          },
        },
      );
      if (saved.errors) throw new Error(`saveVerificationPolicy: ${JSON.stringify(saved.errors)}`);
    }
    // The pre-deploy baseline needs preDeployWindowSeconds of scraped traffic.
    await sleep((TIMING.preDeployWindowSeconds + 3) * 1000);
  });
  afterAll(async () => {
    await t?.close();
    await prom?.stop();
    await Promise.all(Object.values(demos).map((d) => d.stop()));
    await receiver?.stop();
  });

  /** Runs what the scheduler runs, every half second, until the CLI process exits. */
  async function driveUntilExit(
    args: string[],
    extra: Record<string, string> = {},
  ): Promise<CliRun> {
    const child = spawnCli(args, { env: env(extra) });
    const exited = collect(child, 150_000);
    while (child.exitCode === null && child.signalCode === null) {
      await t.app.get(VerificationService).runDueTicks(new Date());
      await t.app.get(OutboxDispatcher).dispatchDue(new Date());
      await sleep(500);
    }
    return exited;
  }

  it('finish --wait-verdict exits 0 once a healthy release is verified HEALTHY', async () => {
    demos['cli-good'].control({ version: '2.0.0' });
    const args = [
      'deployment',
      'finish',
      '-s',
      'cli-good',
      '-e',
      'production',
      '-v',
      '2.0.0',
      '--previous-version',
      '1.0.0',
      '--wait-verdict',
      '--interval',
      '1s',
      '--timeout',
      '2m',
      '--json',
    ];
    const gitlab = {
      GITLAB_CI: 'true',
      CI_PIPELINE_ID: '31',
      CI_JOB_NAME: 'deploy',
      CI_PROJECT_PATH: 'acme/good',
    };
    const run = await driveUntilExit(args, gitlab);
    expect(run.stderr).toContain('verifying cli-good 2.0.0 in production: tick 1 PASS');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      verdict: 'HEALTHY',
      passed: true,
      rollbackRequestedAt: null,
    });
    // The CI job retried: the same event is a DUPLICATE, and the verdict is there already.
    const retried = await runCli(args, { env: env(gitlab) });
    expect(retried.code).toBe(0);
    expect(JSON.parse(retried.stdout)).toMatchObject({
      verdict: 'HEALTHY',
      deploymentId: (JSON.parse(run.stdout) as { deploymentId: string }).deploymentId,
    });
  });

  it('wait-verdict exits 1 when a bad release FAILED, and the rollback was requested; verify shows the evidence', async () => {
    demos['cli-bad'].control({ version: '2.0.0', errorRate: 0.3 });
    const finished = await runCli(
      [
        'deployment',
        'finish',
        '-s',
        'cli-bad',
        '-e',
        'production',
        '-v',
        '2.0.0',
        '--previous-version',
        '1.0.0',
        '--json',
      ],
      { env: env() },
    );
    expect(finished.code).toBe(0);
    const id = (JSON.parse(finished.stdout) as { id: string }).id;

    const run = await driveUntilExit([
      'deployment',
      'wait-verdict',
      id,
      '--interval',
      '1s',
      '--timeout',
      '2m',
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^cli-bad 2\.0\.0 in production: FAILED\n/);
    expect(run.stdout).toContain('policy: ENFORCE, 3s ticks');
    expect(run.stdout).toMatch(/rollback requested at \d{4}-/);
    // The deploy tool's receiver got exactly one signed rollback request.
    await sleep(1000);
    await t.app.get(OutboxDispatcher).dispatchDue(new Date());
    const rollbacks = receiver.requests.filter((r) => r.path === '/rollback/cli-bad');
    expect(rollbacks.map((r) => r.signatureValid)).toEqual([true]);

    // The deploy tool rolls back and reports it, naming the failed deployment by its Shipwatch id.
    demos['cli-bad'].control({ version: '1.0.0', errorRate: 0.001 });
    const rolledBack = await runCli(
      [
        'deployment',
        'finish',
        '-s',
        'cli-bad',
        '-e',
        'production',
        '-v',
        '1.0.0',
        '--rolls-back',
        id,
        '--json',
      ],
      { env: env() },
    );
    expect(rolledBack.code).toBe(0);
    const rollbackId = (JSON.parse(rolledBack.stdout) as { id: string }).id;
    const rollback = await t.gql(
      `query ($id: ID!) { deployment(id: $id) { kind previousVersion remediates { kind source id } } }`,
      { id: rollbackId },
    );
    expect(rollback.data!.deployment).toEqual({
      kind: 'ROLLBACK',
      previousVersion: '2.0.0',
      remediates: [
        {
          kind: 'DEPLOYMENT',
          source: 'shipwatch-cli',
          id: expect.stringMatching(/^cli-bad-production-/),
        },
      ],
    });

    const shown = await runCli(['verify', id], { env: env() });
    expect(shown.code).toBe(1);
    expect(shown.stdout).toMatch(/TICK\s+WINDOW END\s+RESULT\s+SEVERITY\s+STATE\s+REASON/);
    expect(shown.stdout).toContain('CRITICAL');
    expect(shown.stdout).toMatch(/Evidence of tick \d+ \(bad\/total events\):/);
    expect(shown.stdout).toMatch(/errors\s+CRITICAL\s+[\d.]+\/[\d.]+ \(\d+\.\d%\)/);
    // --fail-on decides: a script that only logs the verdict can pass with exit 0.
    expect((await runCli(['verify', id, '--fail-on', 'INCONCLUSIVE'], { env: env() })).code).toBe(
      0,
    );
    const json = JSON.parse((await runCli(['verify', id, '--json'], { env: env() })).stdout) as {
      verdict: string;
      ticks: { evidence: { slis: { name: string }[] } }[];
    };
    expect(json.verdict).toBe('FAILED');
    expect(json.ticks.at(-1)!.evidence.slis.map((s) => s.name)).toEqual(['errors', 'latency']);
  });

  it('wait-verdict --whole-bake waits through the watch of an early HEALTHY: a late regression exits 1', async () => {
    demos['cli-watch'].control({ version: '2.0.0' });
    const finished = await runCli(
      ['deployment', 'finish', '-s', 'cli-watch', '-e', 'production', '-v', '2.0.0'].concat([
        '--previous-version',
        '1.0.0',
        '--json',
      ]),
      { env: env() },
    );
    expect(finished.code).toBe(0);
    const id = (JSON.parse(finished.stdout) as { id: string }).id;
    const state = async () => {
      const res = await t.gql(
        `query ($id: ID!) { releaseVerification(deploymentId: $id) { state watching } }`,
        { id },
      );
      return res.data!.releaseVerification as { state: string; watching: boolean } | null;
    };
    const child = spawnCli(
      ['deployment', 'wait-verdict', id, '--whole-bake', '--interval', '1s', '--timeout', '2m'],
      { env: env() },
    );
    const exited = collect(child, 150_000);
    let regressed = false;
    while (child.exitCode === null && child.signalCode === null) {
      await t.app.get(VerificationService).runDueTicks(new Date());
      await t.app.get(OutboxDispatcher).dispatchDue(new Date());
      const v = await state();
      if (!regressed && v?.state === 'HEALTHY' && v.watching) {
        // HEALTHY early, still watched: the release starts failing (a late regression)
        demos['cli-watch'].control({ errorRate: 0.3 });
        regressed = true;
      }
      await sleep(500);
    }
    const run = await exited;
    expect(regressed).toBe(true);
    expect(run.stderr).toContain('HEALTHY, watched to the end of the bake');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^cli-watch 2\.0\.0 in production: FAILED\n/);
    expect((await state())!.watching).toBe(false);
    demos['cli-watch'].control({ version: '1.0.0', errorRate: 0 });
  });

  it('exits 5 when no verdict arrives within --timeout', async () => {
    demos['cli-good'].control({ version: '3.0.0' });
    const finished = await runCli(
      ['deployment', 'finish', '-s', 'cli-good', '-e', 'production', '-v', '3.0.0', '--json'],
      { env: env() },
    );
    const id = (JSON.parse(finished.stdout) as { id: string }).id;
    // Nobody runs the ticks: the verification stays RUNNING.
    const run = await runCli(
      ['deployment', 'wait-verdict', id, '--interval', '1s', '--timeout', '2s'],
      { env: env() },
    );
    expect(run.code).toBe(5);
    expect(run.stderr).toContain(
      `TIMEOUT: no verdict for deployment ${id} within 2s (still RUNNING after 0 tick(s))`,
    );
  });

  it('exits 1 for a deployment that failed, and 11 for one with no verification unless --allow-unverified', async () => {
    const failed = await runCli(
      [
        'deployment',
        'finish',
        '-s',
        'cli-good',
        '-e',
        'production',
        '-v',
        '4.0.0',
        '--status',
        'FAILED',
        '--wait-verdict',
      ],
      { env: env() },
    );
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('is FAILED: the release never reached users');

    const staging = await runCli(
      ['deployment', 'finish', '-s', 'cli-good', '-e', 'staging', '-v', '4.0.0', '--json'],
      { env: env() },
    );
    const id = (JSON.parse(staging.stdout) as { id: string }).id;
    const none = await runCli(['deployment', 'wait-verdict', id], { env: env() });
    expect(none.code).toBe(11);
    expect(none.stdout).toContain('has no release verification');
    const allowed = await runCli(['deployment', 'wait-verdict', id, '--allow-unverified'], {
      env: env(),
    });
    expect(allowed.code).toBe(0);
    expect(
      (await runCli(['deployment', 'wait-verdict', id, '--fail-on', 'FAILED,NONE'], { env: env() }))
        .code,
    ).toBe(1);
    const missing = await runCli(['deployment', 'wait-verdict', '999999'], { env: env() });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('DEPLOYMENT_NOT_FOUND: deployment 999999 does not exist');
  });
});
