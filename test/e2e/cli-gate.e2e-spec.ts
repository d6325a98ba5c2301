/**
 * The pre-deploy gate, `deploymentGate` and `shipwatch gate`, against the whole app with a real
 * Prometheus scraping instrumented demo apps: a service nobody knows, a healthy one, one whose
 * release is being verified, then judged FAILED (its version, the incident the verdict opened,
 * its burning error budget), the neighbour that sees the environment's incident, and the answer
 * when Prometheus is down. Verification ticks are driven by the test as the scheduler runs them.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDemoApp, type DemoApp } from '../../src/demo/demo-app.js';
import { startPrometheus, type RunningPrometheus } from '../../src/demo/prometheus-process.js';
import { VerificationService } from '../../src/verification/verification.service.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/test-app.js';
import { baseEnv, buildCli, runCli } from './cli-process.js';

const TIMING = {
  intervalSeconds: 3,
  windowSeconds: 3,
  warmUpSeconds: 0,
  bakeSeconds: 9,
  maxVerificationSeconds: 120,
  settleWindowSeconds: 9,
  preDeployWindowSeconds: 9,
  cooldownSeconds: 0,
};
const ANALYSIS = {
  minRequests: 100,
  minEvaluatedTicks: 3,
  passK: 3,
  consecutiveErrorLimit: 3,
  criticalSustainSeconds: 6,
  severeSustainSeconds: 6,
};
const GATE = `query ($service: String!, $environment: String!, $version: String) {
  deploymentGate(service: $service, environment: $environment, version: $version) {
    decision complete reasons { code level message }
  }
}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface GateAnswer {
  decision: string;
  complete: boolean;
  reasons: { code: string; level: string; message: string }[];
}

describe('the pre-deploy gate (deploymentGate, shipwatch gate)', () => {
  let prom: RunningPrometheus;
  let t: TestApp;
  let url: string;
  let token: string;
  const demos: Record<string, DemoApp> = {};
  const env = () => baseEnv({ SHIPWATCH_URL: url, SHIPWATCH_TOKEN: token });
  const gate = async (service: string, version?: string): Promise<GateAnswer> => {
    const res = await t.gql(GATE, { service, environment: 'production', version }, token);
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    return res.data!.deploymentGate as GateAnswer;
  };
  const codes = (a: GateAnswer) => a.reasons.map((r) => `${r.level} ${r.code}`).sort();

  beforeAll(async () => {
    buildCli();
    for (const s of ['gate-good', 'gate-bad']) {
      demos[s] = await startDemoApp({
        service: s,
        version: '1.0.0',
        requestsPerSecond: 200,
        errorRate: 0.001,
      });
    }
    prom = await startPrometheus({
      scrapeTargets: Object.values(demos).map((d) => d.target),
      scrapeInterval: '1s',
    });
    t = await startTestApp({ PROMETHEUS_URL: prom.url });
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
            mode: 'ADVISE',
            timing: TIMING,
            analysis: ANALYSIS,
          },
        },
      );
      if (saved.errors) throw new Error(`saveVerificationPolicy: ${JSON.stringify(saved.errors)}`);
    }
    // Both services are known: each was deployed (two days ago: history, not verified).
    for (const service of Object.keys(demos)) {
      const done = await runCli(
        [
          'deployment',
          'finish',
          ...['-s', service, '-e', 'production', '-v', '1.0.0'],
          ...['--finished-at', new Date(Date.now() - 2 * 86_400_000).toISOString()],
          ...['--event-id', `${service}-1.0.0`],
        ],
        { env: env() },
      );
      if (done.code !== 0) throw new Error(done.stderr);
    }
    await sleep((TIMING.preDeployWindowSeconds + 3) * 1000);
  });
  afterAll(async () => {
    await t?.close();
    await prom?.stop();
    await Promise.all(Object.values(demos).map((d) => d.stop()));
  });

  it('allows a service it has never seen, with an UNKNOWN_SERVICE warning; refuses a blank service with a code', async () => {
    expect(await gate('never-seen', '1.0.0')).toEqual({
      decision: 'ALLOW',
      complete: true,
      reasons: [
        {
          code: 'UNKNOWN_SERVICE',
          level: 'WARN',
          message:
            'Shipwatch has never seen never-seen: no incident, verdict or budget can speak for or against it (is the name its OpenTelemetry service.name?)',
        },
      ],
    });
    const run = await runCli(['gate', '-s', 'never-seen', '-e', 'production'], { env: env() });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'gate for never-seen to production: ALLOW\n  WARN UNKNOWN_SERVICE: ',
    );
    const blank = await t.gql(GATE, { service: ' ', environment: 'production' }, token);
    expect(blank.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('allows a healthy service with nothing against it, its budget read from Prometheus', async () => {
    expect(await gate('gate-good', '1.1.0')).toEqual({
      decision: 'ALLOW',
      complete: true,
      reasons: [],
    });
    const run = await runCli(['gate', '-s', 'gate-good', '-e', 'production', '-v', '1.1.0'], {
      env: env(),
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('gate for gate-good 1.1.0 to production: ALLOW\n');
  });

  it('denies a service locked from the CLI (exit 20, LOCKED) until the lock is released', async () => {
    const created = await t.gql(
      'mutation { createApiToken(input: { name: "on-call", scopes: [READ, TRIAGE] }) { token } }',
      undefined,
      ADMIN_TOKEN,
    );
    const sre = () =>
      baseEnv({
        SHIPWATCH_URL: url,
        SHIPWATCH_TOKEN: (created.data!.createApiToken as { token: string }).token,
      });
    // The CI token (ingest, read) may ask the gate, not lock.
    const refused = await runCli(['lock', 'add', '-r', 'no'], { env: env() });
    expect([refused.code, refused.stderr]).toEqual([3, expect.stringContaining('triage')]);
    const taken = await runCli(
      [
        'lock',
        'add',
        '-s',
        'gate-good',
        '-e',
        'production',
        '-r',
        'INC-9: db failover',
        '--for',
        '2h',
        '--json',
      ],
      { env: sre() },
    );
    expect(taken.code).toBe(0);
    const lock = JSON.parse(taken.stdout) as { id: string; scope: string; until: string };
    expect(lock.scope).toBe('SERVICE');
    expect(new Date(lock.until).getTime() - Date.now()).toBeGreaterThan(7_000_000);

    const denied = await runCli(['gate', '-s', 'gate-good', '-e', 'production'], { env: env() });
    expect(denied.code).toBe(20);
    expect(denied.stdout).toMatch(
      /^gate for gate-good to production: DENY\n {2}DENY LOCKED: gate-good in production is locked by .+ until \S+: INC-9: db failover\n$/,
    );
    const listed = await runCli(['lock', 'list'], { env: sre() });
    expect(listed.stdout).toMatch(
      new RegExp(`^ID +LOCKS .*\\n +${lock.id} +gate-good in production +INC-9: db failover `, 'm'),
    );

    const released = await runCli(['lock', 'release', lock.id], { env: sre() });
    expect(released.code).toBe(0);
    expect(released.stdout).toMatch(
      new RegExp(`^lock ${lock.id}: gate-good in production released at `),
    );
    expect(
      (await runCli(['gate', '-s', 'gate-good', '-e', 'production'], { env: env() })).code,
    ).toBe(0);
    expect((await runCli(['lock', 'list'], { env: sre() })).stdout).not.toContain('INC-9');

    // A usage error names what is missing; an unknown lock answers its code.
    const noReason = await runCli(['lock', 'add', '-s', 'gate-good'], { env: sre() });
    expect([noReason.code, noReason.stderr]).toEqual([
      2,
      expect.stringContaining('--reason is required'),
    ]);
    const unknown = await runCli(['lock', 'release', '999999'], { env: sre() });
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('no deploy lock has id 999999');
  });

  it('denies a service during a freeze window created from the CLI (exit 20, FREEZE) until it is deleted', async () => {
    const created = await t.gql(
      'mutation { createApiToken(input: { name: "release manager", scopes: [READ, TRIAGE] }) { token } }',
      undefined,
      ADMIN_TOKEN,
    );
    const rm = () =>
      baseEnv({
        SHIPWATCH_URL: url,
        SHIPWATCH_TOKEN: (created.data!.createApiToken as { token: string }).token,
      });
    // Daily from the last hour but one (UTC), for 6 hours: open now, and for 4 more hours.
    const cron = `0 ${(new Date().getUTCHours() + 23) % 24} * * *`;
    const args = ['freeze', 'create', '-n', 'Release train', '--cron', cron, '-d', '6h'];
    const refused = await runCli([...args, '--tz', 'UTC', '-r', 'no'], { env: env() });
    expect([refused.code, refused.stderr]).toEqual([3, expect.stringContaining('triage')]);
    const made = await runCli(
      [...args, '--tz', 'UTC', '-s', 'gate-good', '-e', 'production', '-r', 'train', '--json'],
      { env: rm() },
    );
    expect(made.code).toBe(0);
    const w = JSON.parse(made.stdout) as { id: string; current: { start: string; end: string } };
    expect(w.current).not.toBeNull();

    const denied = await runCli(['gate', '-s', 'gate-good', '-e', 'production'], { env: env() });
    expect(denied.code).toBe(20);
    expect(denied.stdout).toBe(
      `gate for gate-good to production: DENY\n  DENY FREEZE: gate-good in production is frozen by window "Release train" (${w.id}, set by release manager) from ${w.current.start} until ${w.current.end}: train\n`,
    );
    const listed = await runCli(['freeze', 'list'], { env: rm() });
    expect(listed.stdout).toMatch(
      new RegExp(`^ID +NAME .*\\n +${w.id} +Release train +gate-good in production +`, 'm'),
    );

    const deleted = await runCli(['freeze', 'delete', w.id], { env: rm() });
    expect([deleted.code, deleted.stdout]).toEqual([
      0,
      expect.stringMatching(new RegExp(`^freeze window ${w.id} "Release train" deleted at `)),
    ]);
    expect(
      (await runCli(['gate', '-s', 'gate-good', '-e', 'production'], { env: env() })).code,
    ).toBe(0);

    // A usage error names what is missing; a bad zone answers its code and creates nothing.
    const noTz = await runCli([...args, '-r', 'x'], { env: rm() });
    expect([noTz.code, noTz.stderr]).toEqual([2, expect.stringContaining('--tz is required')]);
    const badTz = await runCli([...args, '--tz', 'Mars/Olympus', '-r', 'x'], { env: rm() });
    expect(badTz.code).not.toBe(0);
    expect(badTz.stderr).toContain('not an IANA time zone');
    expect((await runCli(['freeze', 'list'], { env: rm() })).stdout).not.toContain('Release train');
  });

  it('denies while a release is verified, then its FAILED version, its open incident and its burning budget; the neighbour is warned', async () => {
    demos['gate-bad'].control({ version: '2.0.0', errorRate: 0.3 });
    const finished = await runCli(
      [
        'deployment',
        'finish',
        ...['-s', 'gate-bad', '-e', 'production', '-v', '2.0.0'],
        '--previous-version',
        '1.0.0',
        '--json',
      ],
      { env: env() },
    );
    const id = (JSON.parse(finished.stdout) as { id: string }).id;
    await sleep(4000);
    const during = await runCli(['gate', '-s', 'gate-bad', '-e', 'production', '-v', '2.0.1'], {
      env: env(),
    });
    expect(during.code).toBe(20);
    expect(during.stdout).toContain(
      `DENY VERIFICATION_RUNNING: gate-bad 2.0.0 is still being verified in production (deployment ${id})`,
    );
    expect(during.stdout).toMatch(
      /DENY ERROR_BUDGET_BURNING: gate-bad in production burns its errors budget at \d+\.\d× over the last 60 min \(the policy pages from 6×\)/,
    );

    // The verification runs to its verdict.
    let state = 'RUNNING';
    for (let i = 0; i < 60 && state === 'RUNNING'; i++) {
      await t.app.get(VerificationService).runDueTicks(new Date());
      const v = await t.gql(
        `query ($id: ID!) { releaseVerification(deploymentId: $id) { state } }`,
        { id },
      );
      state = (v.data!.releaseVerification as { state: string }).state;
      if (state === 'RUNNING') await sleep(1000);
    }
    expect(state).toBe('FAILED');

    const after = await gate('gate-bad', '2.0.0');
    expect(after.decision).toBe('DENY');
    expect(codes(after)).toEqual([
      'DENY ERROR_BUDGET_BURNING',
      'DENY INCIDENT_OPEN',
      'DENY VERSION_FAILED',
    ]);
    expect(after.reasons.find((r) => r.code === 'VERSION_FAILED')!.message).toMatch(
      new RegExp(
        `^gate-bad 2\\.0\\.0 was judged FAILED in production at \\S+ \\(deployment ${id}\\)$`,
      ),
    );
    // Another version is not denied for 2.0.0's failure, only for the rest.
    expect(codes(await gate('gate-bad', '2.0.1'))).toEqual([
      'DENY ERROR_BUDGET_BURNING',
      'DENY INCIDENT_OPEN',
    ]);

    const neighbour = await gate('gate-good', '1.1.0');
    expect(neighbour.decision).toBe('WARN');
    expect(codes(neighbour)).toEqual(['WARN ENVIRONMENT_INCIDENT_OPEN']);
    const warned = await runCli(['gate', '-s', 'gate-good', '-e', 'production'], { env: env() });
    expect(warned.code).toBe(0);
    expect(warned.stdout).toContain(
      'gate for gate-good to production: WARN\n  WARN ENVIRONMENT_INCIDENT_OPEN: incident',
    );
    const strict = await runCli(['gate', '-s', 'gate-good', '-e', 'production', '--deny-on-warn'], {
      env: env(),
    });
    expect(strict.code).toBe(20);
  });

  it('cannot decide (exit 21) when Prometheus is down and nothing denies', async () => {
    await prom.stop();
    const answer = await gate('gate-good', '1.1.0');
    expect(answer.complete).toBe(false);
    expect(answer.reasons.find((r) => r.code === 'ERROR_BUDGET_UNKNOWN')).toMatchObject({
      level: 'UNKNOWN',
      message: expect.stringContaining('ECONNREFUSED'),
    });
    const run = await runCli(['gate', '-s', 'gate-good', '-e', 'production', '--json'], {
      env: env(),
    });
    expect(run.code).toBe(21);
    expect(JSON.parse(run.stdout)).toMatchObject({ complete: false, exitCode: 21 });
  });
});
