import request from 'supertest';
import { standardWebhooksSignature } from '../../src/webhooks/signatures.js';
import { bodyDedupeKey } from '../../src/webhooks/webhook-mapping.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { GITLAB_FIXTURE_TOKEN, gitlabFixture } from '../support/webhooks.js';

/** POST /webhooks/gitlab with the GitLab documentation's example payloads and headers. */
describe('POST /webhooks/gitlab (secret token)', () => {
  let t: TestApp;
  beforeAll(async () => {
    // the fixtures come from gitlab.example.com (X-Gitlab-Instance): its token names the source
    t = await startTestApp({
      GITLAB_WEBHOOK_TOKEN: GITLAB_FIXTURE_TOKEN,
      GITLAB_WEBHOOK_HOST: 'gitlab.example.com',
    });
  });
  afterAll(async () => {
    await t.close();
  });

  const rows = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> =>
    t.db.dataSource.query(sql, params);

  /** Sends a fixture, optionally edited, with its headers (overridable; undefined removes). */
  function send(
    file: string,
    edit: (payload: Record<string, unknown>) => void = () => undefined,
    headers: Record<string, string | undefined> = {},
    path = '/webhooks/gitlab',
  ) {
    const fixture = gitlabFixture(file);
    edit(fixture.payload);
    const merged: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...fixture.headers, ...headers })) {
      if (v !== undefined) merged[k] = v;
    }
    return request(t.http).post(path).set(merged).send(JSON.stringify(fixture.payload));
  }

  it('acknowledges every fixture with 2xx', async () => {
    const expected: Record<string, number> = {
      'pipeline.json': 200,
      'job.json': 200,
      'deployment.json': 200,
      'push.json': 200,
      'merge_request.json': 202, // action open: stored, not a change
      'issue.json': 202, // type Issue: not an incident
      'tag_push.json': 200,
      'release.json': 200,
      'system_push.json': 200,
      'system_tag_push.json': 200,
      'system_merge_request.json': 202, // action open
    };
    for (const [file, status] of Object.entries(expected)) {
      const res = await send(file);
      expect({ file, status: res.status }).toEqual({ file, status });
      expect(res.body.result).toBe('ACCEPTED');
    }
  });

  it('stored each delivery without X-Gitlab-Token, keyed by the hash of its body', async () => {
    const raw = await rows<{ dedupe_key: string; kind: string; headers: Record<string, string> }>(
      `SELECT dedupe_key, kind, headers FROM raw_events WHERE transport = 'gitlab' ORDER BY id`,
    );
    expect(raw.map((r) => r.kind)).toEqual([
      'Pipeline Hook',
      'Job Hook',
      'Deployment Hook',
      'Push Hook',
      'Merge Request Hook',
      'Issue Hook',
      'Tag Push Hook',
      'Release Hook',
      'System Hook: push',
      'System Hook: tag_push',
      'System Hook: merge_request',
    ]);
    const pipeline = Buffer.from(JSON.stringify(gitlabFixture('pipeline.json').payload));
    expect(raw[0].dedupe_key).toBe(bodyDedupeKey(pipeline));
    for (const r of raw) {
      expect(r.headers['x-gitlab-token']).toBeUndefined();
      expect(r.kind.startsWith(r.headers['x-gitlab-event'])).toBe(true);
    }
  });

  it('landed the deployment with the full SHA and its +0200 time in UTC', async () => {
    expect(
      await rows(
        `SELECT d.external_id, d.status, d.commit_sha, d.finished_at, s.name AS service,
                e.name AS environment, e.tier
           FROM deployments d JOIN services s ON s.id = d.service_id
           JOIN environments e ON e.id = d.environment_id WHERE d.source = 'gitlab:gitlab.example.com'`,
      ),
    ).toEqual([
      {
        external_id: '15',
        status: 'SUCCEEDED',
        commit_sha: '279484c09fbe69ededfced8c1bb6e6d24616b468',
        finished_at: new Date('2021-04-28T19:50:00Z'),
        service: 'test-deployment-webhooks',
        environment: 'staging',
        tier: 'staging',
      },
    ]);
  });

  it('landed the pipeline run and the pushed commits in UTC', async () => {
    expect(
      await rows(
        `SELECT run_id, pipeline_name, status, outcome, queued_at, started_at, finished_at
           FROM pipeline_runs WHERE run_id = '31'`,
      ),
    ).toEqual([
      {
        run_id: '31',
        pipeline_name: 'Pipeline for branch: master',
        status: 'FINISHED',
        outcome: 'SUCCESS',
        queued_at: new Date('2016-08-12T15:23:28Z'),
        started_at: new Date('2016-08-12T15:24:56Z'),
        finished_at: new Date('2016-08-12T15:26:29Z'),
      },
    ]);
    expect(
      await rows(
        // (the system hook example pushes another commit to the same repository)
        `SELECT sha, committed_at FROM changes WHERE repository = 'mike/diaspora'
            AND sha <> 'c5feabde2d8cd023215af4d2ceeb7a64839fc428' ORDER BY committed_at`,
      ),
    ).toEqual([
      {
        sha: 'b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327',
        committed_at: new Date('2011-12-12T12:27:31Z'),
      },
      {
        sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
        committed_at: new Date('2012-01-03T21:36:29Z'),
      },
    ]);
  });

  it('answers a retry or a replay with other unsigned headers 200 DUPLICATE (body hash)', async () => {
    const again = await send('deployment.json');
    expect(again.status).toBe(200);
    expect(again.body.result).toBe('DUPLICATE');
    for (const headers of [
      { 'Idempotency-Key': 'another-key' },
      { 'Idempotency-Key': undefined, 'X-Gitlab-Event-UUID': 'another-uuid' },
      { 'X-Gitlab-Instance': 'https://elsewhere.example.com' },
    ]) {
      const replay = await send('pipeline.json', () => undefined, headers);
      expect({ headers, status: replay.status, result: replay.body.result }).toEqual({
        headers,
        status: 200,
        result: 'DUPLICATE',
      });
    }
    const other = await send(
      'pipeline.json',
      (p) => ((p.object_attributes as Record<string, unknown>).id = 77),
      { 'Idempotency-Key': undefined, 'X-Gitlab-Event-UUID': undefined },
    );
    expect(other.body.result).toBe('ACCEPTED');
    expect(
      await rows(`SELECT source FROM raw_events WHERE kind = 'Pipeline Hook' ORDER BY id`),
    ).toEqual([{ source: 'gitlab:gitlab.example.com' }, { source: 'gitlab:gitlab.example.com' }]);
  });

  it('refuses a wrong or missing token with 401 and a JSON reason', async () => {
    const wrong = await send('push.json', () => undefined, { 'X-Gitlab-Token': 'not-the-token' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toEqual({
      code: 'INVALID_SIGNATURE',
      message: 'the X-Gitlab-Token does not match GITLAB_WEBHOOK_TOKEN',
    });
    const missing = await send('push.json', () => undefined, { 'X-Gitlab-Token': undefined });
    expect(missing.status).toBe(401);
    expect(missing.body.error.message).toContain('X-Gitlab-Token');
  });

  it('refuses an authentic but malformed delivery with 400', async () => {
    const res = await send(
      'deployment.json',
      (p) => {
        p.status_changed_at = '28/04/2021 21:50';
        p.deployment_id = 16;
      },
      { 'Idempotency-Key': 'malformed-1' },
    );
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('MALFORMED_PAYLOAD');
    expect(res.body.error.message).toContain('status_changed_at');
  });

  it('stores an event ingestion rejects with 202 and the reasons, never 4xx', async () => {
    const res = await send(
      'deployment.json',
      (p) => {
        p.status_changed_at = '2099-04-28 21:50:00 +0200';
        p.deployment_id = 17;
      },
      { 'Idempotency-Key': 'future-1' },
    );
    expect(res.status).toBe(202);
    expect(res.body.note).toContain('lies in the future');
    const [raw] = await rows<{ outcome: string; note: string }>(
      `SELECT outcome, note FROM raw_events WHERE headers->>'idempotency-key' = 'future-1'`,
    );
    expect(raw.outcome).toBe('STORED_UNMAPPED');
    expect(raw.note).toContain('lies in the future');
    expect(await rows(`SELECT 1 FROM deployments WHERE external_id = '17'`)).toEqual([]);
  });

  it('takes the service name from ?service= on the hook URL', async () => {
    await send(
      'deployment.json',
      (p) => (p.deployment_id = 18),
      { 'Idempotency-Key': 'service-override' },
      '/webhooks/gitlab?service=checkout&namespace=shop',
    ).expect(200);
    expect(
      await rows(
        `SELECT s.name, s.namespace FROM deployments d JOIN services s ON s.id = d.service_id WHERE d.external_id = '18'`,
      ),
    ).toEqual([{ name: 'checkout', namespace: 'shop' }]);
  });

  it('tells the services of a monorepo project apart by environment folder (?service_from=environment)', async () => {
    const hook = '/webhooks/gitlab?service_from=environment';
    const deploy = (id: number, environment: string) =>
      send(
        'deployment.json',
        (p) => {
          p.deployment_id = id;
          p.environment = environment;
          p.environment_tier = 'production';
        },
        { 'Idempotency-Key': `monorepo-${id}` },
        hook,
      );
    await deploy(21, 'production/api').expect(200);
    await deploy(22, 'production/web').expect(200);
    await deploy(23, 'production').expect(200); // no folder: the project's service
    expect(
      await rows(
        `SELECT d.external_id, s.name, s.repository, e.name AS environment, e.tier
           FROM deployments d JOIN services s ON s.id = d.service_id
           JOIN environments e ON e.id = d.environment_id
          WHERE d.external_id IN ('21', '22', '23') ORDER BY d.external_id`,
      ),
    ).toEqual([
      {
        external_id: '21',
        name: 'api',
        repository: 'root/test-deployment-webhooks',
        environment: 'production',
        tier: 'production',
      },
      {
        external_id: '22',
        name: 'web',
        repository: 'root/test-deployment-webhooks',
        environment: 'production',
        tier: 'production',
      },
      {
        external_id: '23',
        name: 'test-deployment-webhooks',
        repository: 'root/test-deployment-webhooks',
        environment: 'production',
        tier: 'production',
      },
    ]);
  });

  it('refuses an unknown service_from with 400 and a JSON reason, storing nothing', async () => {
    const before = await rows(`SELECT count(*)::int AS n FROM raw_events`);
    const res = await send(
      'deployment.json',
      (p) => (p.deployment_id = 24),
      { 'Idempotency-Key': 'service-from-unknown' },
      '/webhooks/gitlab?service_from=labels',
    ).expect(400);
    expect(res.body.error).toMatchObject({ code: 'BAD_USER_INPUT', parameter: 'service_from' });
    expect(res.body.error.message).toContain('service_from=environment');
    expect(await rows(`SELECT count(*)::int AS n FROM raw_events`)).toEqual(before);
  });
});

