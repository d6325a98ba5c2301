/**
 * Deployments published back (PUBLISH_DEPLOYMENTS_TO): a production deployment that succeeds is
 * sent once to PagerDuty (a change event), Grafana (an annotation) and Slack (a message), through
 * the outbox. Three real HTTP receivers on 127.0.0.1 record what they get; the deployments are
 * recorded through GraphQL, so the outbox rows are written by the ingestion transaction.
 */
import { jest } from '@jest/globals';
import { DataSource } from 'typeorm';
import { PublishDeployments1766800000000 } from '../../migrations/1766800000000-PublishDeployments.js';
import { SlackResponses1767400000000 } from '../../migrations/1767400000000-SlackResponses.js';
import { APP_CONFIG } from '../../src/config/config.module.js';
import type { AppConfig } from '../../src/config/config.schema.js';
import { registry } from '../../src/observability/metrics.js';
import { OutboxDispatcher } from '../../src/remediation/outbox.dispatcher.js';
import { OutboxEntryEntity } from '../../src/remediation/outbox.entity.js';
import { OutboxRepository } from '../../src/remediation/outbox.repository.js';
import { OutboundPolicy } from '../../src/remediation/outbound-policy.js';
import { OutboxSenders } from '../../src/remediation/senders/senders.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/signed-webhook-receiver.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

jest.setTimeout(30_000);

const PD_KEY = 'pd-routing-key-publish';
const GRAFANA_TOKEN = 'glsa_publish_token_0123456789';
const SLACK_PATH = '/services/T000/B000/publishsecretpath';
const COMMIT = '0123456789abcdef0123456789abcdef01234567';

const RECORD = `mutation($input: DeploymentInput!) { recordDeployment(input: $input) { result entityId } }`;

let seq = 0;

/** Records a deployment through GraphQL and answers its id. */
async function record(
  t: TestApp,
  overrides: Record<string, unknown> = {},
): Promise<{ id: string; input: Record<string, string> }> {
  seq += 1;
  const finished = new Date(Date.now() - 60_000);
  const input = {
    source: 'ci',
    eventId: `publish-${seq}`,
    deploymentId: `run-${seq}`,
    service: 'checkout',
    namespace: 'shop',
    environment: 'production',
    status: 'SUCCEEDED',
    version: `1.${seq}.0`,
    previousVersion: `1.${seq - 1}.0`,
    commitSha: COMMIT,
    url: `https://ci.example.com/runs/${seq}`,
    startedAt: new Date(finished.getTime() - 150_000).toISOString(),
    finishedAt: finished.toISOString(),
    ...overrides,
  };
  const res = await t.gql(RECORD, { input });
  expect(res.errors).toBeUndefined();
  return {
    id: (res.data!.recordDeployment as { entityId: string }).entityId,
    input,
  };
}

