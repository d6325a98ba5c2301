import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import {
  GITHUB_TEST_SECRET,
  githubExample,
  githubExamples,
  signedGithub,
  vendorFixture,
} from '../support/webhooks.js';

/** POST /webhooks/github with real GitHub payloads (@octokit/webhooks-examples), signed. */
describe('POST /webhooks/github', () => {
  let t: TestApp;
  let seq = 0;
  const nextDelivery = () => `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;

  beforeAll(async () => {
    t = await startTestApp({ GITHUB_WEBHOOK_SECRET: GITHUB_TEST_SECRET });
  });
  afterAll(async () => {
    await t.close();
  });

  function send(event: string, payload: unknown, delivery = nextDelivery()) {
    const d = signedGithub(event, payload, delivery);
    return request(t.http).post('/webhooks/github').set(d.headers).send(d.body);
  }

  const rows = <T>(sql: string, params: unknown[] = []): Promise<T[]> =>
    t.db.dataSource.query(sql, params);

  const deployment = (externalId: string) =>
    rows<Record<string, unknown>>(
      `SELECT d.status, d.version, d.commit_sha, d.repository, d.started_at, d.finished_at, d.url,
              d.kind, s.name AS service, e.name AS environment, e.tier
         FROM deployments d JOIN services s ON s.id = d.service_id
         JOIN environments e ON e.id = d.environment_id
        WHERE d.source = 'github' AND d.external_id = $1`,
      [externalId],
    );

  /** A deployment/deployment_status pair of the octokit examples under another deployment id. */
  function pair(id: number, state = 'success') {
    const dep = githubExample('deployment');
    (dep.deployment as Record<string, unknown>).id = id;
    const status = githubExample('deployment_status', (p) => p.deployment_status !== undefined);
    (status.deployment as Record<string, unknown>).id = id;
    (status.deployment_status as Record<string, unknown>).state = state;
    return { dep, status };
  }

  it('answers ping 200 and stores it without its signature', async () => {
    const res = await send('ping', githubExample('ping'), 'ping-delivery');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ result: 'ACCEPTED', kind: 'ping', note: expect.any(String) });
    const [raw] = await rows<{ headers: Record<string, string>; outcome: string }>(
      `SELECT headers, outcome FROM raw_events WHERE headers->>'x-github-delivery' = 'ping-delivery'`,
    );
    expect(raw.outcome).toBe('STORED_UNMAPPED');
    expect(raw.headers['x-github-event']).toBe('ping');
    expect(raw.headers['x-hub-signature-256']).toBeUndefined();
  });

  it('refuses a missing or wrong signature with 401 and a JSON reason, storing nothing', async () => {
    const d = signedGithub('deployment', githubExample('deployment'), 'unsigned');
    const { 'X-Hub-Signature-256': _sig, ...unsigned } = d.headers;
    const missing = await request(t.http).post('/webhooks/github').set(unsigned).send(d.body);
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({
      error: { code: 'INVALID_SIGNATURE', message: expect.stringContaining('missing') },
    });

    const forged = signedGithub(
      'deployment',
      githubExample('deployment'),
      'forged',
      'wrong-secret',
    );
    const wrong = await request(t.http)
      .post('/webhooks/github')
      .set(forged.headers)
      .send(forged.body);
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('INVALID_SIGNATURE');

    // a body changed after signing
    const tampered = await request(t.http)
      .post('/webhooks/github')
      .set(d.headers)
      .send(d.body.replace('production', 'staging'));
    expect(tampered.status).toBe(401);

    const stored = await rows(
      `SELECT 1 FROM raw_events WHERE headers->>'x-github-delivery' IN ('unsigned', 'forged')`,
    );
    expect(stored).toEqual([]);
  });

  it('stores a deployment_protection_rule, and without GITHUB_APP_ID refuses to answer it, saying why', async () => {
    const { payload } = vendorFixture(
      'github',
      'deployment_protection_rule/requested.payload.json',
    );
    const res = await send('deployment_protection_rule', payload);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ result: 'ACCEPTED', kind: 'deployment_protection_rule' });
    expect(
      await rows(
        `SELECT status, last_error FROM remediation_outbox WHERE kind = 'GITHUB_PROTECTION'`,
      ),
    ).toEqual([
      {
        status: 'DEAD',
        last_error: expect.stringMatching(/^refused: GITHUB_APP_NOT_CONFIGURED: /),
      },
    ]);
  });

  it('lands a deployment and its success status as one SUCCEEDED deployment', async () => {
    const { dep, status } = pair(1001);
    const first = await send('deployment', dep);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ result: 'ACCEPTED', rawEventId: expect.any(String) });
    expect((await deployment('1001'))[0]).toMatchObject({ status: 'QUEUED' });

    const second = await send('deployment_status', status);
    expect(second.status).toBe(200);
    expect(await deployment('1001')).toEqual([
      {
        status: 'SUCCEEDED',
        version: 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e',
        commit_sha: 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e',
        repository: 'Codertocat/Hello-World',
        started_at: new Date('2019-05-15T15:20:53Z'),
        finished_at: new Date('2019-05-15T15:20:55Z'),
        url: null,
        kind: 'PLANNED',
        service: 'Hello-World',
        environment: 'production',
        tier: 'production',
      },
    ]);
  });

  it('ends in the same state when deployment_status success arrives before its deployment', async () => {
    const right = pair(2001);
    await send('deployment', right.dep).expect(200);
    await send('deployment_status', right.status).expect(200);
    const reverse = pair(2002);
    await send('deployment_status', reverse.status).expect(200);
    await send('deployment', reverse.dep).expect(200);
    const [a] = await deployment('2001');
    const [b] = await deployment('2002');
    expect(b).toEqual(a);
    expect(b.status).toBe('SUCCEEDED');
  });

  it('applies the same delivery once: a redelivery answers 200 DUPLICATE', async () => {
    const { status } = pair(3001, 'failure');
    const first = await send('deployment_status', status, 'redelivered-guid');
    const again = await send('deployment_status', status, 'redelivered-guid');
    expect(first.body.result).toBe('ACCEPTED');
    expect(again.status).toBe(200);
    expect(again.body.result).toBe('DUPLICATE');
    expect(
      await rows(
        `SELECT 1 FROM raw_events WHERE source = 'github' AND headers->>'x-github-delivery' = 'redelivered-guid'`,
      ),
    ).toHaveLength(1);
    expect((await deployment('3001'))[0].status).toBe('FAILED');
  });

  it('stores inactive with 202 and leaves a succeeded deployment succeeded', async () => {
    const { dep, status } = pair(4001);
    await send('deployment', dep).expect(200);
    await send('deployment_status', status).expect(200);
    const inactive = pair(4001, 'inactive').status;
    (inactive.deployment_status as Record<string, unknown>).created_at = '2019-05-16T10:00:00Z';
    const res = await send('deployment_status', inactive);
    expect(res.status).toBe(202);
    expect(res.body.note).toContain('superseded');
    expect((await deployment('4001'))[0]).toMatchObject({
      status: 'SUCCEEDED',
      finished_at: new Date('2019-05-15T15:20:55Z'),
    });
  });

  it('records a workflow_run with its attempt as a pipeline run', async () => {
    const completed = githubExample(
      'workflow_run',
      (p) => (p.workflow_run as Record<string, unknown>).conclusion === 'success',
    );
    await send('workflow_run', completed).expect(200);
    const rerun = structuredClone(completed);
    Object.assign(rerun.workflow_run as Record<string, unknown>, {
      run_attempt: 2,
      conclusion: 'failure',
      run_started_at: '2020-10-05T17:00:00Z',
      updated_at: '2020-10-05T17:03:00Z',
    });
    await send('workflow_run', rerun).expect(200);
    expect(
      await rows(
        `SELECT run_id, attempt, pipeline_name, status, outcome, commit_sha, started_at, finished_at
           FROM pipeline_runs WHERE run_id = '289782451' ORDER BY attempt`,
      ),
    ).toEqual([
      {
        run_id: '289782451',
        attempt: 1,
        pipeline_name: 'test',
        status: 'FINISHED',
        outcome: 'SUCCESS',
        commit_sha: '3484a3fb816e0859fd6e1cea078d76385ff50625',
        started_at: new Date('2020-10-05T16:33:49Z'),
        finished_at: new Date('2020-10-05T16:33:49Z'),
      },
      {
        run_id: '289782451',
        attempt: 2,
        pipeline_name: 'test',
        status: 'FINISHED',
        outcome: 'FAILURE',
        commit_sha: '3484a3fb816e0859fd6e1cea078d76385ff50625',
        started_at: new Date('2020-10-05T17:00:00Z'),
        finished_at: new Date('2020-10-05T17:03:00Z'),
      },
    ]);
  });

  it('records pushed commits with their timestamps, and a merged pull request', async () => {
    await send(
      'push',
      githubExample('push', (p) => (p.commits as unknown[]).length > 0),
    ).expect(200);
    const merged = githubExample('pull_request', (p) => p.action === 'closed');
    Object.assign(merged.pull_request as Record<string, unknown>, {
      merged: true,
      merged_at: '2019-05-15T15:40:00Z',
    });
    await send('pull_request', merged).expect(200);
    expect(
      await rows(
        `SELECT sha, committed_at, pushed_at, pull_request_id, pr_merged_at, pr_first_commit_at
           FROM changes WHERE repository = 'Codertocat/Hello-World'
            AND sha IN ('6113728f27ae82c7b1a177c8d03f9e96e0adf246', 'c4295bd74fb0f4fda03689c3df3f2803b658fd85')
          ORDER BY sha`,
      ),
    ).toEqual([
      {
        sha: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
        committed_at: new Date('2019-05-15T15:19:25Z'),
        pushed_at: new Date(1557933657 * 1000),
        pull_request_id: null,
        pr_merged_at: null,
        pr_first_commit_at: null,
      },
      {
        sha: 'c4295bd74fb0f4fda03689c3df3f2803b658fd85',
        committed_at: new Date('2019-05-15T15:40:00Z'),
        pushed_at: null,
        pull_request_id: '2',
        pr_merged_at: new Date('2019-05-15T15:40:00Z'),
        pr_first_commit_at: null,
      },
    ]);
  });

  it('acknowledges every example payload of every event with 2xx, never 4xx', async () => {
    // some examples were sent by the tests above: those answer DUPLICATE (the same signed body)
    const events = [
      'deployment',
      'deployment_status',
      'workflow_run',
      'workflow_job',
      'push',
      'pull_request',
      'check_suite',
      'check_run',
      'status',
      'deployment_review',
      'ping',
      'issues',
      'release',
      'merge_group',
    ];
    let deploymentId = 7000;
    for (const event of events) {
      for (const payload of githubExamples(event)) {
        // the examples reuse one deployment id with different environments, which GitHub never
        // does; each example gets its own deployment here
        const dep = payload.deployment as Record<string, unknown> | undefined;
        if (dep) dep.id = ++deploymentId;
        const res = await send(event, payload);
        expect({ event, status: res.status, body: res.body }).toEqual({
          event,
          status: expect.any(Number),
          body: expect.objectContaining({
            result: expect.stringMatching(/^(ACCEPTED|DUPLICATE)$/),
          }),
        });
        expect([200, 202]).toContain(res.status);
      }
    }
  });

  it('accepts the application/x-www-form-urlencoded content type', async () => {
    const payload = JSON.stringify(githubExample('ping'));
    const body = `payload=${encodeURIComponent(payload)}`;
    const d = signedGithub('ping', {}, 'form-delivery');
    const { createHmac } = await import('node:crypto');
    const res = await request(t.http)
      .post('/webhooks/github')
      .set({
        ...d.headers,
        'Content-Type': 'application/x-www-form-urlencoded',
        'X-Hub-Signature-256': `sha256=${createHmac('sha256', GITHUB_TEST_SECRET).update(body).digest('hex')}`,
      })
      .send(body);
    expect(res.status).toBe(200);
    expect(res.body.kind).toBe('ping');
  });

  it('refuses an authentic but malformed delivery with 400 and the reason', async () => {
    const payload = githubExample('deployment');
    (payload.deployment as Record<string, unknown>).created_at = 'yesterday';
    const res = await send('deployment', payload);
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({
      code: 'MALFORMED_PAYLOAD',
      message: expect.stringContaining('deployment.created_at'),
    });
  });

  it('refuses with 400 INVALID_EVENT when the mapped event fails validation', async () => {
    const payload = githubExample('deployment');
    (payload.deployment as Record<string, unknown>).created_at = '2099-01-01T00:00:00Z';
    const res = await send('deployment', payload);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_EVENT');
    expect(res.body.error.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ message: 'lies in the future' })]),
    );
  });

  it('counts deliveries by source and result', async () => {
    const res = await request(t.http).get('/metrics').expect(200);
    expect(res.text).toMatch(
      /shipwatch_webhook_deliveries_total\{source="github",result="accepted"\} [1-9]/,
    );
    expect(res.text).toMatch(
      /shipwatch_webhook_deliveries_total\{source="github",result="unauthenticated"\} [1-9]/,
    );
    expect(res.text).toMatch(
      /shipwatch_webhook_deliveries_total\{source="github",result="duplicate"\} [1-9]/,
    );
  });
});

describe('POST /webhooks/github without GITHUB_WEBHOOK_SECRET', () => {
  it('refuses every delivery with 401 WEBHOOK_NOT_CONFIGURED', async () => {
    const t = await startTestApp({ GITHUB_WEBHOOK_SECRET: undefined });
    try {
      const d = signedGithub('ping', githubExample('ping'), 'no-secret');
      const res = await request(t.http).post('/webhooks/github').set(d.headers).send(d.body);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('WEBHOOK_NOT_CONFIGURED');
      expect(res.body.error.message).toContain('GITHUB_WEBHOOK_SECRET');
    } finally {
      await t.close();
    }
  });
});
