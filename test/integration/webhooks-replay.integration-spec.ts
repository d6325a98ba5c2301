import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import {
  GITHUB_TEST_SECRET,
  GITLAB_FIXTURE_TOKEN,
  githubExample,
  gitlabFixture,
  signedGithub,
} from '../support/webhooks.js';

const GHE_SECRET = 'ghe-test-secret';

/**
 * Replays of authentic deliveries with other unsigned headers (a new X-GitHub-Delivery, another
 * X-GitHub-Enterprise-Host, Idempotency-Key, X-Gitlab-Instance): one event, and the DORA
 * deployment frequency does not move. The source of a delivery is the host whose secret
 * verified it, never a header.
 */
describe('webhook replays with altered unsigned headers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      GITHUB_WEBHOOK_SECRET: GITHUB_TEST_SECRET,
      GITHUB_WEBHOOK_SECRETS: JSON.stringify({ 'ghe.example.com': GHE_SECRET }),
      GITLAB_WEBHOOK_TOKEN: GITLAB_FIXTURE_TOKEN,
      GITLAB_WEBHOOK_HOST: 'gitlab.example.com',
    });
  });
  afterAll(async () => {
    await t.close();
  });

  const rows = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> =>
    t.db.dataSource.query(sql, params);

  async function productionDeployments(from: string, to: string): Promise<number> {
    const res = await t.gql(
      `query ($filter: DoraMetricsFilter!) {
        doraMetrics(filter: $filter) { window { deploymentFrequency { deployments } } }
      }`,
      { filter: { from, to } },
    );
    expect(res.errors).toBeUndefined();
    const data = res.data as {
      doraMetrics: { window: { deploymentFrequency: { deployments: number } } };
    };
    return data.doraMetrics.window.deploymentFrequency.deployments;
  }

  function github(
    event: string,
    payload: unknown,
    headers: Record<string, string>,
    secret?: string,
  ) {
    const d = signedGithub(event, payload, headers['X-GitHub-Delivery'] ?? 'first', secret);
    return request(t.http)
      .post('/webhooks/github')
      .set({ ...d.headers, ...headers })
      .send(d.body);
  }

  it('GitHub: five replays of a signed deployment_status are DUPLICATE; frequency stays 1', async () => {
    const deployment = githubExample('deployment');
    const status = githubExample('deployment_status', (p) => p.deployment_status !== undefined);
    (status.deployment_status as Record<string, unknown>).state = 'success';
    await github('deployment', deployment, { 'X-GitHub-Delivery': 'dep-1' }).expect(200);
    const first = await github('deployment_status', status, { 'X-GitHub-Delivery': 'status-1' });
    expect(first.body.result).toBe('ACCEPTED');
    const window = ['2019-05-13T00:00:00Z', '2019-05-20T00:00:00Z'] as const;
    expect(await productionDeployments(...window)).toBe(1);

    for (let i = 2; i <= 6; i++) {
      const replay = await github('deployment_status', status, {
        'X-GitHub-Delivery': `status-${i}`,
        'X-GitHub-Enterprise-Host': i % 2 ? 'ghe.example.com' : `replay-${i}.example.com`,
      });
      expect({ i, status: replay.status, result: replay.body.result }).toEqual({
        i,
        status: 200,
        result: 'DUPLICATE',
      });
    }
    expect(await productionDeployments(...window)).toBe(1);
    expect(await rows(`SELECT source FROM raw_events WHERE kind = 'deployment_status'`)).toEqual([
      { source: 'github' },
    ]);
    expect(await rows(`SELECT source FROM deployments`)).toEqual([{ source: 'github' }]);
  });

  it('GitHub: the secret that verifies a delivery names its source, not X-GitHub-Enterprise-Host', async () => {
    const payload = githubExample('ping');
    payload.zen = 'a ping from the enterprise server';
    const ghe = await github('ping', payload, { 'X-GitHub-Delivery': 'ghe-ping' }, GHE_SECRET);
    expect(ghe.status).toBe(200);
    payload.zen = 'a ping from github.com claiming to be the enterprise server';
    const claimed = await github('ping', payload, {
      'X-GitHub-Delivery': 'claimed-ping',
      'X-GitHub-Enterprise-Host': 'ghe.example.com',
    });
    expect(claimed.status).toBe(200);
    expect(
      await rows(
        `SELECT headers->>'x-github-delivery' AS delivery, source FROM raw_events
          WHERE kind = 'ping' ORDER BY id`,
      ),
    ).toEqual([
      { delivery: 'ghe-ping', source: 'github:ghe.example.com' },
      { delivery: 'claimed-ping', source: 'github' },
    ]);
  });

  it('GitLab: replays with another Idempotency-Key, event UUID or instance are DUPLICATE; frequency stays 1', async () => {
    const fixture = gitlabFixture('deployment.json');
    const payload = {
      ...fixture.payload,
      environment: 'production',
      environment_tier: 'production',
    };
    const body = JSON.stringify(payload);
    const send = (headers: Record<string, string>) =>
      request(t.http)
        .post('/webhooks/gitlab')
        .set({ ...fixture.headers, ...headers })
        .send(body);
    expect((await send({})).body.result).toBe('ACCEPTED');
    const window = ['2021-04-26T00:00:00Z', '2021-05-03T00:00:00Z'] as const;
    expect(await productionDeployments(...window)).toBe(1);
    const replays: Record<string, string>[] = [
      { 'Idempotency-Key': 'replayed-1' },
      { 'Idempotency-Key': 'replayed-2', 'X-Gitlab-Event-UUID': 'replayed-uuid' },
      { 'Idempotency-Key': 'replayed-3', 'X-Gitlab-Instance': 'https://other.example.com' },
    ];
    for (const headers of replays) {
      const replay = await send(headers);
      expect({ headers, status: replay.status, result: replay.body.result }).toEqual({
        headers,
        status: 200,
        result: 'DUPLICATE',
      });
    }
    expect(await productionDeployments(...window)).toBe(1);
    expect(await rows(`SELECT source FROM raw_events WHERE kind = 'Deployment Hook'`)).toEqual([
      { source: 'gitlab:gitlab.example.com' },
    ]);
  });
});
