/**
 * Alerts that explain (#20 part 4). Changes ingested through GraphQL (a push of 999 commits with
 * their authors, then a pull request merged by its own push, with a title that tries Slack
 * `<!channel>` and a forged link) ship in a release that fails verification against a REAL
 * Prometheus. The rollback webhook, Alertmanager, Slack and PagerDuty requests that a local
 * receiver gets carry the changeset (newest first, capped, the rest counted), authors (unknown
 * where the producer gave none), lead times, the verdict's reason and the evidence link — and a
 * retry sends the same bytes (the outbox keeps the snapshot taken at the verdict).
 */
import { startPrometheus, type RunningPrometheus } from '../../src/demo/prometheus-process.js';
import { OutboxDispatcher } from '../../src/remediation/outbox.dispatcher.js';
import type { ReleaseExplanation } from '../../src/remediation/release-explanation.rule.js';
import { VerificationService } from '../../src/verification/verification.service.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/signed-webhook-receiver.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { badReleaseHistory, openMetricsHistory } from './verification-history.js';

const STEP = 15;
const NOW = Math.floor(Date.now() / 1000 / STEP) * STEP;
const T0 = NOW - 20 * 60;
const at = (s: number): Date => new Date(s * 1000);
const SECRET = 'whsec-explained-alerts-0123456789';
const PD_KEY = 'pd-routing-key-explained';
const REPO = 'acme/payments';
const sha = (i: number): string => i.toString(16).padStart(40, '0');
const BASE = sha(0xba5e);
const PUSHED = 999;
const MERGE = sha(0xfeed);
const INJECTION = '<!channel> *deploy now* <https://evil.test|click> & go';

const HISTORY = openMetricsHistory([badReleaseHistory('payments', T0, NOW)]);

const RECORD_CHANGE = `mutation($input: ChangeInput!) { recordChange(input: $input) { result errors { field message } } }`;
const RECORD_DEPLOYMENT = `mutation($input: DeploymentInput!) { recordDeployment(input: $input) { result entityId } }`;

