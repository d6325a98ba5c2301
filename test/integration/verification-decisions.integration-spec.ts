/**
 * People's decisions on verifications through GraphQL over HTTP (docs/verification.md, "Human
 * decisions"): a release that fails against a REAL Prometheus under an ADVISE policy waits for
 * an approval; concurrent approvals send ONE rollback through the outbox to a local receiver; a
 * person's FAILED aborts a running verification and counts as a change failure with attribution
 * CONFIRMED; a longer bake, "not a risk" on an SLI, and every refusal coded, with nothing stored.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { slackSignature } from '../../src/webhooks/signatures.js';
import { startPrometheus, type RunningPrometheus } from '../../src/demo/prometheus-process.js';
import { DoraRefreshService } from '../../src/dora/dora-refresh.service.js';
import { OutboxDispatcher } from '../../src/remediation/outbox.dispatcher.js';
import { VerificationRepository } from '../../src/verification/verification.repository.js';
import { VerificationService } from '../../src/verification/verification.service.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/signed-webhook-receiver.js';
import { startTestApp, type GqlResponse, type TestApp } from '../support/test-app.js';
import { badReleaseHistory, openMetricsHistory } from './verification-history.js';

const STEP = 15;
const NOW = Math.floor(Date.now() / 1000 / STEP) * STEP;
const T0 = NOW - 20 * 60;
const at = (s: number): Date => new Date(s * 1000);
const SECRET = 'a-rollback-secret-of-the-test';
const SLACK_SECRET = 'test-slack-signing-secret';
/** Slack's documented block_actions example (test/fixtures/slack/README.md). */
const BLOCK_ACTIONS = JSON.parse(
  readFileSync(join(import.meta.dirname, '../fixtures/slack/docs-block-actions.json'), 'utf8'),
) as { actions: Record<string, unknown>[] } & Record<string, unknown>;

const VERIFICATION = `id state reason nextTickAt rollbackRequestedAt rollbackBlockedReason
  policy { mode timing { bakeSeconds maxVerificationSeconds } }
  decisions { action stateBefore stateAfter sli seconds reason actor actorName decidedAt }`;
const APPROVE = `mutation($id: ID!, $reason: String!) {
  approveRollback(verificationId: $id, reason: $reason) { ${VERIFICATION} } }`;
const DECIDE = `mutation($id: ID!, $verdict: HumanVerdict!, $reason: String!) {
  decideVerification(verificationId: $id, verdict: $verdict, reason: $reason) { ${VERIFICATION} } }`;
const EXTEND = `mutation($id: ID!, $seconds: Int!, $reason: String!) {
  extendBake(verificationId: $id, seconds: $seconds, reason: $reason) { ${VERIFICATION} } }`;
const DISMISS = `mutation($id: ID!, $sli: String!, $reason: String!) {
  dismissSliRisk(verificationId: $id, sli: $sli, reason: $reason) { ${VERIFICATION} } }`;
const READ = `query($id: ID!) { releaseVerification(deploymentId: $id) { ${VERIFICATION} } }`;

interface Verification {
  id: string;
  state: string;
  reason: string | null;
  nextTickAt: string | null;
  rollbackRequestedAt: string | null;
  rollbackBlockedReason: string | null;
  policy: { mode: string; timing: { bakeSeconds: number; maxVerificationSeconds: number } };
  decisions: Record<string, unknown>[];
}

