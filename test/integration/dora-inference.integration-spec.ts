import { createHash } from 'node:crypto';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { GITHUB_TEST_SECRET, githubExample, signedGithub } from '../support/webhooks.js';
import { DORA_QUERY, sqlReport } from './dora-support.js';

/**
 * Inferred change failures from an unlabelled GitHub history, sent only as real GitHub webhook
 * payloads (@octokit/webhooks-examples, with ids, SHAs, times and texts of this history): no
 * deployment carries a kind or names what it remediates. Every expected figure is computed by
 * hand below, and checked through GraphQL and through the SQL Grafana reads, for the history
 * sent in order and for the same history sent in reverse with duplicated deliveries.
 *
 * Production history of one service (Mon 2026-11-02, UTC):
 *
 * | deployment | sha | finished | what the payloads say                                  | inferred                       |
 * | d1         | c0  | 09:10    | first deployment seen                                  | seed                           |
 * | d2         | c1  | 11:20    | PR #1 "Add cart" (c1 committed 10:00)                  | failed: rolled back, reverted  |
 * | d3         | c0  | 11:50    | c0 again: it ran before d2's release did               | ROLLBACK of d2                 |
 * | d4         | c1  | 13:10    | c1 again, a roll forward (c1 first ran after c0)       | planned; c1 ALREADY_DEPLOYED   |
 * | d5         | c3  | 14:40    | PR #3 'Revert "Add cart"' (c3 14:00, "This reverts commit c1") | REVERT of d2 ; failed: hotfixed |
 * | d6         | c4  | 15:30    | PR #4 label hotfix, branch hotfix/checkout (c4 15:00)  | HOTFIX of d5 ; failed: reverted |
 * | d7         | c5  | 16:30    | PR #5 'Revert "Fix checkout crash"', label hotfix (c5 16:00) | REVERT of d6 (revert wins)  |
 *
 * Staging gets c1 at 10:50 and c0 at 11:30 (a staging "rollback"): none of it is production.
 */

const DAY = '2026-11-02';
const at = (hhmm: string) => `${DAY}T${hhmm}:00Z`;
const unix = (hhmm: string) => Date.parse(at(hhmm)) / 1000;

interface Delivery {
  readonly event: string;
  readonly payload: Record<string, unknown>;
  readonly delivery: string;
}

