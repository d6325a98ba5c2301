/*
 * `npm run demo`: the whole Shipwatch loop in about a minute, on this machine, with nothing to
 * set up. It starts Shipwatch in-process on an in-memory embedded database, an instrumented demo
 * app, and a real Prometheus scraping it (or, without a `prometheus` binary, a clearly labelled
 * signal simulator); replays 90 days of synthetic history with `shipwatch import`; then, as a CI
 * pipeline would with the `shipwatch` CLI, deploys a good release and a bad one. Shipwatch
 * verifies both against the live signals, fails the bad one, sends a signed rollback webhook to a
 * local receiver (the "deploy tool"), which rolls back and reports it; the rollback is verified
 * in turn, and the DORA report closes the loop. Everything stops by itself; exit code 0.
 *
 *   npm run demo                  # build, then run
 *   node dist/scripts/demo.js --simulated-signals --verbose
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from '../src/app.factory.js';
import { loadConfig } from '../src/config/config.schema.js';
import { SHIPWATCH_VERSION } from '../src/config/version.js';
import { startDemoApp, type DemoApp } from '../src/demo/demo-app.js';
import { generateHistory } from '../src/demo/history.generator.js';
import { prometheusAvailable, startPrometheus } from '../src/demo/prometheus-process.js';
import { startRollbackReceiver, type ReceivedRollback } from '../src/demo/rollback-receiver.js';
import { startSignalSimulator } from '../src/demo/signal-simulator.js';
import { JsonLogger } from '../src/observability/json-logger.js';

const { values: flags } = parseArgs({
  options: {
    'simulated-signals': { type: 'boolean' },
    verbose: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (flags.help) {
  process.stdout.write(
    'Usage: npm run demo [-- --simulated-signals] [-- --verbose]\n\n' +
      '  --simulated-signals  use the built-in signal simulator even when prometheus is installed\n' +
      '  --verbose            show Shipwatch logs (JSON, on stderr)\n',
  );
  process.exit(0);
}

const SERVICE = 'checkout';
const ENVIRONMENT = 'production';
const RPS = 200;
/**
 * Within the 99.9 % objective of the demo's SLO, as a healthy service is. At 0.2 % (twice the
 * budget) noise alone made about 1 good release in 260 DEGRADED or ENV_DEGRADED (20,000 simulated
 * with the verifier's own tests): e.g. 10 errors in the bake's 1,800 requests against a baseline
 * with 2 is significant. At 0.05 % none of the 20,000 was.
 */
const HEALTHY_ERROR_RATE = 0.0005;
const BAD_ERROR_RATE = 0.25;
const SECRET = randomBytes(24).toString('hex');
const ADMIN = `demo-admin-${randomBytes(12).toString('hex')}`;
/** Seconds instead of minutes, so that a verdict takes a few ticks of 3 s. */
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
/** One errors SLI on plain selectors (the simulator answers no target_info join). */
const SIMULATED_SLIS = [
  {
    name: 'errors',
    objective: 0.999,
    totalQuery:
      'http_server_request_duration_seconds_count{service_name="{{service}}",deployment_environment_name="{{environment}}",service_version=~"{{versionRegex}}"}',
    badQuery:
      'http_server_request_duration_seconds_count{service_name="{{service}}",deployment_environment_name="{{environment}}",service_version=~"{{versionRegex}}",http_response_status_code=~"5.."} or vector(0)',
  },
];

