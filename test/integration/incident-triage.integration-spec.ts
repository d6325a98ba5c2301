import { resetData, startTestApp, type TestApp } from '../support/test-app.js';
import {
  DORA_QUERY,
  figuresOfPeriod,
  figuresOfRow,
  sqlReport,
  staleFacts,
} from './dora-support.js';
import type { GqlPeriod } from './dora-support.js';

/**
 * Incident triage through GraphQL (docs/dora.md, "Incident triage"): the suspected links are
 * listed, a person confirms or rejects them with an audit entry, confirmed links count in the
 * change failure rate, a `causedBy` naming an unknown deployment stays unresolved (counted
 * nowhere, not hiding the window suspicion) until the deployment arrives.
 *
 * One week of `checkout` in production (UTC), sent as events:
 *
 * | deployment | finished      |
 * | ---------- | ------------- |
 * | d1         | Mon 09:00     |
 * | d2         | Mon 12:00     |
 * | d3         | Tue 15:00     |
 * | d4         | Wed 10:00     |
 * | d9         | Tue 15:30 (sent last, after the incident that names it) |
 *
 * | incident | detected  | resolved  | names  |
 * | -------- | --------- | --------- | ------ |
 * | i1       | Mon 12:30 | Mon 13:00 | -      | in d2's window (d2 12:00 .. d3 Tue 15:00)
 * | i2       | Tue 16:00 | Tue 17:00 | d9     | in d3's window; d9 unknown at first
 * | i3       | Wed 10:30 | -         | -      | in d4's window
 */
const DAY = '2026-03-0';
const at = (day: number, time: string) => `${DAY}${day}T${time}:00Z`;
const WEEK = { from: '2026-03-02T00:00:00Z', to: '2026-03-09T00:00:00Z', granularity: 'WEEK' };

const TRIAGE = `query Triage($status: [TriageStatus!]) {
  incidentTriage(since: "2026-03-01T00:00:00Z", until: "2026-03-09T00:00:00Z", status: $status) {
    status reason deploymentSource deploymentExternalId
    incident { externalId }
    deployment { id externalId }
  }
}`;
const CONFIRM = `mutation C($input: ReviewIncidentCauseInput!) {
  confirmIncidentCause(input: $input) {
    id incidentId deploymentSource deploymentExternalId decision previousAttribution attribution
    reason actor actorName reviewedAt
  }
}`;
const REJECT = CONFIRM.replace('confirmIncidentCause', 'rejectIncidentCause');
const REVIEWS = `query R { incidents(first: 10) { edges { node { externalId
  causedBy { deploymentExternalId attribution resolved }
  causeReviews { decision previousAttribution attribution reason actor actorName reviewedAt deploymentExternalId } } } } }`;

type Window = GqlPeriod & {
  changeFailureRate: { ratio: number | null; failed: number; suspected: number };
};

