import { createHmac } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import {
  getNamedType,
  isEnumType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.factory.js';
import type { OpenedDatabase } from '../../src/database/data-source.js';
import { JsonLogger } from '../../src/observability/json-logger.js';
import { OutboxDispatcher } from '../../src/remediation/outbox.dispatcher.js';
import { OutboxService } from '../../src/remediation/outbox.service.js';
import type { RemediationAction } from '../../src/remediation/remediation-action.js';
import { aRelease, aRollback, anAlert } from '../factories/remediation-actions.js';
import { startPrometheus, type RunningPrometheus } from '../../src/demo/prometheus-process.js';
import { sampleValue } from '../support/schema-walk.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/signed-webhook-receiver.js';
import { ADMIN_TOKEN, openOptions, resetData, testConfig } from '../support/test-app.js';
import { githubExample, gitlabFixture } from '../support/webhooks.js';

/**
 * Secrets never leave Shipwatch except towards the party they belong to. The app runs with every
 * kind of secret configured and a logger that captures every line at debug level; the test walks
 * the flows that touch them (tokens, webhooks right and wrong, policies with rollback targets,
 * deliveries that succeed, fail and die), then reads every query of the schema with every field,
 * /metrics and the stored raw events, and looks for each secret everywhere.
 *
 * Beside it: webhook endpoints refuse missing or wrong credentials (and an unset secret), and
 * outbound calls only reach allowed hosts and never follow a redirect elsewhere.
 */

const SECRETS = {
  bootstrap: 'secret-bootstrap-token-4f1d2c',
  github: 'secret-github-webhook-9a8b7c',
  gitlab: 'secret-gitlab-token-1e2f3a',
  cloudevents: 'secret-cloudevents-token-5d6e7f',
  rollbackWebhook: 'secret-rollback-hmac-0a9b8c7d',
  githubDispatchToken: 'ghp_secretDispatchToken0123456789abcdef',
  slackPath: 'secret-slack-path-XyZ123',
  pagerdutyKey: 'secret-pagerduty-routing-key-42',
} as const;

describe('secrets are never logged or returned', () => {
  let receiver: WebhookReceiver;
  let prom: RunningPrometheus;
  let app: INestApplication;
  let db: OpenedDatabase;
  let http: App;
  const logs: string[] = [];
  /** Every response body and header block the test saw (besides the one-time token reveal). */
  const responses: string[] = [];
  let apiToken = '';

  const record = (res: { status: number; text: string; headers: Record<string, unknown> }) => {
    responses.push(`${res.status} ${JSON.stringify(res.headers)} ${res.text}`);
    return res;
  };
  const gql = async (query: string, variables: Record<string, unknown> = {}, token?: string) =>
    record(
      await request(http)
        .post('/graphql')
        .set('Authorization', `Bearer ${token ?? SECRETS.bootstrap}`)
        .send({ query, variables }),
    );

  beforeAll(async () => {
    receiver = await startWebhookReceiver({ secret: SECRETS.rollbackWebhook });
    prom = await startPrometheus({ scrapeTargets: [] });
    const config = testConfig({
      LOG_LEVEL: 'debug',
      SHIPWATCH_BOOTSTRAP_TOKEN: SECRETS.bootstrap,
      GITHUB_WEBHOOK_SECRET: SECRETS.github,
      GITLAB_WEBHOOK_TOKEN: SECRETS.gitlab,
      CLOUDEVENTS_TOKEN: SECRETS.cloudevents,
      PROMETHEUS_URL: prom.url,
      SLACK_WEBHOOK_URL: `${receiver.url}/services/T0/B0/${SECRETS.slackPath}`,
      PAGERDUTY_EVENTS_URL: `${receiver.url}/v2/enqueue`,
      PAGERDUTY_ROUTING_KEY: SECRETS.pagerdutyKey,
      SHIPWATCH_OUTBOUND_PRIVATE_HOSTS: `127.0.0.1:${receiver.port}`,
    });
    const logger = new JsonLogger('debug', (line) => logs.push(line));
    ({ app, db } = await createApp(config, logger, await openOptions(config)));
    await resetData(db);
    http = app.getHttpServer() as App;
  });
  afterAll(async () => {
    await app?.close();
    await prom?.stop();
    await receiver?.stop();
  });

  it('walks the flows that handle secrets', async () => {
    // An API token: shown once when created (that response is the only place it may appear).
    const created = await request(http)
      .post('/graphql')
      .set('Authorization', `Bearer ${SECRETS.bootstrap}`)
      .send({
        query:
          'mutation { createApiToken(input: { name: "ci", scopes: [INGEST, READ] }) { token } }',
      });
    apiToken = created.body.data.createApiToken.token as string;
    expect(apiToken).toMatch(/^sw_/);
    await gql('{ apiTokens { id name prefix scopes lastUsedAt } }', {}, apiToken);
    await gql('{ serverInfo { version } }', {}, `${apiToken}x`);

    // Webhooks with the right and with wrong credentials.
    const github = JSON.stringify(githubExample('deployment_status'));
    const sign = (secret: string) =>
      `sha256=${createHmac('sha256', secret).update(github).digest('hex')}`;
    const webhookStatuses: number[] = [];
    for (const signature of [sign(SECRETS.github), sign('wrong')]) {
      const res = record(
        await request(http)
          .post('/webhooks/github')
          .set('Content-Type', 'application/json')
          .set('X-GitHub-Event', 'deployment_status')
          .set('X-GitHub-Delivery', `d-${signature.slice(7, 15)}`)
          .set('X-Hub-Signature-256', signature)
          .send(github),
      );
      webhookStatuses.push(res.status);
    }
    const gitlab = gitlabFixture('pipeline.json');
    for (const token of [SECRETS.gitlab, 'wrong-token']) {
      const res = record(
        await request(http)
          .post('/webhooks/gitlab')
          .set({ ...gitlab.headers, 'X-Gitlab-Token': token })
          .send(gitlab.body.toString('utf8')),
      );
      webhookStatuses.push(res.status);
    }
    const cloudevent = {
      specversion: '1.0',
      id: 'ce-1',
      source: '/ci',
      type: 'com.example.unmodelled',
      data: { ok: true },
    };
    for (const res of [
      await request(http)
        .post('/cloudevents')
        .set('Content-Type', 'application/cloudevents+json')
        .set('Authorization', `Bearer ${SECRETS.cloudevents}`)
        .send(cloudevent),
      await request(http)
        .post('/cloudevents')
        .query({ access_token: apiToken })
        .set('Content-Type', 'application/cloudevents+json')
        .send({ ...cloudevent, id: 'ce-2' }),
    ])
      webhookStatuses.push(record(res).status);
    // Right credentials stored, wrong ones refused.
    expect(webhookStatuses).toEqual([200, 401, 200, 401, 202, 202]);

    // A deployment to verify, and policies whose rollback targets hold secrets.
    const deployed = await gql(
      'mutation($input: DeploymentInput!) { recordDeployment(input: $input) { entityId } }',
      {
        input: {
          source: 'ci',
          eventId: 'dep-1',
          deploymentId: 'dep-1',
          service: 'checkout',
          environment: 'production',
          version: '2.0.0',
          previousVersion: '1.0.0',
          status: 'SUCCEEDED',
          finishedAt: new Date().toISOString(),
        },
      },
      apiToken,
    );
    expect(JSON.parse(deployed.text).errors).toBeUndefined();
    const save = (service: string, rollbackTarget: Record<string, unknown>) =>
      gql(
        'mutation($input: SaveVerificationPolicyInput!) { saveVerificationPolicy(input: $input) { id } }',
        { input: { service, environment: 'production', mode: 'ENFORCE', rollbackTarget } },
      );
    const saved = await save('checkout', {
      kind: 'WEBHOOK',
      url: `${receiver.url}/rollback`,
      secret: SECRETS.rollbackWebhook,
    });
    const savedCart = await save('cart', {
      kind: 'GITHUB_REPOSITORY_DISPATCH',
      repository: 'acme/cart',
      token: SECRETS.githubDispatchToken,
      apiUrl: receiver.url,
    });
    expect(
      [saved, savedCart].map((r) => (JSON.parse(r.text) as { errors?: unknown }).errors),
    ).toEqual([undefined, undefined]);
    // Refused targets must not echo the secret in their errors either.
    await save('search', {
      kind: 'WEBHOOK',
      url: 'http://203.0.113.9/rollback',
      secret: SECRETS.rollbackWebhook,
    });
    await save('search', {
      kind: 'GITHUB_REPOSITORY_DISPATCH',
      token: SECRETS.githubDispatchToken,
    });

    // Deliveries that succeed, fail (500, refused connection, 4xx) and die.
    const outbox = app.get(OutboxService);
    const dispatcher = app.get(OutboxDispatcher);
    const release = (id: string) => aRelease({ deploymentId: id });
    const actions: RemediationAction[] = [
      aRollback({
        release: release('r1'),
        target: {
          kind: 'WEBHOOK',
          url: `${receiver.url}/rollback`,
          secret: SECRETS.rollbackWebhook,
        },
      }),
      aRollback({
        release: release('r2'),
        target: {
          kind: 'GITHUB_REPOSITORY_DISPATCH',
          repository: 'acme/cart',
          token: SECRETS.githubDispatchToken,
          apiUrl: receiver.url,
        },
      }),
      aRollback({
        release: release('r3'),
        target: {
          kind: 'WEBHOOK',
          url: 'http://127.0.0.1:1/rollback',
          secret: SECRETS.rollbackWebhook,
        },
      }),
      anAlert({ release: release('r1'), channel: 'SLACK' }),
      anAlert({ release: release('r1'), channel: 'PAGERDUTY' }),
    ];
    await app.get(DataSource).transaction(async (manager) => {
      for (const action of actions) await outbox.enqueue(manager, action);
    });
    receiver.respondWith((_req, n) => (n <= 4 ? { status: 500, body: 'down' } : { status: 403 }));
    const t0 = Date.now();
    for (let i = 0; i < 4; i++) await dispatcher.dispatchDue(new Date(t0 + i * 3_600_000));
    await dispatcher.repostActiveAlerts(new Date());
    // The deliveries happened: every target was called, some failed and some succeeded.
    const paths = new Set(receiver.requests.map((r) => r.path));
    expect(paths).toEqual(
      new Set([
        '/rollback',
        '/repos/acme/cart/dispatches',
        `/services/T0/B0/${SECRETS.slackPath}`,
        '/v2/enqueue',
      ]),
    );
    expect(logs.some((l) => l.includes('ECONNREFUSED') || l.includes('127.0.0.1:1'))).toBe(true);
    expect(logs.some((l) => l.includes('DEAD'))).toBe(true);

    // Read everything back: every query with every field, and /metrics.
    const { schema } = app.get(GraphQLSchemaHost);
    const entityId = JSON.parse(deployed.text).data.recordDeployment.entityId as string;
    for (const query of fullQueries(schema, entityId)) await gql(query.document, query.variables);
    record(await request(http).get('/metrics'));
    expect(responses.length).toBeGreaterThan(20);
    expect(logs.length).toBeGreaterThan(20);
  });

  it.each(Object.entries(SECRETS))('never logs or returns the %s secret', (_name, secret) => {
    expect(logs.filter((l) => l.includes(secret))).toEqual([]);
    expect(responses.filter((r) => r.includes(secret))).toEqual([]);
  });

  it('never logs or returns an API token after its creation, nor stores it in plain text', async () => {
    expect(apiToken).not.toBe('');
    expect(logs.filter((l) => l.includes(apiToken))).toEqual([]);
    expect(responses.filter((r) => r.includes(apiToken))).toEqual([]);
    const stored = JSON.stringify(await db.dataSource.query('SELECT * FROM api_tokens'));
    expect(stored).not.toContain(apiToken);
  });

  it('stores raw events without credentials or signatures', async () => {
    const stored = JSON.stringify(
      await db.dataSource.query('SELECT headers, payload FROM raw_events'),
    );
    expect(stored).toContain('deployment_status');
    for (const secret of [...Object.values(SECRETS), apiToken])
      expect(stored).not.toContain(secret);
    expect(stored.toLowerCase()).not.toMatch(/x-hub-signature|x-gitlab-token|authorization/);
  });
});

describe('webhook credentials are enforced', () => {
  let app: INestApplication;
  let http: App;
  beforeAll(async () => {
    let db: OpenedDatabase;
    const config = testConfig({
      GITHUB_WEBHOOK_SECRET: SECRETS.github,
      CLOUDEVENTS_TOKEN: SECRETS.cloudevents,
    });
    ({ app, db } = await createApp(config, false, await openOptions(config)));
    await resetData(db);
    http = app.getHttpServer() as App;
  });
  afterAll(async () => {
    await app?.close();
  });

  it('refuses every unauthentic delivery with 401 and stores nothing', async () => {
    const body = JSON.stringify(githubExample('push'));
    const github = (signature?: string) => {
      const req = request(http)
        .post('/webhooks/github')
        .set('Content-Type', 'application/json')
        .set('X-GitHub-Event', 'push')
        .set('X-GitHub-Delivery', 'x');
      if (signature) req.set('X-Hub-Signature-256', signature);
      return req.send(body);
    };
    const hmac = (secret: string, data: string) =>
      `sha256=${createHmac('sha256', secret).update(data).digest('hex')}`;
    const gitlab = gitlabFixture('push.json');
    const cloudevents = (auth?: string) => {
      const req = request(http)
        .post('/cloudevents')
        .set('Content-Type', 'application/cloudevents+json');
      if (auth) req.set('Authorization', auth);
      return req.send({ specversion: '1.0', id: '1', source: '/x', type: 'x.y' });
    };
    const answers = {
      'github: no signature': await github(),
      'github: wrong secret': await github(hmac('not-the-secret', body)),
      'github: signature of another body': await github(hmac(SECRETS.github, `${body} `)),
      'github: sha1 signature': await github('sha1=0123456789abcdef0123456789abcdef01234567'),
      'gitlab: endpoint without a configured token': await request(http)
        .post('/webhooks/gitlab')
        .set(gitlab.headers)
        .send(gitlab.body.toString('utf8')),
      'cloudevents: no token': await cloudevents(),
      'cloudevents: unknown token': await cloudevents('Bearer not-a-token'),
      'cloudevents: basic auth with a wrong password': await cloudevents(
        `Basic ${Buffer.from('shipwatch:nope').toString('base64')}`,
      ),
    };
    expect(
      Object.fromEntries(
        Object.entries(answers).map(([k, res]) => [k, `${res.status} ${res.body.error?.code}`]),
      ),
    ).toEqual({
      'github: no signature': '401 INVALID_SIGNATURE',
      'github: wrong secret': '401 INVALID_SIGNATURE',
      'github: signature of another body': '401 INVALID_SIGNATURE',
      'github: sha1 signature': '401 INVALID_SIGNATURE',
      'gitlab: endpoint without a configured token': '401 WEBHOOK_NOT_CONFIGURED',
      'cloudevents: no token': '401 UNAUTHENTICATED',
      'cloudevents: unknown token': '401 UNAUTHENTICATED',
      'cloudevents: basic auth with a wrong password': '401 UNAUTHENTICATED',
    });
    const [{ n }] = await app
      .get(DataSource)
      .query<{ n: string }[]>('SELECT count(*) AS n FROM raw_events');
    expect(Number(n)).toBe(0);
    // The right signature is accepted (the refusals above were about credentials only).
    expect([200, 202]).toContain((await github(hmac(SECRETS.github, body))).status);
  });
});

describe('outbound calls only reach allowed hosts', () => {
  let receiver: WebhookReceiver;
  let elsewhere: WebhookReceiver;
  let redirector: Awaited<ReturnType<typeof startRedirector>>;
  let prom: RunningPrometheus;
  let app: INestApplication;
  let http: App;

  beforeAll(async () => {
    receiver = await startWebhookReceiver({ secret: SECRETS.rollbackWebhook });
    elsewhere = await startWebhookReceiver();
    redirector = await startRedirector(`${elsewhere.url}/stolen`);
    prom = await startPrometheus({ scrapeTargets: [] });
    let db: OpenedDatabase;
    const config = testConfig({
      PROMETHEUS_URL: prom.url,
      SHIPWATCH_OUTBOUND_PRIVATE_HOSTS: `127.0.0.1:${receiver.port},127.0.0.1:${redirector.port}`,
    });
    ({ app, db } = await createApp(config, false, await openOptions(config)));
    await resetData(db);
    http = app.getHttpServer() as App;
  });
  afterAll(async () => {
    await app?.close();
    await prom?.stop();
    await redirector?.stop();
    await receiver?.stop();
    await elsewhere?.stop();
  });

  it('refuses rollback targets on other hosts or schemes when a policy is saved', async () => {
    const save = async (url: string) => {
      const res = await request(http)
        .post('/graphql')
        .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
        .send({
          query:
            'mutation($input: SaveVerificationPolicyInput!) { saveVerificationPolicy(input: $input) { id } }',
          variables: {
            input: {
              service: 'checkout',
              environment: 'production',
              rollbackTarget: { kind: 'WEBHOOK', url, secret: SECRETS.rollbackWebhook },
            },
          },
        });
      const body = res.body as { errors?: { extensions?: { code?: string } }[] };
      return body.errors?.[0]?.extensions?.code ?? 'SAVED';
    };
    expect({
      other: await save(`${elsewhere.url}/rollback`),
      metadata: await save('http://169.254.169.254/latest/meta-data/'),
      localhostName: await save(`http://localhost:${receiver.port}/rollback`),
      userinfo: await save(`http://127.0.0.1:${receiver.port}@127.0.0.1:${elsewhere.port}/x`),
      file: await save('file:///etc/passwd'),
      allowed: await save(`${receiver.url}/rollback`),
    }).toEqual({
      other: 'OUTBOUND_HOST_NOT_ALLOWED',
      metadata: 'OUTBOUND_HOST_NOT_ALLOWED',
      localhostName: 'OUTBOUND_HOST_NOT_ALLOWED',
      userinfo: expect.stringMatching(/^(OUTBOUND_HOST_NOT_ALLOWED|INVALID_ROLLBACK_TARGET)$/),
      file: expect.stringMatching(/^(OUTBOUND_HOST_NOT_ALLOWED|INVALID_ROLLBACK_TARGET)$/),
      allowed: 'SAVED',
    });
    expect(elsewhere.requests).toEqual([]);
  });

  it('does not follow a redirect from an allowed host to another one', async () => {
    const action = aRollback({
      release: aRelease({ deploymentId: 'redirect-1' }),
      target: {
        kind: 'WEBHOOK',
        url: `${redirector.url}/rollback`,
        secret: SECRETS.rollbackWebhook,
      },
    });
    await app.get(DataSource).transaction((m) => app.get(OutboxService).enqueue(m, action));
    const report = await app.get(OutboxDispatcher).dispatchDue(new Date());
    expect(report).toMatchObject({ claimed: 1, delivered: 0 });
    expect(redirector.hits()).toBe(1);
    expect(elsewhere.requests).toEqual([]);
  });
});

/** A server that answers every request with a redirect to `location`. */
async function startRedirector(location: string) {
  const { createServer } = await import('node:http');
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.writeHead(307, { Location: location }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * One operation per root Query field, selecting every field down to depth 3 (fields with
 * required arguments get sample values; `deploymentId`/`id` get the given deployment's id).
 */
function fullQueries(
  schema: GraphQLSchema,
  deploymentId: string,
): { document: string; variables: Record<string, unknown> }[] {
  const selection = (type: GraphQLObjectType, depth: number): string => {
    const parts: string[] = [];
    for (const field of Object.values(type.getFields())) {
      if (field.args.some((a) => isNonNullType(a.type))) continue;
      const named = getNamedType(field.type);
      if (isScalarType(named) || isEnumType(named)) parts.push(field.name);
      else if (isObjectType(named) && depth < 3) {
        const inner = selection(named, depth + 1);
        if (inner) parts.push(`${field.name} { ${inner} }`);
      }
    }
    return parts.join(' ');
  };
  return Object.values(schema.getQueryType()!.getFields()).map((field) => {
    const args = field.args.filter((a) => isNonNullType(a.type));
    const variables = Object.fromEntries(
      args.map((a) => [
        a.name,
        /^(id|deploymentId)$/.test(a.name) ? deploymentId : sampleValue(a.type),
      ]),
    );
    const decls = args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
    const uses = args.map((a) => `${a.name}: $${a.name}`).join(', ');
    const named = getNamedType(field.type);
    const inner = isObjectType(named) ? ` { ${selection(named, 1) || '__typename'} }` : '';
    return {
      document: `query${decls ? `(${decls})` : ''} { ${field.name}${uses ? `(${uses})` : ''}${inner} }`,
      variables,
    };
  });
}