/** The whole history of one repository (= service), as GitHub would deliver it. */
function history(
  repo: string,
  idBase: number,
): { deliveries: Delivery[]; sha: (label: string) => string } {
  const fullName = `Codertocat/${repo}`;
  const sha = (label: string) => createHash('sha1').update(`${repo}:${label}`).digest('hex');
  const withRepo = (p: Record<string, unknown>, pushedAt?: number) => {
    const r = p.repository as Record<string, unknown>;
    r.full_name = fullName;
    r.name = repo;
    r.html_url = `https://github.com/${fullName}`;
    if (pushedAt !== undefined) r.pushed_at = pushedAt;
    return p;
  };
  let n = 0;
  const id = (kind: string) => `${repo}-${kind}-${++n}`;
  const out: Delivery[] = [];

  const push = (label: string, parent: string | null, hhmm: string, message: string) => {
    const p = withRepo(
      githubExample('push', (x) => (x.commits as unknown[]).length === 1),
      unix(hhmm) + 60,
    );
    const commit = (p.commits as Record<string, unknown>[])[0];
    commit.id = sha(label);
    commit.message = message;
    commit.timestamp = at(hhmm);
    p.before = parent ? sha(parent) : '0'.repeat(40);
    p.after = sha(label);
    p.head_commit = commit;
    out.push({ event: 'push', payload: p, delivery: id('push') });
  };
  const merged = (
    number: number,
    label: string,
    hhmm: string,
    pr: { title: string; body?: string; branch: string; labels?: string[] },
  ) => {
    const p = withRepo(githubExample('pull_request', (x) => x.action === 'closed'));
    const o = p.pull_request as Record<string, unknown>;
    o.number = number;
    o.merged = true;
    o.merged_at = at(hhmm);
    // opened (as far as this history says) when it merged: the example's 2019 opening would
    // start its change years early; lead times stay measured from the commits
    o.created_at = at(hhmm);
    o.merge_commit_sha = sha(label);
    o.title = pr.title;
    o.body = pr.body ?? null;
    (o.head as Record<string, unknown>).ref = pr.branch;
    o.labels = (pr.labels ?? []).map((name, i) => ({ id: 1000 + i, name, color: 'd73a4a' }));
    out.push({ event: 'pull_request', payload: p, delivery: id('pr') });
  };
  const deploy = (dep: number, label: string, env: string, created: string, done: string) => {
    const d = withRepo(githubExample('deployment'));
    const o = d.deployment as Record<string, unknown>;
    Object.assign(o, {
      id: idBase + dep,
      sha: sha(label),
      environment: env,
      created_at: at(created),
    });
    out.push({ event: 'deployment', payload: d, delivery: id('deployment') });
    const s = withRepo(
      githubExample('deployment_status', (x) => x.deployment_status !== undefined),
    );
    Object.assign(s.deployment as Record<string, unknown>, structuredClone(o));
    Object.assign(s.deployment_status as Record<string, unknown>, {
      state: 'success',
      created_at: at(done),
      updated_at: at(done),
    });
    out.push({ event: 'deployment_status', payload: s, delivery: id('status') });
  };

  push('c0', null, '08:00', 'Initial commit');
  deploy(1, 'c0', 'production', '09:00', '09:10');
  push('c1', 'c0', '10:00', 'Add cart (#1)');
  merged(1, 'c1', '10:30', { title: 'Add cart', branch: 'feature/cart' });
  deploy(101, 'c1', 'staging', '10:45', '10:50');
  deploy(2, 'c1', 'production', '11:00', '11:20');
  deploy(102, 'c0', 'staging', '11:25', '11:30');
  deploy(3, 'c0', 'production', '11:40', '11:50');
  deploy(4, 'c1', 'production', '13:00', '13:10');
  push('c3', 'c1', '14:00', `Revert "Add cart"\n\nThis reverts commit ${sha('c1')}.`);
  merged(3, 'c3', '14:10', {
    title: 'Revert "Add cart"',
    body: `Reverts ${fullName}#1`,
    branch: 'revert-1-feature/cart',
  });
  deploy(5, 'c3', 'production', '14:30', '14:40');
  push('c4', 'c3', '15:00', 'Fix checkout crash (#4)');
  merged(4, 'c4', '15:05', {
    title: 'Fix checkout crash',
    branch: 'hotfix/checkout',
    labels: ['hotfix', 'bug'],
  });
  deploy(6, 'c4', 'production', '15:20', '15:30');
  push('c5', 'c4', '16:00', 'Revert "Fix checkout crash" (#5)');
  merged(5, 'c5', '16:05', {
    title: 'Revert "Fix checkout crash"',
    body: `Reverts ${fullName}#4`,
    branch: 'hotfix/revert-checkout',
    labels: ['hotfix'],
  });
  deploy(7, 'c5', 'production', '16:20', '16:30');
  return { deliveries: out, sha };
}

/** The figures of the production week, computed by hand from the table above. */
const EXPECTED_WINDOW = {
  deploymentFrequency: { deployments: 7, perDay: 1, deploymentDays: 1, notReachedUsers: 0 },
  // c1 on d2 11:20 − 10:00 = 4800; c3 on d5 14:40 − 14:00 = 2400; c4 on d6 1800; c5 on d7 1800.
  // Sorted 1800, 1800, 2400, 4800: p50 at rank 1.5 = 2100, p75 at 2.25 = 3000, p90 at 2.7 = 4080.
  // c0 on d1: NO_PREDECESSOR; c1 on d4: ALREADY_DEPLOYED; d3 (rollback) carries nothing.
  changeLeadTime: { p50Seconds: 2100, p75Seconds: 3000, p90Seconds: 4080, count: 4, excluded: 2 },
  // d2 (rolled back by d3, reverted by d5), d5 (hotfixed by d6), d6 (reverted by d7): 3 of 7,
  // all on inferred evidence.
  changeFailureRate: { failed: 3, total: 7, ratio: 3 / 7, ratioExplicit: 0, suspected: 0 },
  // d2: 11:20 → d3 11:50 = 1800; d5: 14:40 → d6 15:30 = 3000; d6: 15:30 → d7 16:30 = 3600.
  // p50 = 3000; p90 at rank 1.8 = 3000 + 0.8 × 600 = 3480.
  failedDeploymentRecoveryTime: {
    p50Seconds: 3000,
    p90Seconds: 3480,
    count: 3,
    failedNotRecovered: 0,
  },
  // d3 ROLLBACK, d5 REVERT, d6 HOTFIX, d7 REVERT.
  deploymentReworkRate: { reworked: 4, total: 7, ratio: 4 / 7, ratioExplicit: 0 },
  // d1's changeset is unknown (a seed); d3's is the known, empty changeset of a rollback.
  dataQuality: {
    deploymentsWithKnownChangeset: 6,
    knownChangesetShare: 6 / 7,
    failedInferred: 3,
    reworkedInferred: 4,
  },
};