describe('human decisions on verifications', () => {
  let prometheus: RunningPrometheus;
  let receiver: WebhookReceiver;
  let t: TestApp;
  let readToken: string;

  beforeAll(async () => {
    [prometheus, receiver] = await Promise.all([
      startPrometheus({
        scrapeTargets: [],
        backfill: openMetricsHistory([
          badReleaseHistory('payments', T0, NOW),
          badReleaseHistory('billing', T0, NOW),
        ]),
      }),
      startWebhookReceiver({ secret: SECRET }),
    ]);
    t = await startTestApp({
      PROMETHEUS_URL: prometheus.url,
      SHIPWATCH_OUTBOUND_PRIVATE_HOSTS: `127.0.0.1:${receiver.port}`,
      SLACK_WEBHOOK_URL: `${receiver.url}/slack`,
      SLACK_SIGNING_SECRET: SLACK_SECRET,
    });
    const created = await t.gql(
      `mutation { createApiToken(input: { name: "dashboards", scopes: [READ] }) { token } }`,
    );
    readToken = (created.data!.createApiToken as { token: string }).token;
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([prometheus?.stop(), receiver?.stop()]);
  });

  let n = 0;
  async function deploy(service: string, finishedAt: Date, version = '2.0.0'): Promise<string> {
    n++;
    const res = await t.gql(
      `mutation($input: DeploymentInput!) { recordDeployment(input: $input) { entityId } }`,
      {
        input: {
          source: 'ci',
          eventId: `e${n}`,
          deploymentId: `${service}-${version}`,
          service,
          environment: 'production',
          status: 'SUCCEEDED',
          version,
          previousVersion: '1.9.0',
          finishedAt: finishedAt.toISOString(),
        },
      },
    );
    expect(res.errors).toBeUndefined();
    return (res.data!.recordDeployment as { entityId: string }).entityId;
  }
  async function read(deploymentId: string): Promise<Verification> {
    const res = await t.gql(READ, { id: deploymentId });
    expect(res.errors).toBeUndefined();
    return res.data!.releaseVerification as Verification;
  }
  const code = (res: GqlResponse): string | undefined => res.errors?.[0]?.extensions?.code;
  const decided = (res: GqlResponse, field: string): Verification => {
    expect(res.errors).toBeUndefined();
    return res.data![field] as Verification;
  };
  const decisionRows = async (): Promise<number> =>
    Number(
      (await t.db.dataSource.query(`SELECT count(*)::int AS n FROM verification_decisions`))[0].n,
    );

  /** A release of `service` that fails under an ADVISE policy with a rollback target. */
  async function advisedFailure(service: string, alertChannels: string[] = []) {
    const saved = await t.gql(
      `mutation($input: SaveVerificationPolicyInput!) { saveVerificationPolicy(input: $input) { id } }`,
      {
        input: {
          service,
          environment: 'production',
          mode: 'ADVISE',
          alertChannels,
          rollbackTarget: { kind: 'WEBHOOK', url: `${receiver.url}/rollback`, secret: SECRET },
        },
      },
    );
    if (saved.errors) throw new Error(JSON.stringify(saved.errors));
    const deployment = await deploy(service, at(T0));
    const verifications = t.app.get(VerificationService);
    for (let s = T0 + 30; s <= T0 + 150; s += 30) await verifications.runDueTicks(at(s));
    return { deployment, v: await read(deployment) };
  }

  describe('an advised rollback', () => {
    let deployment: string;
    let v: Verification;

    beforeAll(async () => {
      ({ deployment, v } = await advisedFailure('payments'));
    });

    it('waits for a person: FAILED, no rollback requested, nothing in the outbox for it', async () => {
      expect(v).toMatchObject({
        state: 'FAILED',
        rollbackRequestedAt: null,
        rollbackBlockedReason: 'mode ADVISE',
        decisions: [],
      });
      const rollbacks = await t.db.dataSource.query(
        `SELECT 1 FROM remediation_outbox WHERE kind = 'ROLLBACK'`,
      );
      expect(rollbacks).toEqual([]);
    });

    it('refuses a token without the triage scope, and bad input, storing nothing', async () => {
      expect(code(await t.gql(APPROVE, { id: v.id, reason: 'go' }, readToken))).toBe('FORBIDDEN');
      expect(code(await t.gql(APPROVE, { id: v.id, reason: '  ' }))).toBe('BAD_USER_INPUT');
      expect(code(await t.gql(APPROVE, { id: '999999', reason: 'go' }))).toBe(
        'VERIFICATION_NOT_FOUND',
      );
      expect(code(await t.gql(APPROVE, { id: 'x; drop', reason: 'go' }))).toBe(
        'VERIFICATION_NOT_FOUND',
      );
      expect(await decisionRows()).toBe(0);
      expect((await read(deployment)).rollbackRequestedAt).toBeNull();
    });

    it('sends one rollback for concurrent approvals; the others are ROLLBACK_ALREADY_REQUESTED', async () => {
      const answers = await Promise.all(
        [1, 2, 3].map((i) => t.gql(APPROVE, { id: v.id, reason: `errors on checkout (${i})` })),
      );
      const ok = answers.filter((a) => !a.errors);
      expect(ok).toHaveLength(1);
      expect(answers.filter((a) => a.errors).map(code)).toEqual([
        'ROLLBACK_ALREADY_REQUESTED',
        'ROLLBACK_ALREADY_REQUESTED',
      ]);
      const after = decided(ok[0], 'approveRollback');
      expect(after).toMatchObject({ state: 'FAILED', rollbackBlockedReason: null });
      expect(after.rollbackRequestedAt).not.toBeNull();
      expect(after.decisions).toEqual([
        {
          action: 'APPROVE_ROLLBACK',
          stateBefore: 'FAILED',
          stateAfter: 'FAILED',
          sli: null,
          seconds: null,
          reason: expect.stringMatching(/^errors on checkout \(\d\)$/),
          actor: 'bootstrap',
          actorName: 'bootstrap',
          decidedAt: expect.any(String),
        },
      ]);
      // replayed later: refused the same way, still one action
      expect(code(await t.gql(APPROVE, { id: v.id, reason: 'again' }))).toBe(
        'ROLLBACK_ALREADY_REQUESTED',
      );
      const outbox = await t.db.dataSource.query(
        `SELECT idempotency_key, status FROM remediation_outbox WHERE kind = 'ROLLBACK'`,
      );
      expect(outbox).toEqual([{ idempotency_key: `rollback:${deployment}`, status: 'PENDING' }]);
      const [row] = await t.db.dataSource.query(`SELECT status FROM deployments WHERE id = $1`, [
        deployment,
      ]);
      expect(row.status).toBe('ROLLED_BACK');
    });

    it('delivers the rollback to the receiver exactly once, signed', async () => {
      const dispatcher = t.app.get(OutboxDispatcher);
      await dispatcher.dispatchDue(new Date());
      await dispatcher.dispatchDue(new Date(Date.now() + 3600_000));
      const rollbacks = receiver.requests.filter((r) => r.path === '/rollback');
      expect(rollbacks).toHaveLength(1);
      expect(rollbacks[0]).toMatchObject({
        signatureValid: true,
        idempotencyKey: `rollback:${deployment}`,
        json: expect.objectContaining({
          type: 'shipwatch.rollback.requested',
          rollback: expect.objectContaining({ toVersion: '1.9.0' }),
        }),
      });
    });

    it('lets a person override the verdict as HEALTHY, audited after the approval', async () => {
      const after = decided(
        await t.gql(DECIDE, { id: v.id, verdict: 'HEALTHY', reason: 'a dependency, not us' }),
        'decideVerification',
      );
      expect(after.state).toBe('HEALTHY');
      expect(after.reason).toBe('marked HEALTHY by bootstrap: a dependency, not us');
      expect(after.decisions.map((d) => `${String(d.action)} ${String(d.stateAfter)}`)).toEqual([
        'APPROVE_ROLLBACK FAILED',
        'MARK_HEALTHY HEALTHY',
      ]);
      expect(code(await t.gql(DECIDE, { id: v.id, verdict: 'HEALTHY', reason: 'r' }))).toBe(
        'VERDICT_UNCHANGED',
      );
      expect(code(await t.gql(APPROVE, { id: v.id, reason: 'r' }))).toBe(
        'ROLLBACK_ALREADY_REQUESTED',
      );
    });
  });

  describe('a running verification', () => {
    const finished = new Date(Date.now() - 60_000);

    it('extends the bake within bounds; refusals store nothing', async () => {
      const deployment = await deploy('cart', finished);
      const { id, policy } = await read(deployment);
      const before = await decisionRows();
      expect(code(await t.gql(EXTEND, { id, seconds: 30, reason: 'peak' }))).toBe('BAD_USER_INPUT');
      expect(code(await t.gql(EXTEND, { id, seconds: 3600, reason: '' }))).toBe('BAD_USER_INPUT');
      expect(await decisionRows()).toBe(before);
      const after = decided(
        await t.gql(EXTEND, { id, seconds: 900, reason: 'traffic peak at noon' }),
        'extendBake',
      );
      expect(after.state).toBe('RUNNING');
      expect(after.policy.timing).toEqual({
        bakeSeconds: policy.timing.bakeSeconds + 900,
        maxVerificationSeconds: policy.timing.maxVerificationSeconds + 900,
      });
      expect(after.decisions).toEqual([
        expect.objectContaining({ action: 'EXTEND_BAKE', seconds: 900, stateAfter: 'RUNNING' }),
      ]);
    });

    it('records "not a risk" on an SLI and changes nothing else', async () => {
      const deployment = await deploy('search', finished);
      const before = await read(deployment);
      expect(code(await t.gql(DISMISS, { id: before.id, sli: 'cpu', reason: 'not ours' }))).toBe(
        'BAD_USER_INPUT',
      );
      const after = decided(
        await t.gql(DISMISS, { id: before.id, sli: 'latency', reason: 'batch job, known slow' }),
        'dismissSliRisk',
      );
      const { decisions, ...rest } = after;
      const { decisions: none, ...unchanged } = before;
      expect(none).toEqual([]);
      expect(rest).toEqual(unchanged);
      expect(decisions).toEqual([
        expect.objectContaining({
          action: 'DISMISS_SLI_RISK',
          sli: 'latency',
          stateBefore: 'RUNNING',
          stateAfter: 'RUNNING',
          reason: 'batch job, known slow',
        }),
      ]);
    });

    it('a person’s FAILED aborts it and counts as a change failure, attribution CONFIRMED', async () => {
      const deployment = await deploy('orders', finished);
      const { id } = await read(deployment);
      // a tick claimed it before the decision: its write finds the decision and drops its result
      const repo = t.app.get(VerificationRepository);
      const now = new Date(Date.now() + 60_000);
      expect(
        await repo.claimDue(now, 'replica-x', new Date(now.getTime() + 60_000), {
          batch: 10,
          perSubmitter: 100,
        }),
      ).toContain(id);
      const after = decided(
        await t.gql(DECIDE, { id, verdict: 'FAILED', reason: 'orders lost on checkout' }),
        'decideVerification',
      );
      expect(after).toMatchObject({
        state: 'FAILED',
        nextTickAt: null,
        reason: 'marked FAILED by bootstrap: orders lost on checkout',
        decisions: [
          expect.objectContaining({
            action: 'MARK_FAILED',
            stateBefore: 'RUNNING',
            stateAfter: 'FAILED',
          }),
        ],
      });
      const claimed = await t.db.dataSource.transaction((m) =>
        repo.lockClaimed(m, id, 'replica-x'),
      );
      expect(claimed).toBeNull();
      expect(
        await t.app.get(VerificationService).runDueTicks(new Date(now.getTime() + 120_000)),
      ).not.toContainEqual(expect.objectContaining({ verificationId: id }));
      expect((await read(deployment)).state).toBe('FAILED');

      await t.app.get(DoraRefreshService).refresh();
      const failed = await t.db.dataSource.query(
        `SELECT failure_attribution, failure_evidence FROM dora_failed_deployments
          WHERE external_id = 'orders-2.0.0'`,
      );
      expect(failed).toEqual([
        { failure_attribution: 'CONFIRMED', failure_evidence: ['CAUSED_INCIDENT'] },
      ]);
      expect(code(await t.gql(EXTEND, { id, seconds: 600, reason: 'r' }))).toBe(
        'VERIFICATION_NOT_RUNNING',
      );
      // the default policy advises, but names no rollback target: nothing stored
      const before = await decisionRows();
      const refused = await t.gql(APPROVE, { id, reason: 'r' });
      expect(code(refused)).toBe('ROLLBACK_NOT_POSSIBLE');
      expect(refused.errors?.[0].message).toMatch(/no rollback target configured/);
      expect(await decisionRows()).toBe(before);
      expect((await read(deployment)).rollbackRequestedAt).toBeNull();
    });
  });

  describe('from Slack buttons (signed requests)', () => {
    let deployment: string;
    let v: Verification;
    let button: { action_id: string; value: string };
    /** The blocks of the Slack message Shipwatch sent (Slack returns them in the click). */
    let sentBlocks: { type: string; block_id?: string }[];
    const post = (body: string, headers: Record<string, string>) =>
      request(t.http)
        .post('/webhooks/slack/interactions')
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .set(headers)
        .send(body);
    /**
     * Slack's example payload, clicked on the button of the message Shipwatch sent, form-encoded;
     * its response_url on the local receiver (a fake Slack) unless another is given.
     */
    const clicked = (
      b: { action_id: string; value: string },
      responseUrl = `${receiver.url}/slack-response/T9TK3CUKW/1/x`,
    ): string => {
      const payload = {
        ...BLOCK_ACTIONS,
        response_url: responseUrl,
        message: { ...(BLOCK_ACTIONS.message as object), blocks: sentBlocks },
        actions: [
          { ...BLOCK_ACTIONS.actions[0], ...b, block_id: `shipwatch_verification_${b.value}` },
        ],
      };
      return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    };
    const signed = (body: string, ts = Math.floor(Date.now() / 1000)) => ({
      'X-Slack-Request-Timestamp': String(ts),
      'X-Slack-Signature': slackSignature(SLACK_SECRET, String(ts), body),
    });
    const requested = async () => (await read(deployment)).rollbackRequestedAt;

    beforeAll(async () => {
      ({ deployment, v } = await advisedFailure('billing', ['SLACK']));
      await t.app.get(OutboxDispatcher).dispatchDue(new Date());
      const [message] = receiver.requests
        .filter((r) => r.path === '/slack')
        .map((r) => r.json as { blocks: { type: string; elements?: (typeof button)[] }[] })
        .filter((m) => JSON.stringify(m).includes('billing'));
      const actions = message.blocks.find((b) => b.type === 'actions');
      button = actions!.elements!.find((e) => e.action_id === 'shipwatch_approve_rollback')!;
      sentBlocks = message.blocks;
    });
    const slackResponses = () =>
      t.db.dataSource.query<{ status: string; last_error: string | null }[]>(
        `SELECT status, last_error FROM remediation_outbox WHERE kind = 'SLACK_RESPONSE' ORDER BY id`,
      );
    const responsesReceived = () =>
      receiver.requests.filter((r) => r.path.startsWith('/slack-response'));

    it('sends the FAILED release to Slack with buttons carrying the verification id', () => {
      expect(button).toMatchObject({ action_id: 'shipwatch_approve_rollback', value: v.id });
    });

    it('refuses a bad signature, a stale timestamp and an unsigned request: 401, nothing applied', async () => {
      const body = clicked(button);
      const bad = await post(body, {
        ...signed(body),
        'X-Slack-Signature': slackSignature(
          'not-the-secret',
          String(Math.floor(Date.now() / 1000)),
          body,
        ),
      });
      expect(bad.status).toBe(401);
      expect(bad.body).toEqual({
        error: expect.objectContaining({
          code: 'INVALID_SIGNATURE',
          message: expect.stringMatching(/does not match/),
        }),
      });
      const stale = await post(body, signed(body, Math.floor(Date.now() / 1000) - 600));
      expect(stale.status).toBe(401);
      expect(stale.body.error).toMatchObject({
        code: 'INVALID_SIGNATURE',
        message: expect.stringMatching(/away from the server clock/),
      });
      const unsigned = await post(body, {});
      expect(unsigned.status).toBe(401);
      // signed, but not a Shipwatch button: 400, nothing applied
      const other = clicked({ action_id: 'WaXA', value: 'click_me_123' });
      const foreign = await post(other, signed(other));
      expect(foreign.status).toBe(400);
      expect(foreign.body.error.code).toBe('MALFORMED_PAYLOAD');
      expect(await requested()).toBeNull();
      expect((await read(deployment)).decisions).toEqual([]);
      expect(await slackResponses()).toEqual([]);
    });

    it('approves the rollback for the Slack user; a replay of the request is refused', async () => {
      const body = clicked(button);
      const headers = signed(body);
      const ok = await post(body, headers);
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ ok: true, text: 'Rollback approved by jtorrance' });
      const after = await read(deployment);
      expect(after.rollbackRequestedAt).not.toBeNull();
      expect(after.decisions).toEqual([
        expect.objectContaining({
          action: 'APPROVE_ROLLBACK',
          actor: 'slack:UA8RXUSPL',
          actorName: 'jtorrance',
          reason: 'Approve rollback button in Slack (#review-updates)',
        }),
      ]);
      const replay = await post(body, headers);
      expect(replay.status).toBe(401);
      expect(replay.body.error.code).toBe('REPLAYED_REQUEST');
      // clicked again (a new request): refused by the state, still one rollback
      const again = await post(body, signed(body, Math.floor(Date.now() / 1000) + 1));
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('ROLLBACK_ALREADY_REQUESTED');
      expect((await read(deployment)).decisions).toHaveLength(1);
      const outbox = await t.db.dataSource.query(
        `SELECT idempotency_key FROM remediation_outbox WHERE kind = 'ROLLBACK' AND deployment_id = $1`,
        [deployment],
      );
      expect(outbox).toEqual([{ idempotency_key: `rollback:${deployment}` }]);
    });

    it('replaces the message clicked on with who decided what and when, retrying through the outbox', async () => {
      expect(await slackResponses()).toEqual([{ status: 'PENDING', last_error: null }]);
      // the fake Slack fails the first POST to the response_url: the outbox tries again
      receiver.respondWith((r) =>
        r.path.startsWith('/slack-response') && responsesReceived().length === 0
          ? { status: 503, body: 'try later' }
          : { status: 200 },
      );
      const dispatcher = t.app.get(OutboxDispatcher);
      await dispatcher.dispatchDue(new Date());
      expect(await slackResponses()).toEqual([
        { status: 'PENDING', last_error: expect.stringMatching(/^HTTP 503 from 127\.0\.0\.1:/) },
      ]);
      await dispatcher.dispatchDue(new Date(Date.now() + 60_000));
      expect(await slackResponses()).toEqual([{ status: 'DELIVERED', last_error: null }]);
      await dispatcher.dispatchDue(new Date(Date.now() + 3_600_000));
      const posts = responsesReceived();
      expect(posts.map((r) => [r.method, r.path, r.status])).toEqual([
        ['POST', '/slack-response/T9TK3CUKW/1/x', 503],
        ['POST', '/slack-response/T9TK3CUKW/1/x', 200],
      ]);
      const replaced = posts[1].json as {
        replace_original: boolean;
        text: string;
        blocks: object[];
      };
      const { decisions } = await read(deployment);
      const at = new Date(decisions[0].decidedAt as string);
      expect(replaced).toEqual({
        replace_original: true,
        text: `Rollback approved by jtorrance at ${at.toISOString()}`,
        blocks: [
          ...sentBlocks.filter((b) => b.type !== 'actions'),
          {
            type: 'context',
            elements: [
              {
                type: 'mrkdwn',
                text: `:rewind: *Rollback approved* by <@UA8RXUSPL> (jtorrance) <!date^${Math.floor(at.getTime() / 1000)}^{date_short_pretty} {time}|${at.toISOString()}>`,
              },
            ],
          },
        ],
      });
      expect(sentBlocks.filter((b) => b.type === 'actions')).toHaveLength(1);
      receiver.respondWith(() => ({ status: 200 }));
    });

    it('never calls a response_url outside the allowlist: stored DEAD, the decision stands', async () => {
      const body = clicked(
        { action_id: 'shipwatch_mark_healthy', value: v.id },
        'https://hooks.slack.com.evil.example/actions/T1/2/x',
      );
      const ok = await post(body, signed(body));
      expect(ok.status).toBe(200);
      expect((await read(deployment)).state).toBe('HEALTHY');
      expect((await slackResponses())[1]).toEqual({
        status: 'DEAD',
        last_error: expect.stringMatching(
          /^refused: response_url host hooks\.slack\.com\.evil\.example is not in SHIPWATCH_OUTBOUND_ALLOWED_HOSTS/,
        ),
      });
      const before = responsesReceived().length;
      await t.app.get(OutboxDispatcher).dispatchDue(new Date(Date.now() + 7_200_000));
      expect(responsesReceived()).toHaveLength(before);
    });
  });
});
