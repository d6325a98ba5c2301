/**
 * `shipwatch verification decide|extend|dismiss-risk|approve-rollback` as real processes against
 * the whole app over HTTP: an on-call engineer with a TRIAGE token bakes a running release
 * longer, says an SLI is not a risk and marks the release FAILED; every decision is in the
 * verification's audit with the token's name. Refusals exit with the documented codes.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '../../src/demo/prometheus-process.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { baseEnv, buildCli, runCli } from './cli-process.js';

describe('shipwatch verification', () => {
  let t: TestApp;
  let url: string;
  let deployment: string;
  const tokens = { triage: '', read: '' };
  const cli = (args: string[], token: string) =>
    runCli(['verification', ...args], {
      env: baseEnv({ SHIPWATCH_URL: url, SHIPWATCH_TOKEN: token }),
    });

  beforeAll(async () => {
    buildCli();
    // verifications start only where Prometheus is configured (nobody listens there: no ticks)
    t = await startTestApp({ PROMETHEUS_URL: `http://127.0.0.1:${await freePort()}` });
    await t.app.listen(0, '127.0.0.1');
    const { port } = (t.app.getHttpServer() as Server).address() as AddressInfo;
    url = `http://127.0.0.1:${port}`;
    for (const [name, scopes] of [
      ['oncall-bob', 'TRIAGE, READ'],
      ['dashboards', 'READ'],
    ]) {
      const res = await t.gql(
        `mutation { createApiToken(input: { name: "${name}", scopes: [${scopes}] }) { token } }`,
      );
      tokens[name === 'oncall-bob' ? 'triage' : 'read'] = (
        res.data!.createApiToken as { token: string }
      ).token;
    }
    // a production release finished a minute ago: its verification (default policy) runs
    const res = await t.gql(
      `mutation D($input: DeploymentInput!) { recordDeployment(input: $input) { entityId } }`,
      {
        input: {
          source: 'deploy.sh',
          eventId: 'cart-2.0.0',
          deploymentId: 'cart-2.0.0',
          service: 'cart',
          environment: 'production',
          status: 'SUCCEEDED',
          version: '2.0.0',
          previousVersion: '1.9.0',
          finishedAt: new Date(Date.now() - 60_000).toISOString(),
        },
      },
    );
    deployment = (res.data!.recordDeployment as { entityId: string }).entityId;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses bad command lines with exit 2 before calling the server', async () => {
    for (const args of [
      ['extend', deployment, '--by', '15m'],
      ['extend', deployment, '--by', 'soon', '-r', 'peak'],
      ['decide', deployment, '--verdict', 'MAYBE', '-r', 'why'],
      ['dismiss-risk', deployment, '-r', 'why'],
    ]) {
      const run = await cli(args, tokens.triage);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
    }
  });

  it('needs the triage scope: exit 3 with a read-only token', async () => {
    const run = await cli(['decide', deployment, '--verdict', 'FAILED', '-r', 'why'], tokens.read);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/FORBIDDEN|scope/i);
  });

  it('extends the bake, dismisses an SLI risk and marks the release FAILED, audited', async () => {
    const extended = await cli(['extend', deployment, '--by', '15m', '-r', 'peak'], tokens.triage);
    expect(extended.stderr).toBe('');
    expect(extended.code).toBe(0);
    expect(extended.stdout).toMatch(
      /bake now 1500s \(at most 4500s\) \(by oncall-bob at .*: peak\)/,
    );

    const dismissed = await cli(
      ['dismiss-risk', deployment, '--sli', 'latency', '-r', 'nightly batch'],
      tokens.triage,
    );
    expect(dismissed.code).toBe(0);
    expect(dismissed.stdout).toMatch(/latency not a risk/);

    const decided = await cli(
      ['decide', deployment, '--verdict', 'failed', '-r', 'orders lost', '--json'],
      tokens.triage,
    );
    expect(decided.code).toBe(0);
    const v = JSON.parse(decided.stdout) as {
      state: string;
      nextTickAt: string | null;
      decisions: { action: string; actorName: string; reason: string }[];
    };
    expect(v.state).toBe('FAILED');
    expect(v.nextTickAt).toBeNull();
    expect(v.decisions.map((d) => [d.action, d.actorName, d.reason])).toEqual([
      ['EXTEND_BAKE', 'oncall-bob', 'peak'],
      ['DISMISS_SLI_RISK', 'oncall-bob', 'nightly batch'],
      ['MARK_FAILED', 'oncall-bob', 'orders lost'],
    ]);
  });

  it('exits 1 with the server’s code when the decision is refused', async () => {
    const again = await cli(['extend', deployment, '--by', '5m', '-r', 'more'], tokens.triage);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/VERIFICATION_NOT_RUNNING|ended/);
    // the default policy advises but names no rollback target
    const approve = await cli(['approve-rollback', deployment, '-r', 'go'], tokens.triage);
    expect(approve.code).toBe(1);
    expect(approve.stderr).toMatch(/no rollback target configured/);
    const unknown = await cli(
      ['decide', '999999', '--verdict', 'HEALTHY', '-r', 'x'],
      tokens.triage,
    );
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no release verification/);
  });
});