describe('incident triage', () => {
  let t: TestApp;
  let triageToken: string;
  let triageTokenId: string;
  let readToken: string;
  const ids = new Map<string, string>();

  const ok = async (query: string, variables?: Record<string, unknown>, token?: string) => {
    const res = await t.gql(query, variables, token);
    expect(res.errors).toBeUndefined();
    return res.data!;
  };
  const deployment = async (id: string, finishedAt: string) => {
    const data = await ok(
      `mutation D($input: DeploymentInput!) { recordDeployment(input: $input) { result entityId } }`,
      {
        input: {
          source: 'ci',
          eventId: `dep-${id}`,
          deploymentId: id,
          service: 'checkout',
          team: 'payments',
          environment: 'production',
          status: 'SUCCEEDED',
          version: `v-${id}`,
          finishedAt,
        },
      },
    );
    ids.set(id, (data.recordDeployment as { entityId: string }).entityId);
  };
  const incident = async (
    id: string,
    fields: Record<string, unknown>,
    eventId = `inc-${id}`,
  ): Promise<void> => {
    const data = await ok(
      `mutation I($input: IncidentInput!) { recordIncident(input: $input) { result entityId } }`,
      {
        input: {
          source: 'pager',
          eventId,
          incidentId: id,
          services: [{ name: 'checkout' }],
          environment: 'production',
          ...fields,
        },
      },
    );
    ids.set(id, (data.recordIncident as { entityId: string }).entityId);
  };
  const report = async (): Promise<Window> => {
    const data = await ok(DORA_QUERY, { filter: WEEK });
    const r = data.doraMetrics as { window: Window; buckets: GqlPeriod[] };
    // Grafana's SQL gives the same figures, and the stored facts are those the definitions give.
    const rows = await sqlReport(t.db.dataSource, WEEK);
    expect(rows.map(figuresOfRow)).toEqual([r.window, ...r.buckets].map(figuresOfPeriod));
    expect(await staleFacts(t.db.dataSource)).toEqual([]);
    return r.window;
  };
  /** Each link as `incident/deployment STATUS REASON` (`?` after a deployment not seen yet). */
  const triage = async (status?: string[]) =>
    ((await ok(TRIAGE, { status })).incidentTriage as Record<string, unknown>[]).map(
      (i) =>
        `${(i.incident as { externalId: string }).externalId}/${String(i.deploymentExternalId)}${
          i.deployment === null ? '?' : ''
        } ${String(i.status)} ${String(i.reason)}`,
    );
  const reviews = async () =>
    Number(
      (await t.db.dataSource.query(`SELECT count(*)::int AS n FROM incident_cause_reviews`))[0].n,
    );

  beforeAll(async () => {
    t = await startTestApp();
    await resetData(t.db);
    const created = await ok(
      `mutation T($input: CreateApiTokenInput!) { createApiToken(input: $input) { token apiToken { id } } }`,
      { input: { name: 'oncall-alice', scopes: ['TRIAGE', 'READ'] } },
    );
    const c = created.createApiToken as { token: string; apiToken: { id: string } };
    triageToken = c.token;
    triageTokenId = c.apiToken.id;
    const read = await ok(
      `mutation T($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }`,
      { input: { name: 'dashboard', scopes: ['READ'] } },
    );
    readToken = (read.createApiToken as { token: string }).token;

    await deployment('d1', at(2, '09:00'));
    await deployment('d2', at(2, '12:00'));
    await deployment('d3', at(3, '15:00'));
    await deployment('d4', at(4, '10:00'));
    await incident('i1', { detectedAt: at(2, '12:30'), resolvedAt: at(2, '13:00') });
    await incident('i2', {
      detectedAt: at(3, '16:00'),
      resolvedAt: at(3, '17:00'),
      causedBy: [{ source: 'ci', id: 'd9' }],
    });
    await incident('i3', { detectedAt: at(4, '10:30') });
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists the suspected and unresolved links; an unresolved cause is not attributed and hides no suspicion', async () => {
    expect(await triage()).toEqual([
      'i3/d4 SUSPECTED INCIDENT_IN_WINDOW',
      'i2/d3 SUSPECTED INCIDENT_IN_WINDOW',
      'i2/d9? UNRESOLVED NAMED_BY_EVENT',
      'i1/d2 SUSPECTED INCIDENT_IN_WINDOW',
    ]);
    // 4 deployments; nothing failed; d2, d3, d4 suspected (d3 although i2 names d9, unknown).
    const w = await report();
    expect(w.changeFailureRate).toMatchObject({ ratio: 0, failed: 0, total: 4, suspected: 3 });
    expect(w.changeFailureRate).toMatchObject({ ratioWithSuspected: 0.75 });
    // i2's cause names no known deployment: not attributed; all three are only inferred.
    expect(w.dataQuality).toMatchObject({
      incidents: 3,
      incidentsAttributed: 0,
      incidentsAttributedOrInferred: 3,
      attributedIncidentShare: 0,
    });
    const data = await ok(REVIEWS);
    const i2 = (data.incidents as { edges: { node: Record<string, unknown> }[] }).edges
      .map((e) => e.node)
      .find((n) => n.externalId === 'i2')!;
    expect(i2.causedBy).toEqual([
      { deploymentExternalId: 'd9', attribution: 'EXPLICIT', resolved: false },
    ]);
  });

  it('refuses decisions without the triage scope, on unknown ids, without a reason; nothing is stored', async () => {
    const input = {
      incidentId: ids.get('i1'),
      deploymentId: ids.get('d2'),
      reason: 'release broke it',
    };
    const forbidden = await t.gql(CONFIRM, { input }, readToken);
    expect(forbidden.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    // The triage scope decides; it does not ingest.
    const ingest = await t.gql(
      `mutation I($input: IncidentInput!) { recordIncident(input: $input) { result } }`,
      { input: { source: 'x', eventId: 'x', incidentId: 'x' } },
      triageToken,
    );
    expect(ingest.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    for (const [bad, code] of [
      [{ ...input, incidentId: '999999' }, 'INCIDENT_NOT_FOUND'],
      [{ ...input, incidentId: 'abc' }, 'INCIDENT_NOT_FOUND'],
      [{ ...input, deploymentId: '999999' }, 'DEPLOYMENT_NOT_FOUND'],
      [{ ...input, deploymentId: '1; DROP TABLE deployments' }, 'DEPLOYMENT_NOT_FOUND'],
      [{ ...input, reason: '   ' }, 'BAD_USER_INPUT'],
      [{ ...input, reason: 'x'.repeat(2001) }, 'BAD_USER_INPUT'],
    ] as const) {
      const res = await t.gql(CONFIRM, { input: bad }, triageToken);
      expect([res.status, res.errors?.[0].extensions?.code]).toEqual([expect.any(Number), code]);
      expect(res.status).toBeLessThan(500);
    }
    expect(await reviews()).toBe(0);
    expect(await triage()).toHaveLength(4);
  });

  it('a confirmed cause counts in the change failure rate (CONFIRMED), with its audit entry', async () => {
    const data = await ok(
      CONFIRM,
      {
        input: {
          incidentId: ids.get('i1'),
          deploymentId: ids.get('d2'),
          reason: ' the 12:00 release broke checkout ',
        },
      },
      triageToken,
    );
    expect(data.confirmIncidentCause).toMatchObject({
      incidentId: ids.get('i1'),
      deploymentSource: 'ci',
      deploymentExternalId: 'd2',
      decision: 'CONFIRMED',
      previousAttribution: null,
      attribution: 'CONFIRMED',
      reason: 'the 12:00 release broke checkout',
      actor: `token:${triageTokenId}`,
      actorName: 'oncall-alice',
    });
    // d2 failed (confirmed); d3, d4 still suspected. CFR 1/4, with suspected 3/4.
    // Recovery of d2: 12:00 (finish; i1 gives no impact start) to i1 resolved 13:00 = 3600 s.
    const w = await report();
    expect(w.changeFailureRate).toMatchObject({ ratio: 0.25, failed: 1, total: 4, suspected: 2 });
    expect(w.changeFailureRate).toMatchObject({ ratioWithSuspected: 0.75 });
    expect(w.failedDeploymentRecoveryTime).toMatchObject({ p50Seconds: 3600, count: 1 });
    expect(w.dataQuality).toMatchObject({
      incidentsAttributed: 1,
      incidentsAttributedOrInferred: 3,
    });
    const [failed] = await t.db.dataSource.query(
      `SELECT failure_attribution, failure_evidence FROM dora_failed_deployments WHERE external_id = 'd2'`,
    );
    expect(failed).toEqual({
      failure_attribution: 'CONFIRMED',
      failure_evidence: ['CAUSED_INCIDENT'],
    });
  });

  it('a rejected link counts nowhere and ends the window suspicion of that pair', async () => {
    await ok(
      REJECT,
      {
        input: {
          incidentId: ids.get('i3'),
          deploymentId: ids.get('d4'),
          reason: 'payment provider outage',
        },
      },
      triageToken,
    );
    // d4 no longer suspected: only d3 (i2). i3 is now unattributed: i1 attributed, i2 inferred.
    const w = await report();
    expect(w.changeFailureRate).toMatchObject({ ratio: 0.25, failed: 1, suspected: 1 });
    expect(w.changeFailureRate).toMatchObject({ ratioWithSuspected: 0.5 });
    expect(w.dataQuality).toMatchObject({
      incidentsAttributed: 1,
      incidentsAttributedOrInferred: 2,
    });
    expect(await triage()).toEqual([
      'i2/d3 SUSPECTED INCIDENT_IN_WINDOW',
      'i2/d9? UNRESOLVED NAMED_BY_EVENT',
    ]);
    expect(await triage(['CONFIRMED', 'REJECTED'])).toEqual([
      'i3/d4 REJECTED REVIEWED',
      'i1/d2 CONFIRMED REVIEWED',
    ]);
  });

  it('an unresolved cause resolves when its deployment arrives: it fails explicitly and ends the window suspicion', async () => {
    await deployment('d9', at(3, '15:30'));
    // d9 failed (i2 names it); d3 is no longer suspected (i2 has a known cause, and d3's window
    // closed at d9). 5 deployments: d2 (confirmed) and d9 (explicit) failed: 2/5.
    // Recoveries: d2 3600 s; d9 15:30 -> i2 resolved 17:00 = 5400 s: p50 4500, p90 5220.
    const w = await report();
    expect(w.changeFailureRate).toMatchObject({ ratio: 0.4, failed: 2, total: 5, suspected: 0 });
    expect(w.failedDeploymentRecoveryTime).toMatchObject({
      p50Seconds: 4500,
      p90Seconds: 5220,
      count: 2,
      failedNotRecovered: 0,
    });
    expect(w.dataQuality).toMatchObject({
      incidentsAttributed: 2,
      incidentsAttributedOrInferred: 2,
    });
    expect(await triage()).toEqual([]);
  });

  it('refuses to reject a cause the incident’s events name; those win over a rejection later too', async () => {
    const before = await reviews();
    const res = await t.gql(
      REJECT,
      { input: { incidentId: ids.get('i2'), deploymentId: ids.get('d9'), reason: 'not it' } },
      triageToken,
    );
    expect(res.errors?.[0].extensions?.code).toBe('INCIDENT_CAUSE_EXPLICIT');
    expect(res.status).toBe(200);
    expect(await reviews()).toBe(before);

    // The pager now names d4 for i3: the event's explicit cause replaces the rejection.
    await incident(
      'i3',
      { detectedAt: at(4, '10:30'), causedBy: [{ source: 'ci', id: 'd4' }] },
      'inc-i3-2',
    );
    const w = await report();
    expect(w.changeFailureRate).toMatchObject({ ratio: 0.6, failed: 3, total: 5 });
    expect(w.failedDeploymentRecoveryTime).toMatchObject({ failedNotRecovered: 1 });

    // The audit keeps every decision: who, when, why.
    const data = await ok(REVIEWS, undefined, triageToken);
    const nodes = (data.incidents as { edges: { node: Record<string, unknown> }[] }).edges.map(
      (e) => e.node,
    );
    const byId = new Map(nodes.map((n) => [n.externalId, n]));
    expect(byId.get('i3')!.causedBy).toEqual([
      { deploymentExternalId: 'd4', attribution: 'EXPLICIT', resolved: true },
    ]);
    expect(byId.get('i3')!.causeReviews).toEqual([
      {
        decision: 'REJECTED',
        previousAttribution: null,
        attribution: 'REJECTED',
        reason: 'payment provider outage',
        actor: `token:${triageTokenId}`,
        actorName: 'oncall-alice',
        reviewedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        deploymentExternalId: 'd4',
      },
    ]);
    expect(byId.get('i1')!.causeReviews).toEqual([
      expect.objectContaining({ decision: 'CONFIRMED', deploymentExternalId: 'd2' }),
    ]);
    expect(byId.get('i2')!.causeReviews).toEqual([]);
  });
});
