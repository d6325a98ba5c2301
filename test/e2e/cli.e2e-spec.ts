/**
 * The `shipwatch` CLI as a real process (dist/src/cli/main.js) against the whole app over HTTP,
 * the way a CI step uses it: reporting deployments (with commits from a real git checkout), runs
 * with JUnit totals, changes and incidents; bulk imports that are idempotent and resume after the
 * process is killed; tokens; DORA; and the exit codes of every kind of failure.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHIPWATCH_VERSION } from '../../src/config/version.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/test-app.js';
import { baseEnv, buildCli, closedUrl, collect, gitRepo, runCli, spawnCli } from './cli-process.js';

const JUNIT = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="cart" tests="3" failures="1" skipped="1" time="1.5">
    <testcase name="adds" time="0.5"/>
    <testcase name="removes" time="0.5"><failure message="expected 1">stack</failure></testcase>
    <testcase name="later" time="0"><skipped/></testcase>
  </testsuite>
  <testsuite name="checkout" tests="2" time="2">
    <testcase name="pays"/><testcase name="refunds"/>
  </testsuite>
</testsuites>`;

const DAY = 86_400_000;

/** NDJSON history: deployments of two services with their runs, one line per event. */
function history(lines: number, start = Date.now() - 60 * DAY): string {
  const out: string[] = [];
  for (let i = 0; out.length < lines; i++) {
    const at = new Date(start + i * 1_200_000).toISOString();
    const service = i % 2 === 0 ? 'cart' : 'shop';
    out.push(
      JSON.stringify({
        pipelineRun: {
          source: 'backfill',
          eventId: `run-${i}`,
          runId: `r${i}`,
          pipelineName: `${service}-ci`,
          status: 'FINISHED',
          outcome: 'SUCCESS',
          finishedAt: at,
        },
      }),
    );
    if (out.length < lines) {
      out.push(
        JSON.stringify({
          deployment: {
            source: 'backfill',
            eventId: `dep-${i}`,
            deploymentId: `d${i}`,
            service,
            environment: 'production',
            version: `1.0.${i}`,
            status: 'SUCCEEDED',
            startedAt: at,
            finishedAt: at,
            pipelineRunId: `r${i}`,
          },
        }),
      );
    }
  }
  return out.join('\n') + '\n';
}

