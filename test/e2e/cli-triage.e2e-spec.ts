/**
 * `shipwatch incident triage|confirm|reject` as real processes against the whole app over HTTP:
 * an on-call engineer with a TRIAGE token lists the suspected links, confirms one (it counts in
 * the change failure rate that `shipwatch dora` prints) and rejects another; the audit keeps who,
 * when and why. Figures by hand: two production deployments of `search`, one incident in each
 * one's attribution window.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/test-app.js';
import { baseEnv, buildCli, runCli } from './cli-process.js';

describe('shipwatch incident triage, confirm and reject', () => {
  let t: TestApp;
  let url: string;
  let triageToken: string;
  const ids = new Map<string, string>();
  const env = (token: string) => baseEnv({ SHIPWATCH_URL: url, SHIPWATCH_TOKEN: token });

  beforeAll(async () => {
    buildCli();
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    const { port } = (t.app.getHttpServer() as Server).address() as AddressInfo;
    url = `http://127.0.0.1:${port}`;
    // d1 Mon 10:00, d2 Tue 10:00; i1 Mon 11:00 (d1's window), i2 Tue 10:20 (d2's window).
    for (const [id, finishedAt] of [
      ['d1', '2026-03-02T10:00:00Z'],
      ['d2', '2026-03-03T10:00:00Z'],
    ]) {
      const res = await t.gql(
        `mutation D($input: DeploymentInput!) { recordDeployment(input: $input) { entityId } }`,
        {
          input: {
            source: 'deploy.sh',
            eventId: id,
            deploymentId: id,
            service: 'search',
            environment: 'production',
            status: 'SUCCEEDED',
            finishedAt,
          },
        },
      );
      ids.set(id, (res.data!.recordDeployment as { entityId: string }).entityId);
    }
    for (const [id, detectedAt] of [
      ['i1', '2026-03-02T11:00:00Z'],
      ['i2', '2026-03-03T10:20:00Z'],
    ]) {
      const res = await t.gql(
        `mutation I($input: IncidentInput!) { recordIncident(input: $input) { entityId } }`,
        {
          input: {
            source: 'pagerduty',
            eventId: id,
            incidentId: id,
            services: [{ name: 'search' }],
            detectedAt,
          },
        },
      );
      ids.set(id, (res.data!.recordIncident as { entityId: string }).entityId);
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it('creates a TRIAGE token, lists the suspected links, confirms one and rejects the other', async () => {
    const created = await runCli(
      ['token', 'create', '--name', 'oncall-bob', '--scope', 'TRIAGE', '--scope', 'READ'],
      { env: env(ADMIN_TOKEN) },
    );
    expect(created.code).toBe(0);
    triageToken = created.stdout.trim();

    const listed = await runCli(['incident', 'triage', '--since', '2026-03-01T00:00:00Z'], {
      env: env(triageToken),
    });
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^INCIDENT\s+EXTERNAL ID\s+DETECTED\s+DEPLOYMENT\s+/);
    expect(
      lines.slice(1).map((l) =>
        l
          .trim()
          .split(/\s{2,}/)
          .slice(0, 2),
      ),
    ).toEqual([
      [ids.get('i2'), 'i2'],
      [ids.get('i1'), 'i1'],
    ]);
    expect(lines[1]).toContain('deploy.sh/d2');
    expect(lines[1]).toMatch(/SUSPECTED\s+INCIDENT_IN_WINDOW$/);

    const confirm = await runCli(
      [
        'incident',
        'confirm',
        ids.get('i1')!,
        '--deployment',
        ids.get('d1')!,
        '--reason',
        'the index migration in d1 broke search',
      ],
      { env: env(triageToken) },
    );
    expect(confirm.stderr).toBe('');
    expect(confirm.code).toBe(0);
    expect(confirm.stdout).toMatch(
      new RegExp(
        `^incident ${ids.get('i1')}: deployment deploy.sh/d1 confirmed as its cause \\(attribution CONFIRMED\\) by oncall-bob at \\d{4}-`,
      ),
    );
    const reject = await runCli(
      [
        'incident',
        'reject',
        ids.get('i2')!,
        '--deployment',
        ids.get('d2')!,
        '--reason',
        'upstream DNS outage',
        '--json',
      ],
      { env: env(triageToken) },
    );
    expect(reject.code).toBe(0);
    expect(JSON.parse(reject.stdout)).toMatchObject({
      decision: 'REJECTED',
      attribution: 'REJECTED',
      reason: 'upstream DNS outage',
      actorName: 'oncall-bob',
    });

    // Nothing waits any more; the decisions are listed with their status.
    const empty = await runCli(['incident', 'triage', '--since', '2026-03-01T00:00:00Z'], {
      env: env(triageToken),
    });
    expect(empty.stdout).toBe('nothing to triage\n');
    const decided = await runCli(
      [
        'incident',
        'triage',
        '--since',
        '2026-03-01T00:00:00Z',
        '--status',
        'CONFIRMED',
        '--status',
        'REJECTED',
        '--json',
      ],
      { env: env(triageToken) },
    );
    expect(
      (JSON.parse(decided.stdout) as { status: string; deploymentExternalId: string }[]).map(
        (i) => [i.status, i.deploymentExternalId],
      ),
    ).toEqual([
      ['REJECTED', 'd2'],
      ['CONFIRMED', 'd1'],
    ]);

    // The confirmed cause counts: d1 failed of 2 deployments; d2 is no longer suspected.
    const dora = await runCli(
      ['dora', '--since', '2026-03-02T00:00:00Z', '--until', '2026-03-09T00:00:00Z', '--json'],
      { env: env(triageToken) },
    );
    expect(dora.code).toBe(0);
    expect(
      (JSON.parse(dora.stdout) as { window: { changeFailureRate: unknown } }).window
        .changeFailureRate,
    ).toMatchObject({ ratio: 0.5, failed: 1, total: 2, suspected: 0 });
  });

  it('exits 3 without the triage scope, 1 on an unknown incident, 2 without a reason; the audit keeps each decision', async () => {
    const args = ['incident', 'confirm', ids.get('i2')!, '--deployment', ids.get('d2')!];
    const read = await t.gql(
      'mutation { createApiToken(input: { name: "grafana", scopes: [READ] }) { token } }',
    );
    const readToken = (read.data!.createApiToken as { token: string }).token;
    const forbidden = await runCli([...args, '--reason', 'x'], { env: env(readToken) });
    expect(forbidden.code).toBe(3);
    expect(forbidden.stderr).toContain('FORBIDDEN');

    const usage = await runCli(args, { env: env(triageToken) });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--reason is required');

    const unknown = await runCli(
      ['incident', 'confirm', '999999', '--deployment', ids.get('d2')!, '--reason', 'x'],
      { env: env(triageToken) },
    );
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('INCIDENT_NOT_FOUND');

    const reviews = await t.db.dataSource.query(
      `SELECT decision, reason, actor_name FROM incident_cause_reviews ORDER BY id`,
    );
    expect(reviews).toEqual([
      {
        decision: 'CONFIRMED',
        reason: 'the index migration in d1 broke search',
        actor_name: 'oncall-bob',
      },
      { decision: 'REJECTED', reason: 'upstream DNS outage', actor_name: 'oncall-bob' },
    ]);
  });
});
