import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { startTestApp, type TestApp } from '../support/test-app.js';
import {
  GITHUB_TEST_SECRET,
  GITLAB_FIXTURE_TOKEN,
  githubExample,
  gitlabFixture,
  vendorFixture,
} from '../support/webhooks.js';

const FLUX_SECRET = 'flux-e2e-provider-token';
const INTEGRATIONS_MD = join(import.meta.dirname, '../../docs/integrations.md');

/** The first YAML block of a section of docs/integrations.md, as a user copies it. */
function docsYaml(heading: string): Record<string, unknown>[] {
  const docs = readFileSync(INTEGRATIONS_MD, 'utf8');
  const section = docs.slice(docs.indexOf(heading));
  const block = /```yaml\n([\s\S]*?)```/.exec(section)![1];
  return parseAllDocuments(block).map((d) => d.toJS() as Record<string, unknown>);
}

/**
 * What Argo CD Notifications renders from a template (Go text/template over the Application as
 * a map) when the template uses field access only: `{{.app.a.b}}` is the value, a missing key
 * `<no value>`. Any other action (a function, a pipeline, a range) throws: the recipe must stay
 * within what this renders exactly.
 */
function renderFieldTemplate(template: string, data: Record<string, unknown>): string {
  return template.replace(/\{\{(.*?)\}\}/g, (_, action: string) => {
    const path = action.trim();
    if (!/^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(path))
      throw new Error(`{{${action}}} is not field access`);
    let value: unknown = data;
    for (const key of path.slice(1).split('.')) {
      value =
        typeof value === 'object' && value !== null
          ? (value as Record<string, unknown>)[key]
          : undefined;
    }
    if (value === undefined || value === null) return '<no value>';
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw new Error(`{{${action}}} is not a scalar`);
  });
}

/**
 * Each source set up as docs/integrations.md tells a new user to, sending what the real producer
 * sends; the result is read back the way users read it: through the GraphQL queries.
 */