describe('POST /webhooks/gitlab (signing token, Standard Webhooks)', () => {
  const signingToken = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ GITLAB_WEBHOOK_TOKEN: signingToken });
  });
  afterAll(async () => {
    await t.close();
  });

  function signed(id: string, timestamp = Math.floor(Date.now() / 1000), token = signingToken) {
    const fixture = gitlabFixture('pipeline.json');
    const { 'X-Gitlab-Token': _token, ...headers } = fixture.headers;
    const body = fixture.body.toString('utf8');
    return request(t.http)
      .post('/webhooks/gitlab')
      .set({
        ...headers,
        'Idempotency-Key': id,
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': standardWebhooksSignature(token, id, String(timestamp), body),
      })
      .send(body);
  }

  it('accepts a delivery signed with the signing token, and stores it without the signature', async () => {
    const res = await signed('signed-1');
    expect(res.status).toBe(200);
    expect(res.body.result).toBe('ACCEPTED');
    const [raw] = await t.db.dataSource.query(
      `SELECT headers FROM raw_events WHERE headers->>'webhook-id' = 'signed-1'`,
    );
    expect(raw.headers['webhook-signature']).toBeUndefined();
    expect(raw.headers['webhook-id']).toBe('signed-1');
  });

  it('refuses a wrong signature and a replayed (old) timestamp', async () => {
    const wrong = await signed(
      'signed-2',
      undefined,
      `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
    );
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('INVALID_SIGNATURE');
    const old = await signed('signed-3', Math.floor(Date.now() / 1000) - 3600);
    expect(old.status).toBe(401);
    expect(old.body.error.message).toContain('server clock');
  });
});