const tty = process.stdout.isTTY === true;
const paint = (code: string) => (s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
const bold = paint('1');
const dim = paint('2');
const green = paint('32');
const red = paint('31');
const cyan = paint('36');
const started = Date.now();
const clock = (): string => dim(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s]`);
const say = (line: string): void => void process.stdout.write(`${clock()} ${line}\n`);
const step = (title: string): void => void process.stdout.write(`\n${bold(cyan(`== ${title}`))}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cleanups: (() => Promise<unknown>)[] = [];
async function cleanup(): Promise<void> {
  for (const stop of cleanups.reverse()) await stop().catch(() => undefined);
}
process.once('SIGINT', () => {
  process.stdout.write('\ninterrupted; stopping\n');
  void cleanup().then(() => process.exit(130));
});

const CLI = join(import.meta.dirname, '..', 'src', 'cli', 'main.js');
const work = mkdtempSync(join(tmpdir(), 'shipwatch-demo-'));
cleanups.push(async () => rmSync(work, { recursive: true, force: true }));

interface CliOptions {
  readonly env?: Record<string, string>;
  /** Capture stdout instead of showing it. */
  readonly capture?: boolean;
  /** Shown instead of the real arguments (e.g. to hide a token). */
  readonly display?: string;
}

/** Runs the real `shipwatch` CLI as a child process, showing the command line first. */
function shipwatch(
  args: string[],
  baseEnv: Record<string, string>,
  options: CliOptions = {},
): Promise<{ code: number; stdout: string }> {
  const shown =
    options.display ?? args.map((a) => (/[\s"]/.test(a) ? JSON.stringify(a) : a)).join(' ');
  process.stdout.write(`${clock()} ${bold('$ shipwatch')} ${bold(shown)}\n`);
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: work,
    env: { PATH: process.env.PATH ?? '', HOME: work, ...baseEnv, ...options.env },
    stdio: ['ignore', options.capture ? 'pipe' : 'inherit', 'inherit'],
  });
  let stdout = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? 1, stdout }));
  });
}

async function gql<T>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as {
    data?: T;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
  if (body.errors?.length) {
    throw new Error(`${body.errors[0].extensions?.code ?? 'ERROR'}: ${body.errors[0].message}`);
  }
  return body.data as T;
}

/** What a GitHub Actions job of the release workflow would export to its steps. */
function githubJob(run: number, sha: string): Record<string, string> {
  return {
    GITHUB_ACTIONS: 'true',
    GITHUB_RUN_ID: String(run),
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'deploy',
    GITHUB_WORKFLOW: 'release',
    GITHUB_REPOSITORY: 'acme/checkout',
    GITHUB_SHA: sha,
    GITHUB_REF_NAME: 'main',
    GITHUB_SERVER_URL: 'https://github.com',
  };
}