describe('webhooks end to end: deliveries show up in the GraphQL queries', () => {
  let t: TestApp;
  let ingestToken: string;

  beforeAll(async () => {
    t = await startTestApp({
      GITHUB_WEBHOOK_SECRET: GITHUB_TEST_SECRET,
      GITLAB_WEBHOOK_TOKEN: GITLAB_FIXTURE_TOKEN,
      // the GitLab fixtures come from this self-managed instance
      GITLAB_WEBHOOK_HOST: 'gitlab.example.com',
      FLUX_WEBHOOK_SECRET: FLUX_SECRET,
    });
    // docs: "an API token with the ingest scope"
    const created = await t.gql(
      'mutation { createApiToken(input: { name: "ci", scopes: [INGEST] }) { token } }',
    );
    ingestToken = (created.data!.createApiToken as { token: string }).token;
  });
  afterAll(async () => {
    await t.close();
  });

  const DEPLOYMENT_FIELDS = `source externalId status kind version commitSha repository startedAt finishedAt url
    service { name namespace } environment { name tier }`;
  const RUN_FIELDS = `source runId attempt pipelineName repository ref commitSha status outcome queuedAt startedAt finishedAt url`;

  async function deployments(service: string): Promise<Record<string, unknown>[]> {
    const res = await t.gql(
      `query($s: String) { deployments(service: $s) { edges { node { ${DEPLOYMENT_FIELDS} } } } }`,
      { s: service },
    );
    expect(res.errors).toBeUndefined();
    const conn = res.data!.deployments as { edges: { node: Record<string, unknown> }[] };
    return conn.edges.map((e) => e.node);
  }

  async function pipelineRuns(repository: string): Promise<Record<string, unknown>[]> {
    const res = await t.gql(
      `query($r: String) { pipelineRuns(repository: $r) { edges { node { ${RUN_FIELDS} } } } }`,
      { r: repository },
    );
    expect(res.errors).toBeUndefined();
    const conn = res.data!.pipelineRuns as { edges: { node: Record<string, unknown> }[] };
    return conn.edges.map((e) => e.node);
  }

  describe('GitHub: a repository webhook with the documented events ticked', () => {
    let delivery = 0;
    function github(event: string, payload: unknown) {
      const body = JSON.stringify(payload);
      return request(t.http)
        .post('/webhooks/github')
        .set({
          'Content-Type': 'application/json',
          'X-GitHub-Event': event,
          'X-GitHub-Delivery': `e2e-${++delivery}`,
          'X-Hub-Signature-256': `sha256=${createHmac('sha256', GITHUB_TEST_SECRET).update(body).digest('hex')}`,
        })
        .send(body);
    }

    const sha = '6113728f27ae82c7b1a177c8d03f9e96e0adf246'; // the commit of the push example

    it('answers the ping GitHub sends when the hook is added', async () => {
      await github('ping', githubExample('ping')).expect(200);
    });

    it('lands the push, the workflow run and the deployment of that commit', async () => {
      const push = githubExample('push', (p) => (p.commits as unknown[]).length > 0);
      const repository = push.repository;
      await github('push', push).expect(200);

      const run = githubExample(
        'workflow_run',
        (p) => (p.workflow_run as Record<string, unknown>).conclusion === 'success',
      );
      Object.assign(run.workflow_run as Record<string, unknown>, {
        id: 555001,
        head_sha: sha,
        head_branch: 'master',
        name: 'Deploy',
        created_at: '2019-05-15T15:19:40Z',
        run_started_at: '2019-05-15T15:19:45Z',
        updated_at: '2019-05-15T15:21:10Z',
        html_url: 'https://github.com/Codertocat/Hello-World/actions/runs/555001',
      });
      run.repository = repository;
      const inProgress = structuredClone(run);
      Object.assign(inProgress.workflow_run as Record<string, unknown>, {
        status: 'in_progress',
        conclusion: null,
        updated_at: '2019-05-15T15:19:45Z',
      });
      inProgress.action = 'in_progress';
      // the completed delivery arrives before the in_progress one
      await github('workflow_run', run).expect(200);
      await github('workflow_run', inProgress).expect(200);

      // docs: deployment.payload names the service and version
      const deployment = githubExample('deployment');
      Object.assign(deployment.deployment as Record<string, unknown>, {
        id: 555100,
        sha,
        payload: { service: 'hello-api', version: '1.0.0' },
      });
      const success = githubExample('deployment_status', (p) => {
        const s = p.deployment_status as Record<string, unknown>;
        return (
          s.state === 'success' &&
          (p.deployment as Record<string, unknown>).environment === 'production'
        );
      });
      success.deployment = deployment.deployment;
      Object.assign(success.deployment_status as Record<string, unknown>, {
        log_url: 'https://github.com/Codertocat/Hello-World/actions/runs/555001',
      });
      await github('deployment', deployment).expect(200);
      await github('deployment_status', success).expect(200);

      expect(await deployments('hello-api')).toEqual([
        {
          source: 'github',
          externalId: '555100',
          status: 'SUCCEEDED',
          kind: 'PLANNED',
          version: '1.0.0',
          commitSha: sha,
          repository: 'Codertocat/Hello-World',
          startedAt: '2019-05-15T15:20:53.000Z',
          finishedAt: '2019-05-15T15:20:55.000Z',
          url: 'https://github.com/Codertocat/Hello-World/actions/runs/555001',
          service: { name: 'hello-api', namespace: '' },
          environment: { name: 'production', tier: 'PRODUCTION' },
        },
      ]);
      expect(await pipelineRuns('Codertocat/Hello-World')).toEqual([
        {
          source: 'github',
          runId: '555001',
          attempt: 1,
          pipelineName: 'Deploy',
          repository: 'Codertocat/Hello-World',
          ref: 'master',
          commitSha: sha,
          status: 'FINISHED',
          outcome: 'SUCCESS',
          queuedAt: '2019-05-15T15:19:40.000Z',
          startedAt: '2019-05-15T15:19:45.000Z',
          finishedAt: '2019-05-15T15:21:10.000Z',
          url: 'https://github.com/Codertocat/Hello-World/actions/runs/555001',
        },
      ]);
    });

    it('keeps who wrote a pushed commit, and who opened a merged pull request and its page', async () => {
      const merged = githubExample('pull_request', (p) => p.action === 'closed');
      const pr = merged.pull_request as Record<string, unknown>;
      Object.assign(pr, { merged: true, merged_at: '2019-05-15T15:40:00Z' });
      await github('pull_request', merged).expect(200);
      const rows = await t.db.dataSource.query<Record<string, string | null>[]>(
        `SELECT sha, author, pr_author, pr_url FROM changes WHERE sha = ANY($1) ORDER BY sha`,
        [[sha, pr.merge_commit_sha]],
      );
      expect(rows).toEqual([
        { sha, author: 'Codertocat', pr_author: null, pr_url: null }, // commits[].author.username
        {
          sha: pr.merge_commit_sha,
          author: null,
          pr_author: 'Codertocat', // pull_request.user.login
          pr_url: 'https://github.com/Codertocat/Hello-World/pull/2', // html_url
        },
      ]);
    });
  });

  describe('GitLab: a project webhook with the secret token and the documented triggers', () => {
    function gitlab(file: string, edit: (p: Record<string, unknown>) => void = () => undefined) {
      const f = gitlabFixture(file);
      edit(f.payload);
      return request(t.http)
        .post('/webhooks/gitlab')
        .set(f.headers)
        .send(JSON.stringify(f.payload));
    }

    it('lands the pipeline and the deployment of one commit', async () => {
      const deployment = gitlabFixture('deployment.json').payload;
      const sha = '279484c09fbe69ededfced8c1bb6e6d24616b468';
      await gitlab('pipeline.json', (p) => {
        p.project = deployment.project;
        Object.assign(p.object_attributes as Record<string, unknown>, { sha, name: null });
      }).expect(200);
      await gitlab('deployment.json').expect(200);

      expect(await deployments('test-deployment-webhooks')).toEqual([
        {
          source: 'gitlab:gitlab.example.com',
          externalId: '15',
          status: 'SUCCEEDED',
          kind: 'PLANNED',
          version: sha,
          commitSha: sha,
          repository: 'root/test-deployment-webhooks',
          startedAt: null,
          finishedAt: '2021-04-28T19:50:00.000Z', // "2021-04-28 21:50:00 +0200"
          url: 'http://10.126.0.2:3000/root/test-deployment-webhooks/-/jobs/796',
          service: { name: 'test-deployment-webhooks', namespace: '' },
          environment: { name: 'staging', tier: 'STAGING' },
        },
      ]);
      expect(await pipelineRuns('root/test-deployment-webhooks')).toEqual([
        expect.objectContaining({
          source: 'gitlab:gitlab.example.com',
          runId: '31',
          pipelineName: 'test-deployment-webhooks',
          commitSha: sha,
          status: 'FINISHED',
          outcome: 'SUCCESS',
          queuedAt: '2016-08-12T15:23:28.000Z', // "2016-08-12 15:23:28 UTC"
          finishedAt: '2016-08-12T15:26:29.000Z',
        }),
      ]);
    });
  });

  describe('CloudEvents: a script and a CDEvents producer with an ingest API token', () => {
    it('lands a CDEvents pipeline run and a service.deployed sent with curl-like requests', async () => {
      const source = '/tekton/shop';
      const sha = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
      const send = (
        id: string,
        type: string,
        timestamp: string,
        subject: unknown,
        customData: unknown,
      ) =>
        request(t.http)
          .post('/cloudevents')
          .set({
            Authorization: `Bearer ${ingestToken}`,
            'Content-Type': 'application/json',
            'ce-specversion': '1.0',
            'ce-id': id,
            'ce-source': source,
            'ce-type': type,
          })
          .send(
            JSON.stringify({
              context: { specversion: '0.5.1', id, source, type, timestamp },
              subject,
              customData,
            }),
          );
      const run = (content: Record<string, unknown>) => ({
        id: 'shop-run-42',
        content: {
          pipelineName: 'shop-release',
          uri: 'https://tekton.example.com/runs/42',
          ...content,
        },
      });
      const custom = { commitSha: sha, repository: 'acme/shop', ref: 'main' };
      await send(
        'e1',
        'dev.cdevents.pipelinerun.started.0.3.0',
        '2026-11-29T10:00:00Z',
        run({}),
        custom,
      ).expect(200);
      await send(
        'e2',
        'dev.cdevents.pipelinerun.finished.0.3.0',
        '2026-11-29T10:06:00Z',
        run({ outcome: 'success' }),
        custom,
      ).expect(200);
      await send(
        'e3',
        'dev.cdevents.service.deployed.0.3.0',
        '2026-11-29T10:05:30Z',
        {
          id: 'checkout',
          content: { environment: { id: 'production' }, artifactId: 'pkg:oci/checkout?tag=1.4.2' },
        },
        { ...custom, namespace: 'shop' },
      ).expect(200);

      expect(await deployments('checkout')).toEqual([
        {
          source,
          externalId: 'dev.cdevents.service.deployed.0.3.0/e3',
          status: 'SUCCEEDED',
          kind: 'PLANNED',
          version: '1.4.2',
          commitSha: sha,
          repository: 'acme/shop',
          startedAt: null,
          finishedAt: '2026-11-29T10:05:30.000Z',
          url: null,
          service: { name: 'checkout', namespace: 'shop' },
          environment: { name: 'production', tier: 'PRODUCTION' },
        },
      ]);
      expect(await pipelineRuns('acme/shop')).toEqual([
        {
          source,
          runId: 'shop-run-42',
          attempt: 1,
          pipelineName: 'shop-release',
          repository: 'acme/shop',
          ref: 'main',
          commitSha: sha,
          status: 'FINISHED',
          outcome: 'SUCCESS',
          queuedAt: null,
          startedAt: '2026-11-29T10:00:00.000Z',
          finishedAt: '2026-11-29T10:06:00.000Z',
          url: 'https://tekton.example.com/runs/42',
        },
      ]);
    });

    it('takes the token as a Basic password (sink URL with user info) and as access_token', async () => {
      const headers = {
        'Content-Type': 'application/cloudevents+json',
      };
      const event = (id: string) =>
        JSON.stringify({
          specversion: '1.0',
          id,
          source: 'urn:e2e',
          type: 'com.example.ping',
          data: {},
        });
      const basic = Buffer.from(`shipwatch:${ingestToken}`).toString('base64');
      await request(t.http)
        .post('/cloudevents')
        .set({ ...headers, Authorization: `Basic ${basic}` })
        .send(event('b1'))
        .expect(202);
      await request(t.http)
        .post(`/cloudevents?access_token=${encodeURIComponent(ingestToken)}`)
        .set(headers)
        .send(event('b2'))
        .expect(202);
      const refused = await request(t.http)
        .post('/cloudevents?access_token=sw_wrong')
        .set(headers)
        .send(event('b3'));
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('Flux: the Secret, Provider and Alert of docs/integrations.md', () => {
    const recipe = (): Record<string, Record<string, unknown>> =>
      Object.fromEntries(docsYaml('## Flux:').map((o) => [o.kind as string, o]));

    it('lands the revision a Kustomization applied, in the environment the Alert names', async () => {
      const { Secret, Provider, Alert } = recipe();
      const provider = Provider.spec as { type: string; address: string };
      expect(provider.type).toBe('generic-hmac');
      expect((Secret.stringData as { token: string }).token).toContain('FLUX_WEBHOOK_SECRET');
      const alert = Alert.spec as {
        eventSources: { kind: string }[];
        eventMetadata: Record<string, string>;
      };
      expect(alert.eventSources.map((s) => s.kind)).toEqual(['Kustomization', 'HelmRelease']);
      // What notification-controller posts: the Alert's eventMetadata under the controller's
      // metadata (RFC 0008), signed with the Secret's token.
      for (const file of ['kustomization-applied.json', 'kustomization-succeeded.json']) {
        const event = vendorFixture('flux', file).payload;
        const { env: _env, ...controller } = event.metadata as Record<string, string>;
        const body = JSON.stringify({
          ...event,
          metadata: { ...alert.eventMetadata, ...controller },
        });
        const res = await request(t.http)
          .post(new URL(provider.address).pathname)
          .set({
            'Content-Type': 'application/json',
            'Gotk-Component': 'kustomize-controller',
            'X-Signature': `sha256=${createHmac('sha256', FLUX_SECRET).update(body).digest('hex')}`,
          })
          .send(body);
        expect([res.status, res.body.result]).toEqual([200, 'ACCEPTED']);
      }
      expect(await deployments('webapp')).toEqual([
        {
          source: 'flux',
          externalId:
            'production/Kustomization/flux-system/webapp@main@sha1:4f2b8c61e0a9d3b7c5e8f1a2b3c4d5e6f7a8b9c0',
          status: 'SUCCEEDED',
          kind: 'PLANNED',
          version: null,
          commitSha: '4f2b8c61e0a9d3b7c5e8f1a2b3c4d5e6f7a8b9c0',
          repository: null,
          startedAt: '2026-11-30T09:14:02.000Z',
          finishedAt: '2026-11-30T09:15:10.000Z',
          url: null,
          service: { name: 'webapp', namespace: '' },
          environment: { name: 'production', tier: 'PRODUCTION' },
        },
      ]);
    });
  });

  describe('Argo CD: the notifications ConfigMap of docs/integrations.md', () => {
    it('lands the sync of an Application (Argo CD’s own test data) as a deployment, once', async () => {
      const [configMap] = docsYaml('## Argo CD:');
      const data = configMap.data as Record<string, string>;
      const service = parseYaml(data['service.webhook.shipwatch']) as {
        url: string;
        headers: { name: string; value: string }[];
      };
      const template = (
        parseYaml(data['template.shipwatch-deployed']) as {
          webhook: { shipwatch: { method: string; body: string } };
        }
      ).webhook.shipwatch;
      // the trigger is the catalog's on-deployed, sending our template
      const [trigger] = parseYaml(data['trigger.on-deployed-shipwatch']) as Record<
        string,
        unknown
      >[];
      const [catalog] = parseYaml(
        readFileSync(
          join(import.meta.dirname, '../fixtures/argocd/trigger-on-deployed.yaml'),
          'utf8',
        ),
      ) as Record<string, unknown>[];
      // Once per sync operation, not per revision as the catalog: a rollback re-syncs a revision
      // Argo CD already notified (docs/integrations.md).
      expect(catalog.oncePer).toBe('app.status.operationState?.syncResult?.revision');
      expect([trigger.when, trigger.oncePer, trigger.send]).toEqual([
        catalog.when,
        'app.status.operationState?.startedAt',
        ['shipwatch-deployed'],
      ]);
      // an Application as Argo CD's controller tests have it, labelled as step 2 says
      const app = parseYaml(
        readFileSync(
          join(import.meta.dirname, '../fixtures/argocd/application-diff-cache.yaml'),
          'utf8',
        ),
      ) as {
        metadata: { labels: Record<string, string> };
        status: {
          operationState: {
            phase: string;
            startedAt: string;
            finishedAt: string;
            syncResult: { revision: string };
          };
          health: { status: string };
        };
      };
      app.metadata.labels.environment = 'production';
      expect([app.status.operationState.phase, app.status.health.status]).toEqual([
        'Succeeded',
        'Healthy',
      ]);
      const body = renderFieldTemplate(template.body, { app });
      expect(body).not.toContain('<no value>');
      const send = (payload = body) => {
        const req = request(t.http)[template.method.toLowerCase() as 'post'](
          new URL(service.url).pathname,
        );
        // Argo CD replaces $<key> with that key of argocd-notifications-secret
        for (const h of service.headers)
          req.set(h.name, h.value.replace('$shipwatch-token', ingestToken));
        return req.send(payload);
      };
      const res = await send();
      expect([res.status, res.body.result]).toEqual([200, 'ACCEPTED']);
      const again = await send();
      expect([again.status, again.body.result]).toEqual([200, 'DUPLICATE']);
      const revision = 'ea8759964626a583667a2bfd08f334ec2070040a';
      expect(await deployments('velero-test')).toEqual([
        expect.objectContaining({
          status: 'SUCCEEDED',
          kind: 'PLANNED',
          version: revision,
          commitSha: revision,
          startedAt: '2024-03-05T07:33:03.000Z',
          finishedAt: '2024-03-05T07:33:04.000Z',
          service: { name: 'velero-test', namespace: '' },
          environment: { name: 'production', tier: 'PRODUCTION' },
        }),
      ]);

      // A later sync of a newer revision, then `argocd app rollback` back to the first one: the
      // same Application at later operations. Both land; the second is inferred a rollback.
      const sync = (revision: string, startedAt: string, finishedAt: string) => {
        const op = { ...app.status.operationState, startedAt, finishedAt };
        op.syncResult = { ...op.syncResult, revision };
        return renderFieldTemplate(template.body, {
          app: { ...app, status: { ...app.status, operationState: op } },
        });
      };
      const newer = '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c';
      const forward = await send(sync(newer, '2024-03-05T08:00:00Z', '2024-03-05T08:00:30Z'));
      const back = await send(sync(revision, '2024-03-05T09:00:00Z', '2024-03-05T09:00:20Z'));
      expect([forward.body.result, back.body.result]).toEqual(['ACCEPTED', 'ACCEPTED']);
      const after = await deployments('velero-test');
      expect(after.map((d) => [d.version, d.finishedAt])).toEqual(
        expect.arrayContaining([
          [revision, '2024-03-05T07:33:04.000Z'],
          [newer, '2024-03-05T08:00:30.000Z'],
          [revision, '2024-03-05T09:00:20.000Z'],
        ]),
      );
      expect(after).toHaveLength(3);
      const rollback = after.find((d) => d.finishedAt === '2024-03-05T09:00:20.000Z')!;
      const inferred = await t.gql(
        `query($s: String) { deployments(service: $s) { edges { node { finishedAt effectiveKind } } } }`,
        { s: 'velero-test' },
      );
      expect(inferred.errors).toBeUndefined();
      const kinds = (
        inferred.data!.deployments as { edges: { node: Record<string, unknown> }[] }
      ).edges.map((e) => e.node);
      expect(kinds).toContainEqual({ finishedAt: rollback.finishedAt, effectiveKind: 'ROLLBACK' });
    });
  });

  describe('a plain shell script: the GraphQL recordDeployment of docs/integrations.md', () => {
    it('lands the deployment', async () => {
      const res = await request(t.http)
        .post('/graphql')
        .set({ Authorization: `Bearer ${ingestToken}`, 'Content-Type': 'application/json' })
        .send({
          query:
            'mutation($d: DeploymentInput!) { recordDeployment(input: $d) { result rawEventId entityId errors { field message } } }',
          variables: {
            d: {
              source: 'deploy.sh',
              eventId: 'cart-1764500000',
              deploymentId: 'cart-a1b2c3d-production',
              service: 'cart',
              environment: 'production',
              version: '2.0.0',
              commitSha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
              repository: 'acme/shop',
              status: 'SUCCEEDED',
              startedAt: '2026-11-29T11:00:00Z',
              finishedAt: '2026-11-29T11:03:00Z',
            },
          },
        })
        .expect(200);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.recordDeployment).toMatchObject({ result: 'ACCEPTED', errors: [] });
      expect(await deployments('cart')).toEqual([
        expect.objectContaining({
          status: 'SUCCEEDED',
          version: '2.0.0',
          startedAt: '2026-11-29T11:00:00.000Z',
          finishedAt: '2026-11-29T11:03:00.000Z',
          environment: { name: 'production', tier: 'PRODUCTION' },
        }),
      ]);
    });
  });
});