describe('the shipwatch CLI against a running Shipwatch', () => {
  let t: TestApp;
  let url: string;
  let dir: string;
  let token: string;
  const env = (extra: Record<string, string | undefined> = {}) =>
    baseEnv({ SHIPWATCH_URL: url, SHIPWATCH_TOKEN: token, ...extra });
  const count = async (table: string, where = 'true'): Promise<number> => {
    const rows: { n: string }[] = await t.db.dataSource.query(
      `SELECT count(*) AS n FROM ${table} WHERE ${where}`,
    );
    return Number(rows[0].n);
  };

  beforeAll(async () => {
    buildCli();
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    const { port } = (t.app.getHttpServer() as Server).address() as AddressInfo;
    url = `http://127.0.0.1:${port}`;
    dir = mkdtempSync(join(tmpdir(), 'sw-cli-e2e-'));
    const created = await t.gql(
      'mutation { createApiToken(input: { name: "ci", scopes: [INGEST, READ] }) { token } }',
    );
    token = (created.data!.createApiToken as { token: string }).token;
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a CI token with the bootstrap admin token, lists it, and the new token works', async () => {
    const created = await runCli(['token', 'create', '--name', 'github-actions', '--json'], {
      env: env({ SHIPWATCH_TOKEN: ADMIN_TOKEN }),
    });
    expect(created.stderr).toContain('shown only once');
    expect(created.code).toBe(0);
    const body = JSON.parse(created.stdout) as { token: string; id: string; scopes: string[] };
    expect(body.scopes).toEqual(['INGEST', 'READ']);
    const works = await runCli(['dora'], { env: env({ SHIPWATCH_TOKEN: body.token }) });
    expect(works.code).toBe(0);
    const plain = await runCli(['token', 'create', '--name', 'grafana', '--scope', 'read'], {
      env: env({ SHIPWATCH_TOKEN: ADMIN_TOKEN }),
    });
    expect(plain.stdout).toMatch(/^sw_\S+\n$/);

    const listed = await runCli(['token', 'list'], { env: env({ SHIPWATCH_TOKEN: ADMIN_TOKEN }) });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^ID\s+NAME\s+PREFIX\s+SCOPES/);
    expect(listed.stdout).toContain('github-actions');
    expect(listed.stdout).toContain('INGEST,READ');

    // The CI token may not manage tokens: an authorization failure, exit 3.
    const forbidden = await runCli(['token', 'list'], { env: env() });
    expect(forbidden.code).toBe(3);
    expect(forbidden.stderr).toContain('FORBIDDEN');
  });

  it('reports a deployment from a GitHub Actions job with its commits, and a retried step is a DUPLICATE', async () => {
    const repo = join(dir, 'shop');
    mkdirSync(repo);
    const g = gitRepo(repo);
    g.commit('feat: cart', '2026-01-01T09:00:00Z');
    const first = g.commit('feat: pay', '2026-01-02T09:00:00Z');
    const gha = (runId: string, sha: string) =>
      env({
        GITHUB_ACTIONS: 'true',
        GITHUB_RUN_ID: runId,
        GITHUB_RUN_ATTEMPT: '1',
        GITHUB_JOB: 'deploy',
        GITHUB_WORKFLOW: 'release',
        GITHUB_REPOSITORY: 'acme/shop',
        GITHUB_SHA: sha,
        GITHUB_REF_NAME: 'main',
        GITHUB_SERVER_URL: 'https://github.com',
      });
    const deploy = ['-s', 'shop', '-e', 'production'];

    const start = await runCli(['deployment', 'start', ...deploy, '-v', '1.0.0'], {
      env: gha('100', first),
      cwd: repo,
    });
    expect(start.stderr).toBe('');
    expect(start.code).toBe(0);
    expect(start.stdout).toContain(
      'deployment gh:100:shop:production of shop@1.0.0 to production (IN_PROGRESS): ACCEPTED',
    );
    const finishArgs = ['deployment', 'finish', ...deploy, '-v', '1.0.0', '--json'];
    const finished = await runCli(finishArgs, { env: gha('100', first), cwd: repo });
    expect(finished.code).toBe(0);
    const outcome = JSON.parse(finished.stdout) as { id: string; result: string; commits: number };
    expect(outcome).toMatchObject({
      result: 'ACCEPTED',
      deploymentId: 'gh:100:shop:production',
      source: 'github-actions',
      commits: 1,
    });

    const retry = await runCli(finishArgs, { env: gha('100', first), cwd: repo });
    expect(JSON.parse(retry.stdout)).toMatchObject({ result: 'DUPLICATE', id: outcome.id });

    const d1 = await t.gql(
      `query ($id: ID!) { deployment(id: $id) { status version commitSha repository url commitShas } }`,
      { id: outcome.id },
    );
    expect(d1.data!.deployment).toEqual({
      status: 'SUCCEEDED',
      version: '1.0.0',
      commitSha: first,
      repository: 'acme/shop',
      url: 'https://github.com/acme/shop/actions/runs/100',
      commitShas: [first],
    });

    // The next release carries exactly the commits since the previous deployment's commit.
    const c3 = g.commit('fix: rounding', '2026-01-03T09:00:00Z');
    const c4 = g.commit('feat: coupons', '2026-01-04T09:00:00Z');
    const second = await runCli(['deployment', 'finish', ...deploy, '-v', '1.1.0', '--json'], {
      env: gha('101', c4),
      cwd: repo,
    });
    expect(second.code).toBe(0);
    const id2 = (JSON.parse(second.stdout) as { id: string; commits: number }).id;
    const d2 = await t.gql(
      `query ($id: ID!) { deployment(id: $id) { commitShas changesetStatus changes { change { sha message } leadTimeSeconds } } }`,
      { id: id2 },
    );
    const dep2 = d2.data!.deployment as {
      commitShas: string[];
      changesetStatus: string;
      changes: { change: { sha: string; message: string } }[];
    };
    expect([...dep2.commitShas].sort()).toEqual([c3, c4].sort());
    expect(dep2.changesetStatus).toBe('FROM_EVENT');
    expect(dep2.changes.map((c) => c.change.message).sort()).toEqual([
      'feat: coupons',
      'fix: rounding',
    ]);
  });

  it('reports a pipeline run with JUnit totals, and refuses a broken report', async () => {
    const reports = join(dir, 'reports');
    mkdirSync(join(reports, 'unit'), { recursive: true });
    writeFileSync(join(reports, 'unit', 'junit.xml'), JUNIT);
    writeFileSync(join(reports, 'notes.txt'), 'not a report');
    const ran = await runCli(['run', '--junit', 'reports', '--json'], {
      cwd: dir,
      env: env({
        GITLAB_CI: 'true',
        CI_PIPELINE_ID: '777',
        CI_JOB_NAME: 'test',
        CI_PROJECT_PATH: 'acme/cart',
        CI_COMMIT_SHA: 'c'.repeat(40),
        CI_COMMIT_REF_NAME: 'main',
      }),
    });
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toMatchObject({
      result: 'ACCEPTED',
      runId: '777',
      source: 'gitlab-ci',
      status: 'FINISHED',
      outcome: 'FAILURE',
      tests: { passed: 3, failed: 1, skipped: 1, suites: 2 },
    });
    const runs = await t.gql(
      `{ pipelineRuns(source: "gitlab-ci") { edges { node { runId pipelineName outcome commitSha tests { passed failed skipped suites { name passed } } } } } }`,
    );
    expect((runs.data!.pipelineRuns as { edges: { node: unknown }[] }).edges[0].node).toEqual({
      runId: '777',
      pipelineName: 'acme/cart',
      outcome: 'FAILURE',
      commitSha: 'c'.repeat(40),
      tests: {
        passed: 3,
        failed: 1,
        skipped: 1,
        suites: [
          { name: 'cart', passed: 1 },
          { name: 'checkout', passed: 2 },
        ],
      },
    });

    writeFileSync(join(dir, 'broken.xml'), '<testsuite><testcase></testsuite>');
    const broken = await runCli(['run', '--id', '1', '-p', 'x', '--junit', 'broken.xml'], {
      cwd: dir,
      env: env(),
    });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('INVALID_JUNIT: broken.xml: malformed XML at line 1');
  });

  it('reports a change and an incident opened and resolved', async () => {
    const change = await runCli(
      [
        'change',
        '--repository',
        'acme/shop',
        '--sha',
        'a'.repeat(40),
        '--pr',
        '12',
        '--merged-at=-1h',
        '--event-id',
        'pr-12',
      ],
      { env: env() },
    );
    expect(change.code).toBe(0);
    expect(change.stdout).toContain('change in acme/shop: 1 commit(s), pull request 12: ACCEPTED');
    const opened = await runCli(
      [
        'incident',
        'open',
        '--id',
        'INC-1',
        '-s',
        'shop',
        '-e',
        'production',
        '--severity',
        'SEV2',
        '--caused-by',
        'gh:101:shop:production',
        '--caused-by-source',
        'github-actions',
        '--impact-started-at',
        '30m ago',
      ],
      { env: env() },
    );
    expect(opened.code).toBe(0);
    expect(opened.stderr).toContain('outside CI; pass --event-id');
    const resolved = await runCli(['incident', 'resolve', '--id', 'INC-1'], { env: env() });
    expect(resolved.code).toBe(0);
    const incidents = await t.gql(
      `{ incidents { edges { node { externalId severity resolvedAt impactStartedAt } } } }`,
    );
    expect(
      (incidents.data!.incidents as { edges: { node: Record<string, unknown> }[] }).edges[0].node,
    ).toMatchObject({
      externalId: 'INC-1',
      severity: 'SEV2',
      resolvedAt: expect.any(String),
      impactStartedAt: expect.any(String),
    });
  });

  it('imports an NDJSON file, and importing it again is all DUPLICATE', async () => {
    const file = join(dir, 'history.ndjson');
    writeFileSync(file, history(300));
    const first = await runCli(['import', file, '--batch-size', '100', '--json'], { env: env() });
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      complete: true,
      line: 300,
      counts: { accepted: 300, duplicate: 0, rejected: 0 },
    });
    expect(first.stderr).toContain('300 lines  accepted 300');
    expect(existsSync(`${file}.progress`)).toBe(false);
    expect(await count('deployments', `source = 'backfill'`)).toBe(150);

    const second = await runCli(['import', file], { env: env() });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('imported');
    expect(second.stdout).toContain('accepted 0, duplicate 300, rejected 0');
  });

  it('resumes an import killed mid-way from its checkpoint: every event stored exactly once', async () => {
    const file = join(dir, 'big.ndjson');
    writeFileSync(file, history(3000, Date.now() - 50 * DAY).replace(/"backfill"/g, '"bulk"'));
    const child = spawnCli(['import', file, '--batch-size', '50'], { env: env() });
    const exited = collect(child);
    // Kill it hard once a few batches are acknowledged.
    const progressLine = (): number =>
      existsSync(`${file}.progress`)
        ? (JSON.parse(readFileSync(`${file}.progress`, 'utf8')) as { line: number }).line
        : 0;
    while (progressLine() < 200) {
      if (child.exitCode !== null)
        throw new Error(`import exited early: ${JSON.stringify(await exited)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await exited;
    const checkpoint = JSON.parse(readFileSync(`${file}.progress`, 'utf8')) as {
      line: number;
      offset: number;
    };
    expect(checkpoint.line).toBeLessThan(3000);
    const storedBefore = await count('raw_events', `source = 'bulk'`);
    expect(storedBefore).toBeGreaterThanOrEqual(checkpoint.line);

    const resumed = await runCli(['import', file, '--batch-size', '50', '--json'], { env: env() });
    expect(resumed.code).toBe(0);
    const summary = JSON.parse(resumed.stdout) as {
      resumedAfterLine: number;
      complete: boolean;
      counts: { accepted: number; duplicate: number };
      totalCounts: { accepted: number };
    };
    expect(summary.resumedAfterLine).toBe(checkpoint.line);
    expect(summary.complete).toBe(true);
    // Only the batch in flight when it died can come back as DUPLICATE.
    expect(summary.counts.duplicate).toBeLessThanOrEqual(50);
    expect(summary.counts.accepted + summary.counts.duplicate).toBe(3000 - checkpoint.line);
    expect(await count('raw_events', `source = 'bulk'`)).toBe(3000);
    expect(existsSync(`${file}.progress`)).toBe(false);
  });

  it('stops at --limit and continues on the next run; reports rejected lines with exit 1', async () => {
    const file = join(dir, 'mixed.ndjson');
    const lines = history(40, Date.now() - 40 * DAY)
      .replace(/"backfill"/g, '"mixed"')
      .split('\n');
    lines.splice(
      10,
      0,
      '{"deployment": {"source": "mixed", "eventId": "bad-1", "deploymentId": "x", "service": "shop", "environment": "production", "status": "SUCCEEDED", "commitSha": "not-a-sha"}}',
    );
    lines.splice(20, 0, 'this is not json');
    writeFileSync(file, lines.join('\n'));
    const part = await runCli(['import', file, '--limit', '15'], { env: env() });
    expect(part.code).toBe(1);
    expect(part.stdout).toContain(
      'stopped at --limit after line 15; run the same command again to resume',
    );
    expect(part.stdout).toContain('line 11: commitSha must be a hexadecimal commit SHA');
    const rest = await runCli(['import', file], { env: env() });
    expect(rest.stdout).toContain('resumed after line 15');
    expect(rest.stdout).toContain('line 21: not JSON');
    expect(rest.code).toBe(1);
    expect(await count('raw_events', `source = 'mixed'`)).toBe(40);
  });

  it('rejects only the lines the schema refuses, with their line numbers, stores the rest of their batch, and a resumed import still reports them', async () => {
    const file = join(dir, 'partly-bad.ndjson');
    const lines = history(2400, Date.now() - 45 * DAY)
      .replace(/"backfill"/g, '"partly"')
      .trimEnd()
      .split('\n');
    const bad = (n: number, fields: Record<string, unknown>): void => {
      lines[n - 1] = JSON.stringify({
        deployment: {
          source: 'partly',
          eventId: `bad-${n}`,
          deploymentId: `bad-${n}`,
          service: 'shop',
          environment: 'production',
          status: 'SUCCEEDED',
          ...fields,
        },
      });
    };
    bad(5, { status: 'DONE' }); // not in the enum
    bad(17, { colour: 'red' }); // not a field of DeploymentInput
    bad(300, { version: 3 }); // a number where a string goes
    bad(650, { commitSha: 'not-a-sha' }); // valid GraphQL, refused by Shipwatch
    bad(1500, { environment: null }); // required
    writeFileSync(file, `${lines.join('\n')}\n`);

    const first = await runCli(['import', file, '--limit', '1200'], { env: env() });
    expect(first.stderr).not.toContain('BAD_USER_INPUT');
    expect(first.code).toBe(1);
    expect(first.stdout).toContain('this run: accepted 1,196, duplicate 0, rejected 4');
    expect(first.stdout).toContain(
      'line 5: deployment.status Value "DONE" does not exist in "DeploymentStatus" enum.',
    );
    expect(first.stdout).toContain(
      'line 17: deployment Field "colour" is not defined by type "DeploymentInput".',
    );
    expect(first.stdout).toContain(
      'line 300: deployment.version String cannot represent a non string value: 3',
    );
    expect(first.stdout).toContain('line 650: commitSha must be a hexadecimal commit SHA');
    expect(await count('raw_events', `source = 'partly'`)).toBe(1196);

    const rest = await runCli(['import', file], { env: env() });
    expect(rest.code).toBe(1);
    expect(rest.stdout).toContain('resumed after line 1,200');
    expect(rest.stdout).toContain('this run: accepted 1,199, duplicate 0, rejected 1');
    expect(rest.stdout).toContain('all runs: accepted 2,395, duplicate 0, rejected 5');
    expect(rest.stdout).toContain('rejected lines (all runs of this file):');
    for (const n of [5, 17, 300, 650]) expect(rest.stdout).toContain(`line ${n}: `);
    expect(rest.stdout).toContain(
      'line 1500: deployment.environment Expected non-nullable type "String!" not to be null.',
    );
    expect(await count('raw_events', `source = 'partly'`)).toBe(2395);
    expect(existsSync(`${file}.progress`)).toBe(false);
  });

  it('keeps the Shipwatch server (--server, SHIPWATCH_URL) and the event’s link (--link) apart, and refuses one given for the other', async () => {
    const link = 'https://ci.example.com/job/shop/job/main/77/';
    const deploy = (n: number) => [
      'deployment',
      'finish',
      ...['-s', 'linked', '-e', 'staging', '-v', `1.0.${n}`],
      ...['--id', `linked-${n}`, '--event-id', `linked-${n}`],
    ];
    const noUrl = baseEnv({ SHIPWATCH_TOKEN: token });
    const sent = await runCli([...deploy(1), '--server', url, '--link', link, '--json'], {
      env: noUrl,
    });
    expect(sent.code).toBe(0);
    const id = (JSON.parse(sent.stdout) as { id: string }).id;
    const stored = await t.gql(`query ($id: ID!) { deployment(id: $id) { url } }`, { id });
    expect(stored.data!.deployment).toEqual({ url: link });

    const swapped = await runCli([...deploy(2), '--server', link], { env: noUrl });
    expect(swapped.code).toBe(2);
    expect(swapped.stderr).toContain(
      `--server ${link} looks like the link of a CI run, not a Shipwatch server`,
    );
    const serverAsLink = await runCli([...deploy(3), '--link', `${url}/`], { env: env() });
    expect(serverAsLink.code).toBe(2);
    expect(serverAsLink.stderr).toContain(`--link ${url}/ is the Shipwatch server`);
    const ambiguous = await runCli([...deploy(4), '--url', link], { env: env() });
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('--url is ambiguous here and no longer accepted');
    // A Jenkins job whose SHIPWATCH_URL was set to Jenkins itself.
    const jenkins = await runCli(deploy(5), {
      env: env({
        SHIPWATCH_URL: 'https://jenkins.example.com/',
        JENKINS_URL: 'https://jenkins.example.com/',
        BUILD_TAG: 'jenkins-shop-5',
        BUILD_URL: link,
      }),
    });
    expect(jenkins.code).toBe(2);
    expect(jenkins.stderr).toContain('is your CI server (JENKINS_URL), not a Shipwatch server');
    expect(
      await count('deployments d JOIN services s ON s.id = d.service_id', `s.name = 'linked'`),
    ).toBe(1);

    // Where --url only ever meant the server, it still works, with a warning.
    const old = await runCli(['dora', '--url', url], { env: noUrl });
    expect(old.code).toBe(0);
    expect(old.stderr).toContain('warning: --url is deprecated: use --server');
  });

  it('answers a DUPLICATE with the id of the entity it names, and tells a retry from an event that differs', async () => {
    const input = {
      source: 'dup-check',
      eventId: 'dup-1',
      deploymentId: 'dup-d1',
      service: 'dupes',
      environment: 'staging',
      version: '1.0.0',
      status: 'SUCCEEDED',
      finishedAt: new Date(Date.now() - 60_000).toISOString(),
    };
    const record = `mutation ($input: DeploymentInput!) { recordDeployment(input: $input) { result entityId note differingFields } }`;
    const first = (await t.gql(record, { input })).data!.recordDeployment as {
      entityId: string;
    };
    expect(first).toMatchObject({ result: 'ACCEPTED', entityId: expect.any(String) });
    expect((await t.gql(record, { input })).data!.recordDeployment).toEqual({
      result: 'DUPLICATE',
      entityId: first.entityId,
      note: null,
      differingFields: null,
    });
    expect(
      (await t.gql(record, { input: { ...input, version: '1.0.1' } })).data!.recordDeployment,
    ).toEqual({
      result: 'DUPLICATE',
      entityId: first.entityId,
      note: 'an event with this source and id but a different payload (version) was stored earlier; the first one is kept',
      differingFields: ['version'],
    });
    const batch = await t.gql(
      `mutation ($events: [EventInput!]!) { ingestEvents(events: $events) { result entityId } }`,
      {
        events: [
          { deployment: input },
          { deployment: { ...input, eventId: 'dup-2', deploymentId: 'dup-d2' } },
        ],
      },
    );
    expect(batch.data!.ingestEvents).toEqual([
      { result: 'DUPLICATE', entityId: first.entityId },
      { result: 'ACCEPTED', entityId: expect.any(String) },
    ]);

    // A shell script's retry (--event-id, outside CI): the CLI fills the times from the clock,
    // yet the retry is the same event, the same deployment, and is called a retry.
    const start = (version: string) =>
      ['deployment', 'start', ...['-s', 'dupes', '-e', 'staging', '-v', version]].concat([
        '--event-id',
        'dup-cli-1',
      ]);
    const args = start('2.0.0');
    const sent = await runCli([...args, '--json'], { env: env() });
    const retried = await runCli(args, { env: env() });
    const sentId = JSON.parse(sent.stdout) as { id: string; deploymentId: string };
    expect(retried.code).toBe(0);
    expect(retried.stdout).toContain(
      `deployment ${sentId.deploymentId} of dupes@2.0.0 to staging (IN_PROGRESS): DUPLICATE (this event was sent before; nothing changed)\nShipwatch deployment id: ${sentId.id}\n`,
    );
    expect(retried.stdout).not.toContain('different');
    const reused = await runCli(start('2.0.1'), { env: env() });
    expect(reused.stdout).toContain(
      'DUPLICATE: an event with this id but a different version was sent before and is kept; nothing changed (pass another --event-id to send a new event)',
    );
  });

  it('refuses deployment finish --id with a Shipwatch id, naming the id to pass, and creates no second deployment', async () => {
    const started = await runCli(
      ['deployment', 'start', '-s', 'ids', '-e', 'production', '-v', '3.0.0', '--json'],
      { env: env() },
    );
    const { id, deploymentId } = JSON.parse(started.stdout) as { id: string; deploymentId: string };
    const finish = ['deployment', 'finish', '-s', 'ids', '-e', 'production', '-v', '3.0.0'];
    const wrong = await runCli([...finish, '--id', id], { env: env() });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(
      `--id ${id} is Shipwatch's id of deployment "${deploymentId}" (source shipwatch-cli) of ids to production, not the deployment's id in its source; pass --id ${deploymentId} to report that deployment (nothing was sent)`,
    );
    expect(
      await count('deployments d JOIN services s ON s.id = d.service_id', `s.name = 'ids'`),
    ).toBe(1);
    const right = await runCli([...finish, '--id', deploymentId, '--json'], { env: env() });
    expect(right.code).toBe(0);
    expect(JSON.parse(right.stdout)).toMatchObject({ result: 'ACCEPTED', id });
    const stored = await t.gql(`query ($id: ID!) { deployment(id: $id) { status } }`, { id });
    expect(stored.data!.deployment).toEqual({ status: 'SUCCEEDED' });
    expect(
      await count('deployments d JOIN services s ON s.id = d.service_id', `s.name = 'ids'`),
    ).toBe(1);
  });

  it('prints the DORA report as a table and as JSON', async () => {
    const table = await runCli(['dora', '--since', '90d'], { env: env() });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^DORA metrics, production, /);
    for (const metric of [
      'Deployment frequency',
      'Change lead time',
      'Change failure rate',
      'Failed deployment recovery time',
      'Deployment rework rate',
    ]) {
      expect(table.stdout).toContain(metric);
    }
    // The DORA Quick Check 2025 scores beside the levels, with the industry means in brackets.
    expect(table.stdout).toMatch(/^METRIC\s+VALUE\s+LEVEL\s+QUICK CHECK\s+SAMPLE/m);
    expect(table.stdout).toMatch(/^Change failure rate\s.*\s(\d+\.\d|-) \(8\.1\)\s/m);
    expect(table.stdout).toMatch(
      /DORA Quick Check, 2025 edition \(dora-2025\), 0-10 with the all industries mean in brackets: throughput \d+\.\d \(6\.0\), stability (\d+\.\d|-) \(7\.9\), performance \d+\.\d \(6\.7\)\./,
    );
    // The flow figures DORA publishes beside the five metrics.
    expect(table.stdout).toMatch(
      /^Time between deployments: p50 \S+, p90 \S+ \(\d+ gaps\)\. Batch size: (p50 [\d.]+ changes \([\d.]+ pull requests\), p90 [\d.]+ \([\d.]+\), over \d+ deployments|no deployment with a known changeset shipped a change)/m,
    );
    expect(table.stdout).toMatch(
      /^Lead-time stages, p50: coding \S+ \(\d+ PRs\), review \S+ \(\d+ PRs\), waiting \S+ \(\d+ PRs\), deploying \S+ \(\d+ deployments\)\.$/m,
    );
    const json = await runCli(['dora', '-s', 'cart', '--since', '90d', '--json'], { env: env() });
    const report = JSON.parse(json.stdout) as {
      scope: { services: string[] };
      window: { deploymentFrequency: { deployments: number } };
    };
    expect(report.scope.services).toEqual(['cart']);
    expect(report.window.deploymentFrequency.deployments).toBeGreaterThan(0);
    const byService = await runCli(['dora', '--since', '90d', '--by-service'], { env: env() });
    expect(byService.stdout).toMatch(/^SERVICE\s+DEPLOYS\/DAY/);
    expect(byService.stdout).toMatch(/\ncart\s/);
  });

  it('installs from the server with npm (GET /cli/shipwatch.tgz) and the installed command works', async () => {
    const prefix = join(dir, 'npm-global');
    // Asynchronously: the server answering npm runs in this process.
    const installed = await new Promise<string | null>((resolve) => {
      execFile(
        'npm',
        [
          'install',
          '--global',
          '--prefix',
          prefix,
          '--no-audit',
          '--no-fund',
          '--loglevel=error',
          `${url}/cli/shipwatch.tgz`,
        ],
        { cwd: dir, env: { ...process.env, npm_config_cache: join(dir, 'npm-cache') } },
        (error, _stdout, stderr) => resolve(error ? `${error.message}\n${stderr}` : null),
      );
    });
    expect(installed).toBeNull();
    const bin = join(prefix, 'bin', 'shipwatch');
    const exec = (args: string[]) =>
      new Promise<{ code: number; stdout: string }>((resolve) => {
        execFile(bin, args, { env: env() }, (error, stdout) =>
          resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout }),
        );
      });
    expect((await exec(['--version'])).stdout).toBe(`shipwatch ${SHIPWATCH_VERSION}\n`);
    const reported = await exec([
      'incident',
      'open',
      '--id',
      'INC-npm',
      '--event-id',
      'npm-1',
      '--json',
    ]);
    expect(reported.code).toBe(0);
    expect(JSON.parse(reported.stdout)).toMatchObject({
      result: 'ACCEPTED',
      incidentId: 'INC-npm',
    });
  });

  it('exits 3 on a bad token, 4 when the server is unreachable, 1 on a rejected event, 2 on a usage error', async () => {
    const deploy = ['deployment', 'finish', '-s', 'shop', '-e', 'production'];
    const bad = await runCli(deploy, { env: env({ SHIPWATCH_TOKEN: 'sw_not-a-token' }) });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain(
      'UNAUTHENTICATED: the API token is unknown or revoked: check SHIPWATCH_TOKEN',
    );
    const none = await runCli(deploy, { env: env({ SHIPWATCH_TOKEN: '' }) });
    expect(none.code).toBe(3);

    const nowhere = await closedUrl();
    const down = await runCli([...deploy, '--server', nowhere], { env: env() });
    expect(down.code).toBe(4);
    expect(down.stderr).toContain(`cannot reach Shipwatch at ${nowhere} (ECONNREFUSED)`);

    const rejected = await runCli([...deploy, '--sha', 'xyz'], { env: env() });
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain('BAD_USER_INPUT');
    expect(rejected.stderr).toContain('commitSha: must be a hexadecimal commit SHA');

    const usage = await runCli(['deployment', 'finish', '--service'], { env: env() });
    expect(usage.code).toBe(2);
  });
});