describe('alerts and rollbacks carry the release changeset, reason and evidence link', () => {
  let prometheus: RunningPrometheus;
  let receiver: WebhookReceiver;
  let t: TestApp;
  let deployment: string;

  beforeAll(async () => {
    [prometheus, receiver] = await Promise.all([
      startPrometheus({ scrapeTargets: [], backfill: HISTORY }),
      startWebhookReceiver({ secret: SECRET }),
    ]);
    t = await startTestApp({
      PROMETHEUS_URL: prometheus.url,
      ALERTMANAGER_URL: `${receiver.url}/am`,
      SLACK_WEBHOOK_URL: `${receiver.url}/services/T000/B000/explainedsecret`,
      PAGERDUTY_EVENTS_URL: `${receiver.url}/v2/enqueue`,
      PAGERDUTY_ROUTING_KEY: PD_KEY,
      SHIPWATCH_OUTBOUND_PRIVATE_HOSTS: `127.0.0.1:${receiver.port}`,
    });
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([prometheus?.stop(), receiver?.stop()]);
  });

  const gqlOk = async (query: string, input: Record<string, unknown>) => {
    const res = await t.gql(query, { input });
    expect(res.errors).toBeUndefined();
    return res.data!;
  };

  it('refuses a 5,000-character title and a link that is not http(s), storing nothing', async () => {
    const before = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM changes`);
    for (const [pullRequest, field] of [
      [{ title: 't'.repeat(5_000) }, 'pullRequest.title'],
      [{ url: 'javascript:alert(1)' }, 'pullRequest.url'],
      [{ url: 'https://x.test/a|<!channel>' }, 'pullRequest.url'],
      [{ author: 'a'.repeat(201) }, 'pullRequest.author'],
    ] as const) {
      const res = await t.gql(RECORD_CHANGE, {
        input: {
          source: 'ci',
          eventId: `bad-${field}-${JSON.stringify(pullRequest).length}`,
          repository: REPO,
          pullRequest: { id: '1', mergeCommitSha: sha(0xbad), ...pullRequest },
        },
      });
      expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0].extensions?.errors).toEqual(
        expect.arrayContaining([{ field, message: expect.any(String) }]),
      );
    }
    expect(await t.db.dataSource.query(`SELECT count(*)::int AS n FROM changes`)).toEqual(before);
  });

  it('queues explained actions when a release with 1,000 ingested changes fails', async () => {
    // the version running before, at BASE
    await gqlOk(RECORD_DEPLOYMENT, {
      source: 'ci',
      eventId: 'payments-1.9.0',
      deploymentId: 'payments-1.9.0',
      service: 'payments',
      environment: 'production',
      repository: REPO,
      status: 'SUCCEEDED',
      version: '1.9.0',
      commitSha: BASE,
      finishedAt: at(T0 - 4 * 86_400).toISOString(),
    });
    // the policy after it: the version before is not verified
    const saved = await t.gql(
      `mutation($input: SaveVerificationPolicyInput!) { saveVerificationPolicy(input: $input) { id } }`,
      {
        input: {
          service: 'payments',
          environment: 'production',
          mode: 'ENFORCE',
          alertChannels: ['ALERTMANAGER', 'SLACK', 'PAGERDUTY'],
          rollbackTarget: { kind: 'WEBHOOK', url: `${receiver.url}/rollback`, secret: SECRET },
        },
      },
    );
    expect(saved.errors).toBeUndefined();
    // 999 commits pushed to main, every third without an author (as older producers send them)
    const start = T0 - 3 * 86_400;
    await gqlOk(RECORD_CHANGE, {
      source: 'ci',
      eventId: 'push-1',
      repository: REPO,
      before: BASE,
      pushedAt: at(start + PUSHED * 10).toISOString(),
      commits: Array.from({ length: PUSHED }, (_, i) => ({
        sha: sha(i + 1),
        message: `Commit ${i + 1}\n\nbody`,
        committedAt: at(start + i * 10).toISOString(),
        ...(i % 3 === 2 ? {} : { author: `dev${i + 1}` }),
      })),
    });
    // the pull request, its first commit 2 h before the release, and its merge commit pushed
    await gqlOk(RECORD_CHANGE, {
      source: 'ci',
      eventId: 'pr-77',
      repository: REPO,
      pullRequest: {
        id: '77',
        title: INJECTION,
        author: 'bob',
        url: 'https://github.com/acme/payments/pull/77?tab=files&x=1',
        firstCommitAt: at(T0 - 7_200).toISOString(),
        mergedAt: at(T0 - 600).toISOString(),
        mergeCommitSha: MERGE,
      },
    });
    await gqlOk(RECORD_CHANGE, {
      source: 'ci',
      eventId: 'push-2',
      repository: REPO,
      before: sha(PUSHED),
      commits: [{ sha: MERGE, message: 'Merge pull request #77', author: 'web-flow' }],
      pushedAt: at(T0 - 600).toISOString(),
    });
    const recorded = await gqlOk(RECORD_DEPLOYMENT, {
      source: 'ci',
      eventId: 'payments-2.0.0',
      deploymentId: 'payments-2.0.0',
      service: 'payments',
      environment: 'production',
      repository: REPO,
      status: 'SUCCEEDED',
      version: '2.0.0',
      previousVersion: '1.9.0',
      commitSha: MERGE,
      finishedAt: at(T0).toISOString(),
    });
    deployment = (recorded.recordDeployment as { entityId: string }).entityId;
    const [{ n }] = await t.db.dataSource.query(
      `SELECT count(*)::int AS n FROM deployment_changes WHERE deployment_id = $1`,
      [deployment],
    );
    expect(n).toBe(PUSHED + 1);

    const verifications = t.app.get(VerificationService);
    for (let s = T0 + 30; s <= T0 + 150; s += 30) await verifications.runDueTicks(at(s));
    const v = await t.gql(`query($id: ID!) { releaseVerification(deploymentId: $id) { state } }`, {
      id: deployment,
    });
    expect(v.data!.releaseVerification).toEqual({ state: 'FAILED' });
  });

  it('delivers the changeset, authors, lead times, reason and link to every receiver', async () => {
    const dispatcher = t.app.get(OutboxDispatcher);
    expect(await dispatcher.dispatchDue(new Date())).toMatchObject({ delivered: 4, dead: 0 });
    const byPath = (prefix: string) => {
      const found = receiver.requests.filter((r) => r.path.startsWith(prefix));
      expect(found).toHaveLength(1);
      return found[0];
    };
    const [{ reason }] = await t.db.dataSource.query<{ reason: string }[]>(
      `SELECT reason FROM release_verifications WHERE deployment_id = $1`,
      [deployment],
    );
    expect(reason).toMatch(/\S/);
    const evidence = expect.stringContaining(
      `/graphql?query=${encodeURIComponent(`{ releaseVerification(deploymentId: "${deployment}")`)}`,
    );
    // newest first: the pull request (its first commit 2 h before), then the pushed commits
    const newest = {
      sha: MERGE.slice(0, 12),
      pullRequest: '77',
      title: INJECTION,
      url: 'https://github.com/acme/payments/pull/77?tab=files&x=1',
      author: 'bob',
      leadTimeSeconds: 7_200,
      leadTime: '2h',
    };

    const rollback = byPath('/rollback');
    expect(rollback.signatureValid).toBe(true);
    const { explanation } = rollback.json as { explanation: ReleaseExplanation };
    expect(explanation.reason).toBe(reason.replace(/\s+/g, ' ').trim());
    expect(explanation.evidenceUrl).toEqual(evidence);
    expect(explanation.changeset).toMatchObject({
      status: 'FROM_PUSHES',
      total: PUSHED + 1,
      more: PUSHED + 1 - 20,
    });
    const changes = explanation.changeset.changes;
    expect(changes).toHaveLength(20);
    expect(changes[0]).toEqual(newest);
    // commit 999 by dev999? 999 % 3 === 0: i = 998, 998 % 3 === 2, no author
    expect(changes[1]).toEqual({
      sha: sha(999).slice(0, 12),
      pullRequest: null,
      title: 'Commit 999',
      url: null,
      author: null,
      leadTimeSeconds: 3 * 86_400 - 998 * 10,
      leadTime: '2.9d',
    });
    expect(changes[2]).toMatchObject({ title: 'Commit 998', author: 'dev998' });

    const [am] = byPath('/am/api/v2/alerts').json as {
      labels: Record<string, string>;
      annotations: Record<string, string>;
    }[];
    expect(am.labels).toEqual({
      alertname: 'ReleaseVerificationFailed',
      service: 'payments',
      environment: 'production',
      version: '2.0.0',
      previous_version: '1.9.0',
      verdict: 'FAILED',
      severity: 'critical',
      deployment_id: deployment,
    });
    expect(am.annotations.reason).toBe(explanation.reason);
    expect(am.annotations.evidence).toEqual(evidence);
    expect(am.annotations.changeset).toBe('1000 changes (the 20 most recent listed)');
    expect(am.annotations.changes.split('\n').slice(0, 3)).toEqual([
      `#77 ${INJECTION} by bob (${MERGE.slice(0, 12)}), lead time 2h`,
      `Commit 999 by unknown author (${sha(999).slice(0, 12)}), lead time 2.9d`,
      `Commit 998 by dev998 (${sha(998).slice(0, 12)}), lead time 2.9d`,
    ]);
    expect(am.annotations.changes.split('\n').at(-1)).toBe('… and 980 more');

    const slack = byPath('/services/T000/B000/explainedsecret');
    expect(slack.rawBody).not.toMatch(/<!channel>|<https:\/\/evil/);
    const sections = (slack.json as { blocks: { type: string; text?: { text: string } }[] }).blocks
      .filter((b) => b.type === 'section')
      .map((b) => b.text!.text);
    expect(sections[1]).toBe(
      `*Reason:* ${explanation.reason.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}`,
    );
    expect(sections[2]).toContain(
      '• <https://github.com/acme/payments/pull/77?tab=files&amp;x=1|#77 &lt;!channel&gt; *deploy now* &lt;https://evil.test|click&gt; &amp; go> by bob',
    );
    expect(sections[2]).toContain(
      `• Commit 999 by unknown author (\`${sha(999).slice(0, 12)}\`), lead time 2.9d`,
    );
    expect(sections.at(-1)).toBe('… and 980 more');

    const pd = byPath('/v2/enqueue').json as {
      payload: { custom_details: Record<string, unknown> & { changes: unknown[] } };
      links: { href: string; text: string }[];
    };
    expect(pd.payload.custom_details).toMatchObject({
      reason: explanation.reason,
      evidence,
      changeset: '1000 changes (the 20 most recent listed)',
      more_changes: 980,
    });
    expect(pd.payload.custom_details.changes[0]).toEqual({
      pull_request: '77',
      title: INJECTION,
      url: newest.url,
      author: 'bob',
      sha: newest.sha,
      lead_time: '2h',
      lead_time_seconds: 7_200,
    });
    expect(pd.links).toContainEqual({ href: newest.url, text: `#77 ${INJECTION}` });
  });

  it('sends the same explanation on a retry (the outbox keeps the snapshot)', async () => {
    const first = receiver.requests.find((r) => r.path === '/rollback')!;
    // a later push changes what the deployment carries; the queued action does not
    await t.db.dataSource.query(`UPDATE changes SET author = 'someone-else' WHERE sha = $1`, [
      sha(998),
    ]);
    await t.db.dataSource.query(
      `UPDATE remediation_outbox SET status = 'PENDING', next_attempt_at = now() WHERE idempotency_key = $1`,
      [`rollback:${deployment}`],
    );
    const dispatcher = t.app.get(OutboxDispatcher);
    expect(await dispatcher.dispatchDue(new Date())).toMatchObject({ delivered: 1 });
    const again = receiver.requests.filter((r) => r.path === '/rollback');
    expect(again).toHaveLength(2);
    expect(again[1].rawBody).toBe(first.rawBody);
    const retried = (again[1].json as { explanation: ReleaseExplanation }).explanation;
    expect(retried.changeset.changes[2]).toMatchObject({ title: 'Commit 998', author: 'dev998' });
  });
});