const approx = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? expect.closeTo(v, 6) : v]),
  );

describe('inferred change failures from an unlabelled GitHub history', () => {
  let t: TestApp;
  const inOrder = history('shop', 0);
  const replayed = history('shop-replay', 1000);

  const send = (d: Delivery) => {
    const s = signedGithub(d.event, d.payload, d.delivery);
    return request(t.http).post('/webhooks/github').set(s.headers).send(s.body);
  };

  /** What each delivery got back: `<delivery> <status> <result>`. */
  const outcomes: string[] = [];
  const expectedOutcomes: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ GITHUB_WEBHOOK_SECRET: GITHUB_TEST_SECRET });
    const record = async (d: Delivery, expected: string) => {
      const res = await send(d);
      outcomes.push(`${d.delivery} ${res.status} ${(res.body as { result?: string }).result}`);
      expectedOutcomes.push(`${d.delivery} 200 ${expected}`);
    };
    for (const d of inOrder.deliveries) await record(d, 'ACCEPTED');
    // The same history in reverse, every delivery sent twice: the second is a duplicate.
    for (const d of [...replayed.deliveries].reverse()) {
      await record(d, 'ACCEPTED');
      await record(d, 'DUPLICATE');
    }
  });
  afterAll(async () => {
    await t.close();
  });

  const week = { from: '2026-11-02T00:00:00Z', to: '2026-11-09T00:00:00Z' };

  it('accepts every delivery once and acknowledges each repeat as a duplicate', () => {
    expect(outcomes).toEqual(expectedOutcomes);
  });

  it.each(['shop', 'shop-replay'])('%s: every figure matches the hand computation', async (svc) => {
    const res = await t.gql(
      DORA_QUERY.replace('dataQuality {', 'dataQuality { failedInferred reworkedInferred ')
        .replace('changeFailureRate { ratio', 'changeFailureRate { ratioExplicit ratio')
        .replace('deploymentReworkRate { ratio', 'deploymentReworkRate { ratioExplicit ratio'),
      { filter: { ...week, services: [svc] } },
    );
    expect(res.errors).toBeUndefined();
    const window = (res.data!.doraMetrics as { window: Record<string, Record<string, unknown>> })
      .window;
    for (const [figure, expected] of Object.entries(EXPECTED_WINDOW))
      expect({ figure, ...window[figure] }).toMatchObject({ figure, ...approx(expected) });

    // Grafana: dora_report, dora_inference_quality and dora_failed_deployments.
    const [row] = (await sqlReport(t.db.dataSource, { ...week, services: [svc] })).filter(
      (r) => r.scope === 'WINDOW',
    );
    expect(row).toMatchObject({
      deployments: 7,
      lead_time_p50_seconds: 2100,
      lead_time_p90_seconds: expect.closeTo(4080, 9),
      failed: 3,
      change_failure_rate: expect.closeTo(3 / 7, 9),
      recovery_p50_seconds: 3000,
      reworked: 4,
      changesets_known: 6,
    });
    const [quality] = await t.db.dataSource.query(
      `SELECT failed_inferred, reworked_inferred FROM dora_inference_quality($1, $2, 'UTC', 'week',
         'production', $3) WHERE bucket_index = 0`,
      [week.from, week.to, [svc]],
    );
    expect(quality).toEqual({ failed_inferred: 3, reworked_inferred: 4 });
    const failed = await t.db.dataSource.query(
      `SELECT (external_id::int % 1000)::text AS external_id, failure_evidence, failure_attribution,
              recovery_seconds
       FROM dora_failed_deployments WHERE service = $1 ORDER BY finished_at`,
      [svc],
    );
    expect(failed).toEqual([
      {
        external_id: '2',
        failure_evidence: ['INFERRED_REVERT', 'INFERRED_ROLLBACK'],
        failure_attribution: 'INFERRED',
        recovery_seconds: 1800,
      },
      {
        external_id: '5',
        failure_evidence: ['INFERRED_HOTFIX'],
        failure_attribution: 'INFERRED',
        recovery_seconds: 3000,
      },
      {
        external_id: '6',
        failure_evidence: ['INFERRED_REVERT'],
        failure_attribution: 'INFERRED',
        recovery_seconds: 3600,
      },
    ]);
  });

  it('staging noise stays out of production, and staging is never inferred', async () => {
    const rows = await t.db.dataSource.query(
      `SELECT d.external_id, d.inferred_kind FROM deployments d
       JOIN environments e ON e.id = d.environment_id JOIN services s ON s.id = d.service_id
       WHERE e.tier = 'staging' AND s.name = 'shop' ORDER BY d.external_id`,
    );
    expect(rows).toEqual([
      { external_id: '101', inferred_kind: null },
      { external_id: '102', inferred_kind: null },
    ]);
  });

  it('deployment(id) shows each inference with its evidence and what it remediates', async () => {
    const ids = await t.db.dataSource.query<{ id: string; external_id: string }[]>(
      `SELECT d.id, d.external_id FROM deployments d JOIN services s ON s.id = d.service_id
       WHERE s.name = 'shop' AND d.external_id IN ('3', '4', '5', '6', '7')`,
    );
    const byExternal = new Map(ids.map((r) => [r.external_id, String(r.id)]));
    const read = async (externalId: string) => {
      const res = await t.gql(
        `query($id: ID!) { deployment(id: $id) {
           kind effectiveKind changesetStatus
           inference { rule kind attribution reason }
           remediates { kind source id attribution rule } } }`,
        { id: byExternal.get(externalId) },
      );
      expect(res.errors).toBeUndefined();
      return res.data!.deployment as Record<string, unknown>;
    };
    const source = 'github';
    expect(await read('3')).toEqual({
      kind: 'PLANNED',
      effectiveKind: 'ROLLBACK',
      changesetStatus: 'ROLLBACK',
      inference: {
        rule: 'ROLLBACK',
        kind: 'ROLLBACK',
        attribution: 'INFERRED',
        reason: `release ${inOrder.sha('c0')} ran before (deployment ${source}/1) and differs from the previous deployment's: a rollback of ${source}/2`,
      },
      remediates: [
        { kind: 'DEPLOYMENT', source, id: '2', attribution: 'INFERRED', rule: 'ROLLBACK' },
      ],
    });
    expect(await read('4')).toMatchObject({
      effectiveKind: 'PLANNED',
      inference: null,
      remediates: [],
    });
    expect(await read('5')).toMatchObject({
      effectiveKind: 'REVERT',
      inference: {
        rule: 'REVERT',
        reason: `pull request #3 reverts #1; pull request #3 reverts ${inOrder.sha('c1').slice(0, 12)}, first shipped by ${source}/2`,
      },
      remediates: [{ id: '2', attribution: 'INFERRED', rule: 'REVERT' }],
    });
    expect(await read('6')).toMatchObject({
      effectiveKind: 'HOTFIX',
      inference: { rule: 'HOTFIX', reason: expect.stringContaining('label "hotfix"') },
      remediates: [{ id: '5', rule: 'HOTFIX' }],
    });
    // A pull request that is both a revert and a hotfix is a revert.
    expect(await read('7')).toMatchObject({
      effectiveKind: 'REVERT',
      remediates: [{ id: '6', rule: 'REVERT' }],
    });
  });

  const cfr = async (svc: string) => {
    const res = await t.gql(
      `query($filter: DoraMetricsFilter!) { doraMetrics(filter: $filter) { window {
         changeFailureRate { failed ratioExplicit } deploymentReworkRate { reworked }
         dataQuality { failedInferred } } } }`,
      { filter: { ...week, services: [svc] } },
    );
    expect(res.errors).toBeUndefined();
    return (res.data!.doraMetrics as { window: Record<string, unknown> }).window;
  };

  it('per-service rules are editable through the API and recompute the figures', async () => {
    const set = (input: Record<string, unknown>, token?: string | null) =>
      t.gql(
        `mutation($input: SetInferenceRulesInput!) { setInferenceRules(input: $input) {
           custom hotfixes hotfixLabels hotfixBranchPrefixes } }`,
        { input },
        token,
      );
    const defaults = await t.gql(
      `{ inferenceRules(service: "shop-replay") { custom hotfixLabels hotfixBranchPrefixes hotfixTitlePatterns } }`,
    );
    expect(defaults.data).toEqual({
      inferenceRules: {
        custom: false,
        hotfixLabels: ['hotfix'],
        hotfixBranchPrefixes: ['hotfix/', 'hotfix-'],
        hotfixTitlePatterns: ['[hotfix]', 'hotfix:'],
      },
    });
    // Without the hotfix rule d6 is planned work, so d5 did not fail.
    const off = await set({ service: 'shop-replay', hotfixes: false });
    expect(off.data).toEqual({
      setInferenceRules: {
        custom: true,
        hotfixes: false,
        hotfixLabels: ['hotfix'],
        hotfixBranchPrefixes: ['hotfix/', 'hotfix-'],
      },
    });
    expect(await cfr('shop-replay')).toEqual({
      changeFailureRate: { failed: 2, ratioExplicit: 0 },
      deploymentReworkRate: { reworked: 3 },
      dataQuality: { failedInferred: 2 },
    });
    // A label of this team's own, matching nothing in the history: same figures.
    await set({
      service: 'shop-replay',
      hotfixLabels: ['sev1-fix'],
      hotfixBranchPrefixes: ['fix/'],
    });
    expect((await cfr('shop-replay')).changeFailureRate).toEqual({ failed: 2, ratioExplicit: 0 });
    await set({ service: 'shop-replay' });
    expect((await cfr('shop-replay')).changeFailureRate).toEqual({ failed: 3, ratioExplicit: 0 });

    const bad = await set({ service: 'shop-replay', hotfixTitlePatterns: ['  '] });
    expect(bad.errors?.[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT' },
      message: expect.stringContaining('hotfixTitlePatterns[0] is empty'),
    });
    expect((await set({ service: 'nope' })).errors?.[0].extensions?.code).toBe('SERVICE_NOT_FOUND');
    const created = await t.gql(
      'mutation { createApiToken(input: { name: "reader", scopes: [READ] }) { token } }',
    );
    const reader = (created.data!.createApiToken as { token: string }).token;
    expect((await set({ service: 'shop-replay' }, reader)).errors?.[0].extensions?.code).toBe(
      'FORBIDDEN',
    );
  });

  it('an explicit label wins over inference and counts as EXPLICIT', async () => {
    // d3 is labelled a rollback afterwards (payload.kind, a Shipwatch convention).
    const d = githubExample('deployment');
    Object.assign(d.repository as Record<string, unknown>, {
      full_name: 'Codertocat/shop',
      name: 'shop',
    });
    Object.assign(d.deployment as Record<string, unknown>, {
      id: 3,
      sha: inOrder.sha('c0'),
      environment: 'production',
      created_at: at('11:40'),
      payload: { kind: 'rollback' },
    });
    expect((await send({ event: 'deployment', payload: d, delivery: 'label-d3' })).status).toBe(
      200,
    );
    const [row] = await t.db.dataSource.query(
      `SELECT d.kind, d.inferred_kind, d.changeset_status FROM deployments d
       JOIN services s ON s.id = d.service_id WHERE s.name = 'shop' AND d.external_id = '3'`,
    );
    expect(row).toEqual({ kind: 'ROLLBACK', inferred_kind: null, changeset_status: 'ROLLBACK' });
    // d2 still failed, now on explicit evidence (a labelled rollback replaced it).
    expect(await cfr('shop')).toEqual({
      changeFailureRate: { failed: 3, ratioExplicit: 1 / 7 },
      deploymentReworkRate: { reworked: 4 },
      dataQuality: { failedInferred: 2 },
    });
  });
});