const metric = async (labels: string): Promise<number> => {
  const text = await registry.metrics();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`shipwatch_outbox_deliveries_total{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
};

describe('publishing deployments to PagerDuty, Grafana and Slack (real database, real HTTP)', () => {
  let pd: WebhookReceiver;
  let grafana: WebhookReceiver;
  let slack: WebhookReceiver;
  let t: TestApp;
  let ds: DataSource;
  let config: AppConfig;
  let dispatcher: OutboxDispatcher;

  beforeAll(async () => {
    [pd, grafana, slack] = await Promise.all([
      startWebhookReceiver(),
      startWebhookReceiver(),
      startWebhookReceiver(),
    ]);
    t = await startTestApp({
      SHIPWATCH_PUBLIC_URL: 'http://shipwatch.test',
      PUBLISH_DEPLOYMENTS_TO: 'pagerduty,grafana,slack',
      PAGERDUTY_EVENTS_URL: `${pd.url}/v2/enqueue`,
      PAGERDUTY_ROUTING_KEY: PD_KEY,
      GRAFANA_URL: `${grafana.url}/grafana`,
      GRAFANA_API_TOKEN: GRAFANA_TOKEN,
      SLACK_WEBHOOK_URL: `${slack.url}${SLACK_PATH}`,
    });
    ds = t.app.get(DataSource);
    config = t.app.get<AppConfig>(APP_CONFIG);
    dispatcher = aDispatcher(t.app.get(OutboundPolicy));
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([pd, grafana, slack].map((r) => r?.stop()));
  });
  beforeEach(async () => {
    await ds.query('TRUNCATE remediation_outbox');
    for (const r of [pd, grafana, slack]) {
      r.requests.length = 0;
      r.respondWith(() => ({ status: 200 }));
    }
  });

  const aDispatcher = (policy: OutboundPolicy) =>
    new OutboxDispatcher(new OutboxRepository(ds), t.app.get(OutboxSenders), policy, config, {
      random: () => 0,
    });
  const rows = () => ds.getRepository(OutboxEntryEntity).find({ order: { id: 'ASC' } });

  it('sends each tool the request it documents, once per deployment', async () => {
    const { id, input } = await record(t);
    const outbox = await rows();
    expect(outbox.map((r) => [r.kind, r.channel, r.idempotencyKey, r.status])).toEqual([
      ['PUBLISH', 'PAGERDUTY', `publish:${id}:PAGERDUTY`, 'PENDING'],
      ['PUBLISH', 'GRAFANA', `publish:${id}:GRAFANA`, 'PENDING'],
      ['PUBLISH', 'SLACK', `publish:${id}:SLACK`, 'PENDING'],
    ]);
    const delivered = await metric('kind="PUBLISH",channel="GRAFANA",result="delivered"');

    expect(await dispatcher.dispatchDue(new Date())).toMatchObject({ claimed: 3, delivered: 3 });
    const shipwatchUrl = `http://shipwatch.test/graphql?query=${encodeURIComponent(
      `{ deployment(id: "${id}") { id externalId version status startedAt finishedAt url } }`,
    )}`;
    const headline = `Deployed shop/checkout ${input.version} to production (from ${input.previousVersion})`;
    const common = (channel: string) => ({
      'content-type': 'application/json',
      'user-agent': 'Shipwatch/test',
      'idempotency-key': `publish:${id}:${channel}`,
    });

    // PagerDuty Events API v2 change event
    expect(pd.requests).toHaveLength(1);
    expect(pd.requests[0]).toMatchObject({ method: 'POST', path: '/v2/change/enqueue' });
    expect(pd.requests[0].headers).toMatchObject(common('PAGERDUTY'));
    expect(pd.requests[0].json).toEqual({
      routing_key: PD_KEY,
      payload: {
        summary: headline,
        source: 'shop/checkout',
        timestamp: input.finishedAt,
        custom_details: {
          service: 'checkout',
          namespace: 'shop',
          environment: 'production',
          version: input.version,
          previous_version: input.previousVersion,
          commit: COMMIT,
          deployment_id: id,
          deployment_url: input.url,
        },
      },
      links: [
        { href: shipwatchUrl, text: 'Deployment in Shipwatch' },
        { href: input.url, text: 'Deployment run' },
      ],
    });

    // Grafana annotation (organization annotation, found by its tags)
    expect(grafana.requests).toHaveLength(1);
    expect(grafana.requests[0]).toMatchObject({ method: 'POST', path: '/grafana/api/annotations' });
    expect(grafana.requests[0].headers).toMatchObject({
      ...common('GRAFANA'),
      accept: 'application/json',
      authorization: `Bearer ${GRAFANA_TOKEN}`,
    });
    expect(grafana.requests[0].json).toEqual({
      time: Date.parse(input.startedAt),
      timeEnd: Date.parse(input.finishedAt),
      tags: [
        'deployment',
        'service:checkout',
        'namespace:shop',
        'env:production',
        `version:${input.version}`,
      ],
      text: `${headline}, commit ${COMMIT.slice(0, 12)}. <a href="${shipwatchUrl}">Shipwatch</a>`,
    });

    // Slack incoming webhook
    expect(slack.requests).toHaveLength(1);
    expect(slack.requests[0]).toMatchObject({ method: 'POST', path: SLACK_PATH });
    expect(slack.requests[0].headers).toMatchObject(common('SLACK'));
    expect(slack.requests[0].json).toEqual({
      text: `:rocket: ${headline}`,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: `:rocket: ${headline}` } },
        {
          type: 'context',
          elements: [
            { type: 'mrkdwn', text: `<${shipwatchUrl}|Deployment in Shipwatch>` },
            { type: 'mrkdwn', text: `<${input.url}|Deployment run>` },
            { type: 'mrkdwn', text: `deployment ${id}` },
            { type: 'mrkdwn', text: `commit ${COMMIT.slice(0, 12)}` },
          ],
        },
      ],
    });

    expect((await rows()).map((r) => r.status)).toEqual(['DELIVERED', 'DELIVERED', 'DELIVERED']);
    expect(await metric('kind="PUBLISH",channel="GRAFANA",result="delivered"')).toBe(delivered + 1);

    // The same event again (DUPLICATE), and another event saying SUCCEEDED again: nothing new.
    const again = await t.gql(RECORD, { input });
    expect(again.data!.recordDeployment).toMatchObject({ result: 'DUPLICATE' });
    await record(t, { ...input, eventId: `${input.eventId}-resent` });
    expect(await rows()).toHaveLength(3);
    expect(await dispatcher.dispatchDue(new Date(Date.now() + 60_000))).toMatchObject({
      claimed: 0,
    });
    expect([pd, grafana, slack].map((r) => r.requests.length)).toEqual([1, 1, 1]);
  });

  it('publishes a deployment that goes from IN_PROGRESS to SUCCEEDED once it succeeds', async () => {
    const { id, input } = await record(t, { status: 'IN_PROGRESS', finishedAt: undefined });
    expect(await rows()).toEqual([]);
    await record(t, { ...input, eventId: `${input.eventId}-done`, status: 'SUCCEEDED' });
    expect((await rows()).map((r) => r.idempotencyKey)).toEqual([
      `publish:${id}:PAGERDUTY`,
      `publish:${id}:GRAFANA`,
      `publish:${id}:SLACK`,
    ]);
  });

  it('retries after a 500 with backoff, with the same Idempotency-Key', async () => {
    grafana.respondWith((_req, n) => (n === 1 ? { status: 500, body: 'boom' } : { status: 200 }));
    const { id } = await record(t);
    const now = new Date();
    expect(await dispatcher.dispatchDue(now)).toMatchObject({ delivered: 2, retried: 1 });
    const grafanaRow = (await rows()).find((r) => r.channel === 'GRAFANA')!;
    expect(grafanaRow).toMatchObject({ status: 'PENDING', attempts: 1 });
    expect(grafanaRow.lastError).toMatch(/^HTTP 500 from 127\.0\.0\.1:\d+: boom$/);
    // attempt 1 failed: the next is due after 1 s · 2^0 / 2 (random 0)
    expect(grafanaRow.nextAttemptAt.getTime()).toBe(now.getTime() + 500);

    expect(await dispatcher.dispatchDue(new Date(now.getTime() + 499))).toMatchObject({
      claimed: 0,
    });
    expect(await dispatcher.dispatchDue(new Date(now.getTime() + 500))).toMatchObject({
      delivered: 1,
    });
    expect(grafana.requests.map((r) => [r.status, r.idempotencyKey])).toEqual([
      [500, `publish:${id}:GRAFANA`],
      [200, `publish:${id}:GRAFANA`],
    ]);
    expect(grafana.requests[1].rawBody).toBe(grafana.requests[0].rawBody);
    expect(pd.requests).toHaveLength(1);
    expect(slack.requests).toHaveLength(1);
  });

  it('records a host the allowlist refuses as DEAD, never calling it or retrying', async () => {
    // A replica whose allowlist does not hold GRAFANA_URL (another configuration).
    const narrower = aDispatcher(new OutboundPolicy({ ...config, grafanaUrl: undefined }));
    const dead = await metric('kind="PUBLISH",channel="GRAFANA",result="dead"');
    await record(t);
    expect(await narrower.dispatchDue(new Date())).toMatchObject({ delivered: 2, dead: 1 });
    expect(grafana.requests).toEqual([]);
    const grafanaRow = (await rows()).find((r) => r.channel === 'GRAFANA')!;
    expect(grafanaRow.status).toBe('DEAD');
    expect(grafanaRow.lastError).toMatch(
      /^refused: target URL host 127\.0\.0\.1:\d+ is not in SHIPWATCH_OUTBOUND_ALLOWED_HOSTS/,
    );
    expect(grafanaRow.lastError).not.toContain(GRAFANA_TOKEN);
    expect(await metric('kind="PUBLISH",channel="GRAFANA",result="dead"')).toBe(dead + 1);
    expect(await narrower.dispatchDue(new Date(Date.now() + 3_600_000))).toMatchObject({
      claimed: 0,
    });
  });

  it('publishes nothing for staging, a failed deployment or history', async () => {
    await record(t, { environment: 'staging' });
    await record(t, { status: 'FAILED' });
    const longAgo = Date.now() - 7 * 60 * 60_000;
    await record(t, {
      startedAt: new Date(longAgo - 60_000).toISOString(),
      finishedAt: new Date(longAgo).toISOString(),
    });
    expect(await rows()).toEqual([]);
  });

  it('migration 1766800000000 goes down (forgetting published deployments) and up again', async () => {
    await record(t);
    await ds.query(
      `INSERT INTO remediation_outbox (idempotency_key, kind, channel, deployment_id, payload)
       VALUES ('alert:x:FAILED:FIRING:SLACK', 'ALERT', 'SLACK', 'x', '{}')`,
    );
    const migration = new PublishDeployments1766800000000();
    // One connection for all (the embedded database has only one).
    const runner = ds.createQueryRunner();
    try {
      await migration.down(runner);
      expect(await runner.query(`SELECT kind FROM remediation_outbox`)).toEqual([
        { kind: 'ALERT' },
      ]);
      await expect(
        runner.query(
          `INSERT INTO remediation_outbox (idempotency_key, kind, channel, deployment_id, payload)
           VALUES ('publish:x:SLACK', 'PUBLISH', 'SLACK', 'x', '{}')`,
        ),
      ).rejects.toThrow(/ck_remediation_outbox_kind/);
      await migration.up(runner);
      // Later migrations widen the same constraint: the files that run after this one on this
      // database (a worker's, on PostgreSQL) need the latest schema. The latest one's down()
      // restores the constraint of the one before it, and its up() the latest.
      const latest = new SlackResponses1767400000000();
      await latest.down(runner);
      await latest.up(runner);
    } finally {
      await runner.release();
    }
    await record(t);
    expect((await rows()).map((r) => r.kind)).toEqual(['ALERT', 'PUBLISH', 'PUBLISH', 'PUBLISH']);
  });
});

describe('publishing deployments when not configured', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    // Slack and PagerDuty are configured for alerts, but PUBLISH_DEPLOYMENTS_TO is not set.
    t = await startTestApp({
      SLACK_WEBHOOK_URL: `${receiver.url}${SLACK_PATH}`,
      PAGERDUTY_EVENTS_URL: `${receiver.url}/v2/enqueue`,
      PAGERDUTY_ROUTING_KEY: PD_KEY,
    });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.stop();
  });

  it('publishes nothing', async () => {
    await record(t);
    const ds = t.app.get(DataSource);
    expect(await ds.getRepository(OutboxEntryEntity).count()).toBe(0);
    await t.app.get(OutboxDispatcher).dispatchDue(new Date());
    expect(receiver.requests).toEqual([]);
  });
});