async function main(): Promise<number> {
  process.stdout.write(
    `${bold(`Shipwatch ${SHIPWATCH_VERSION} demo`)}: report deployments from CI, verify releases against live signals, roll back a bad one, read DORA.\n`,
  );

  step('1. Start the pieces');
  let rollbackArrived: (r: ReceivedRollback) => void = () => undefined;
  const rollbackRequest = new Promise<ReceivedRollback>((resolve) => (rollbackArrived = resolve));
  const receiver = await startRollbackReceiver({
    secret: SECRET,
    onRollback: (r) => rollbackArrived(r),
  });
  cleanups.push(() => receiver.stop());
  say(`deploy tool (rollback webhook receiver, HMAC-SHA256 signed) on ${receiver.url}`);

  const demo: DemoApp = await startDemoApp({
    service: SERVICE,
    environment: ENVIRONMENT,
    version: '1.0.0',
    requestsPerSecond: RPS,
    errorRate: HEALTHY_ERROR_RATE,
    latencyMs: 20,
  });
  cleanups.push(() => demo.stop());
  const demoStarted = Date.now();
  say(
    `demo app "${SERVICE}" 1.0.0 on ${demo.url}: ${RPS} requests/s, ${HEALTHY_ERROR_RATE * 100}% errors (OpenTelemetry HTTP metrics at /metrics)`,
  );

  const simulated = flags['simulated-signals'] === true || !prometheusAvailable();
  let signalsUrl: string;
  if (simulated) {
    const sim = await startSignalSimulator({ targets: [`${demo.url}/metrics`] });
    cleanups.push(() => sim.stop());
    signalsUrl = sim.url;
    say(
      `${bold('SIMULATED SIGNALS')}: ${flags['simulated-signals'] ? '--simulated-signals given' : 'no `prometheus` binary on PATH'}; a built-in stand-in for the Prometheus query API scrapes the demo app on ${sim.url}`,
    );
    say(
      dim(
        '  (install Prometheus, e.g. `apt-get install prometheus`, to run the demo against the real thing)',
      ),
    );
  } else {
    const prom = await startPrometheus({ scrapeTargets: [demo.target] });
    cleanups.push(() => prom.stop());
    signalsUrl = prom.url;
    say(`real Prometheus on ${prom.url}, scraping the demo app every second`);
  }

  const config = loadConfig(
    {
      HOST: '127.0.0.1',
      PORT: '0',
      SHIPWATCH_DATA_DIR: 'memory://',
      SHIPWATCH_BOOTSTRAP_TOKEN: ADMIN,
      PROMETHEUS_URL: signalsUrl,
      SHIPWATCH_OUTBOUND_PRIVATE_HOSTS: `127.0.0.1:${receiver.port}`,
      SHIPWATCH_SCHEDULER: 'on',
      LOG_LEVEL: flags.verbose ? 'info' : 'error',
    },
    SHIPWATCH_VERSION,
  );
  const logger = new JsonLogger(config.logLevel, (line) => void process.stderr.write(`${line}\n`));
  const { app } = await createApp(config, logger);
  await app.listen(0, '127.0.0.1');
  cleanups.push(() => app.close());
  const url = `http://127.0.0.1:${((app.getHttpServer() as Server).address() as AddressInfo).port}`;
  say(`Shipwatch on ${url} (embedded PostgreSQL in memory, scheduler on)`);

  const cli = { SHIPWATCH_URL: url };
  const created = await shipwatch(
    ['token', 'create', '--name', 'demo-ci'],
    { ...cli, SHIPWATCH_TOKEN: ADMIN },
    { capture: true },
  );
  if (created.code !== 0) throw new Error('token create failed');
  const token = created.stdout.trim();
  say(`→ an INGEST+READ token for the pipeline: ${token.slice(0, 10)}… (SHIPWATCH_TOKEN)`);
  const env = { ...cli, SHIPWATCH_TOKEN: token };

  step('2. Replay 90 days of history');
  const history = generateHistory({ now: new Date(), seed: 2026 });
  const file = join(work, 'history.ndjson');
  writeFileSync(file, history.events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const c = history.counts;
  say(
    `generated ${history.events.length} events: ${c.deployments} deployments of checkout, search and payments, ${c.runs} pipeline runs, ${c.changes} merged pull requests, ${c.incidents} incidents`,
  );
  const imported = await shipwatch(['import', file], env, { display: 'import history.ndjson' });
  if (imported.code !== 0) throw new Error(`import failed with exit code ${imported.code}`);

  step('3. A verification policy for checkout in production');
  await gql(
    url,
    `mutation ($input: SaveVerificationPolicyInput!) { saveVerificationPolicy(input: $input) { id } }`,
    {
      input: {
        service: SERVICE,
        environment: ENVIRONMENT,
        mode: 'ENFORCE',
        timing: TIMING,
        analysis: ANALYSIS,
        ...(simulated ? { slis: SIMULATED_SLIS } : {}),
        rollbackTarget: { kind: 'WEBHOOK', url: `${receiver.url}/rollback`, secret: SECRET },
      },
    },
  );
  say(
    `ENFORCE: ${simulated ? 'an errors SLI (simulated signals)' : 'the default SLIs (errors and latency from the OpenTelemetry HTTP histogram)'}, a tick every ${TIMING.intervalSeconds}s, bake ${TIMING.bakeSeconds}s; rollback via the signed webhook`,
  );
  say(dim('  (the defaults are 30 s ticks and a 10 minute bake; the demo runs at high speed)'));
  const baselineReady = demoStarted + (TIMING.preDeployWindowSeconds + 3) * 1000;
  if (Date.now() < baselineReady) {
    say(
      `letting ${Math.ceil((baselineReady - Date.now()) / 1000)}s of pre-deploy traffic build a baseline…`,
    );
    await sleep(baselineReady - Date.now());
  }

  const label = simulated ? ` ${dim('[simulated signals]')}` : '';
  step(`4. Deploy a good release: checkout 1.1.0${label}`);
  const goodSha = randomBytes(20).toString('hex');
  await shipwatch(['deployment', 'start', '-s', SERVICE, '-e', ENVIRONMENT, '-v', '1.1.0'], env, {
    env: githubJob(5001, goodSha),
  });
  demo.control({ version: '1.1.0', errorRate: HEALTHY_ERROR_RATE });
  say('demo app now serves 1.1.0');
  const good = await shipwatch(
    [
      'deployment',
      'finish',
      '-s',
      SERVICE,
      '-e',
      ENVIRONMENT,
      '-v',
      '1.1.0',
      '--previous-version',
      '1.0.0',
      '--wait-verdict',
      '--interval',
      '1s',
      '--timeout',
      '90s',
    ],
    env,
    { env: githubJob(5001, goodSha) },
  );
  say(good.code === 0 ? green('exit code 0: the pipeline goes on') : red(`exit code ${good.code}`));

  step(`5. Deploy a bad release: checkout 1.2.0, a quarter of its requests fail${label}`);
  const badSha = randomBytes(20).toString('hex');
  demo.control({ version: '1.2.0', errorRate: BAD_ERROR_RATE });
  say(`demo app now serves 1.2.0 with ${BAD_ERROR_RATE * 100}% errors`);
  const bad = await shipwatch(
    [
      'deployment',
      'finish',
      '-s',
      SERVICE,
      '-e',
      ENVIRONMENT,
      '-v',
      '1.2.0',
      '--previous-version',
      '1.1.0',
      '--wait-verdict',
      '--interval',
      '1s',
      '--timeout',
      '90s',
    ],
    env,
    { env: githubJob(5002, badSha) },
  );
  say(
    bad.code === 1
      ? red('exit code 1: the release failed verification, the pipeline stops here')
      : `exit code ${bad.code}`,
  );

  const deployments = await gql<{
    deployments: { edges: { node: { id: string; externalId: string } }[] };
  }>(
    url,
    `{ deployments(service: "${SERVICE}", environment: "${ENVIRONMENT}", first: 5) { edges { node { id externalId } } } }`,
  );
  const badId = deployments.deployments.edges.find(
    (e) => e.node.externalId === `gh:5002:${SERVICE}:${ENVIRONMENT}`,
  )?.node.id;
  if (badId) await shipwatch(['verify', badId], env);

  step(`6. The rollback${label}`);
  const rollback = await Promise.race([
    rollbackRequest,
    sleep(30_000).then(() => {
      throw new Error('no rollback request arrived within 30 s');
    }),
  ]);
  const b = rollback.body;
  say(
    `deploy tool received ${bold('POST /rollback')} (signature verified, Idempotency-Key ${rollback.idempotencyKey ?? '-'}): roll ${b.deployment.service} ${b.deployment.version ?? '?'} back to ${bold(b.rollback.toVersion)}`,
  );
  say(dim(`  reason: ${b.rollback.reason}`));
  demo.control({ version: b.rollback.toVersion, errorRate: HEALTHY_ERROR_RATE });
  say(
    `deploy tool rolled the demo app back to ${b.rollback.toVersion} and reports it; Shipwatch verifies the rollback in turn`,
  );
  const rolledBack = await shipwatch(
    [
      'deployment',
      'finish',
      '-s',
      b.deployment.service,
      '-e',
      b.deployment.environment,
      '-v',
      b.rollback.toVersion,
      '--rolls-back',
      b.deployment.id,
      '--wait-verdict',
      '--interval',
      '1s',
      '--timeout',
      '90s',
    ],
    env,
    { env: { ...githubJob(5003, goodSha), GITHUB_WORKFLOW: 'rollback' } },
  );
  if (rolledBack.code !== 0)
    say(red(`the rollback verification ended with exit code ${rolledBack.code}`));

  step('7. DORA: 90 days of history plus today');
  await shipwatch(['dora', '--since', '90d'], env);
  await shipwatch(['dora', '--since', '90d', '--by-service'], env);

  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const ok =
    good.code === 0 && bad.code === 1 && rolledBack.code === 0 && receiver.executed.length === 1;
  process.stdout.write(
    `\n${bold(ok ? green(`Done in ${seconds}s.`) : red(`Finished in ${seconds}s, but not as expected.`))} ${simulated ? '(simulated signals)' : '(real Prometheus)'}\n` +
      'Next: docs/getting-started.md (run Shipwatch, report from your own pipeline, gate on the verdict).\n',
  );
  return ok ? 0 : 1;
}

main()
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    process.stderr.write(
      `\ndemo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    await cleanup();
    process.exit(1);
  });
