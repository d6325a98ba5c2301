import { startTestApp, type TestApp } from '../support/test-app.js';
import { sqlReport } from './dora-support.js';

/**
 * Every failure and rework figure filtered by attribution (docs/dora.md), through GraphQL and
 * through the SQL Grafana reads (dora_report, dora_service_summary, dora_failed_deployments).
 * Every expected figure is computed by hand below.
 *
 * Production history of the service `pay` (Monday 2026-03-02, UTC):
 *
 * | deployment | version | finished | what the events say                          | failed (attribution) | rework     |
 * | d1         | v1      | 09:00    | first deployment                             |                      |            |
 * | d2         | v2      | 10:00    |                                              | EXPLICIT (d3 names it)|           |
 * | d3         | v1      | 11:00    | kind ROLLBACK, remediates d2                 |                      | EXPLICIT   |
 * | d4         | v3      | 12:00    | incident i1 (12:10–12:40) names no cause;    | CONFIRMED            |            |
 * |            |         |          | a person confirms d4 (confirmIncidentCause)  |                      |            |
 * | d5         | v4      | 13:00    |                                              | INFERRED (d6)        |            |
 * | d6         | v3      | 13:40    | v3 again: it ran before v4 did               |                      | INFERRED   |
 * | d7         | v5      | 15:00    | incident i2 (15:10, open) names it           | EXPLICIT, unrecovered|            |
 *
 * Recoveries: d2 10:00 → d3 11:00 = 3600 s; d4 from its impact start 12:10 → i1 resolved 12:40 =
 * 1800 s; d5 13:00 → d6 13:40 = 2400 s; d7 not recovered.
 */

const at = (hhmm: string) => `2026-03-02T${hhmm}:00Z`;
const week = { from: '2026-03-02T00:00:00Z', to: '2026-03-09T00:00:00Z' };
let seq = 0;

/** The figures of the week for one attribution list, computed by hand from the table above. */
const EXPECTED: Record<string, Figures> = {
  // failed d2, d4, d5, d7 of 7; recoveries 1800, 2400, 3600: p50 2400, p90 at rank 1.8 =
  // 2400 + 0.8 × 1200 = 3360; rework d3, d6.
  all: {
    failed: 4,
    ratio: 4 / 7,
    ratioExplicit: 3 / 7,
    failedNotRecovered: 1,
    recovery: [2400, 3360, 3],
    reworked: 2,
    reworkRatio: 2 / 7,
    failedInferred: 1,
    reworkedInferred: 1,
  },
  // d2 and d7; only d2 recovered (3600); rework d3.
  EXPLICIT: {
    failed: 2,
    ratio: 2 / 7,
    ratioExplicit: 2 / 7,
    failedNotRecovered: 1,
    recovery: [3600, 3600, 1],
    reworked: 1,
    reworkRatio: 1 / 7,
    failedInferred: 0,
    reworkedInferred: 0,
  },
  // d2, d4, d7; recoveries 1800, 3600: p50 2700, p90 at rank 0.9 = 1800 + 0.9 × 1800 = 3420.
  'EXPLICIT,CONFIRMED': {
    failed: 3,
    ratio: 3 / 7,
    ratioExplicit: 3 / 7,
    failedNotRecovered: 1,
    recovery: [2700, 3420, 2],
    reworked: 1,
    reworkRatio: 1 / 7,
    failedInferred: 0,
    reworkedInferred: 0,
  },
  // d4 alone; nothing is reworked with a confirmed attribution.
  CONFIRMED: {
    failed: 1,
    ratio: 1 / 7,
    ratioExplicit: 1 / 7,
    failedNotRecovered: 0,
    recovery: [1800, 1800, 1],
    reworked: 0,
    reworkRatio: 0,
    failedInferred: 0,
    reworkedInferred: 0,
  },
  // d5 (rolled back by d6, inferred) and d6's rework.
  INFERRED: {
    failed: 1,
    ratio: 1 / 7,
    ratioExplicit: 0,
    failedNotRecovered: 0,
    recovery: [2400, 2400, 1],
    reworked: 1,
    reworkRatio: 1 / 7,
    failedInferred: 1,
    reworkedInferred: 1,
  },
};

interface Figures {
  failed: number;
  ratio: number;
  ratioExplicit: number;
  failedNotRecovered: number;
  recovery: [number, number, number];
  reworked: number;
  reworkRatio: number;
  failedInferred: number;
  reworkedInferred: number;
}

const QUERY = `query($filter: DoraMetricsFilter!) { doraMetrics(filter: $filter) {
  scope { attributions }
  window {
    deploymentFrequency { deployments }
    changeFailureRate { failed total ratio ratioExplicit }
    failedDeploymentRecoveryTime { p50Seconds p90Seconds count failedNotRecovered }
    deploymentReworkRate { reworked ratio }
    dataQuality { failedInferred reworkedInferred }
  } } }`;

describe('DORA figures filtered by attribution', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    const deploy = async (n: number, version: string, finished: string, extra = {}) => {
      const res = await t.gql(
        `mutation($input: DeploymentInput!) { recordDeployment(input: $input) { result } }`,
        {
          input: {
            source: 'ci',
            eventId: `e${++seq}`,
            deploymentId: `d${n}`,
            service: 'pay',
            environment: 'production',
            version,
            status: 'SUCCEEDED',
            finishedAt: at(finished),
            ...extra,
          },
        },
      );
      if (res.errors) throw new Error(JSON.stringify(res.errors));
    };
    const incident = async (
      id: string,
      deployment: string | null,
      times: Record<string, string>,
    ) => {
      const res = await t.gql(
        `mutation($input: IncidentInput!) { recordIncident(input: $input) { result } }`,
        {
          input: {
            source: 'pagerduty',
            eventId: `e${++seq}`,
            incidentId: id,
            services: [{ name: 'pay' }],
            environment: 'production',
            ...(deployment ? { causedBy: [{ source: 'ci', id: deployment }] } : {}),
            ...Object.fromEntries(Object.entries(times).map(([k, v]) => [k, at(v)])),
          },
        },
      );
      if (res.errors) throw new Error(JSON.stringify(res.errors));
    };
    await deploy(1, 'v1', '09:00');
    await deploy(2, 'v2', '10:00');
    await deploy(3, 'v1', '11:00', {
      kind: 'ROLLBACK',
      remediates: [{ kind: 'DEPLOYMENT', id: 'd2' }],
    });
    await deploy(4, 'v3', '12:00');
    await deploy(5, 'v4', '13:00');
    await deploy(6, 'v3', '13:40');
    await deploy(7, 'v5', '15:00');
    await incident('i1', null, {
      impactStartedAt: '12:10',
      detectedAt: '12:12',
      resolvedAt: '12:40',
    });
    await incident('i2', 'd7', { impactStartedAt: '15:10', detectedAt: '15:10' });
    // i1 fell in d4's attribution window (suspected); the on-call engineer confirms it.
    const [ids] = await t.db.dataSource.query<{ incident: string; deployment: string }[]>(
      `SELECT (SELECT id FROM incidents WHERE external_id = 'i1') AS incident,
              (SELECT id FROM deployments WHERE external_id = 'd4') AS deployment`,
    );
    const confirmed = await t.gql(
      `mutation($input: ReviewIncidentCauseInput!) { confirmIncidentCause(input: $input) { attribution } }`,
      {
        input: {
          incidentId: String(ids.incident),
          deploymentId: String(ids.deployment),
          reason: 'the v3 release broke card payments',
        },
      },
    );
    if (confirmed.errors) throw new Error(JSON.stringify(confirmed.errors));
  });
  afterAll(async () => {
    await t.close();
  });

  const approx = (v: number): unknown => expect.closeTo(v, 9);

  it.each(Object.keys(EXPECTED))(
    'attributions %s: GraphQL, org-wide and per service, matches the hand computation',
    async (key) => {
      const attributions = key === 'all' ? null : key.split(',');
      const e = EXPECTED[key];
      const expected = {
        deploymentFrequency: { deployments: 7 },
        changeFailureRate: {
          failed: e.failed,
          total: 7,
          ratio: approx(e.ratio),
          ratioExplicit: approx(e.ratioExplicit),
        },
        failedDeploymentRecoveryTime: {
          p50Seconds: approx(e.recovery[0]),
          p90Seconds: approx(e.recovery[1]),
          count: e.recovery[2],
          failedNotRecovered: e.failedNotRecovered,
        },
        deploymentReworkRate: { reworked: e.reworked, ratio: approx(e.reworkRatio) },
        dataQuality: { failedInferred: e.failedInferred, reworkedInferred: e.reworkedInferred },
      };
      // Org-wide (rollups, minus what the filter leaves out) and scoped (facts) alike.
      for (const services of [null, ['pay']]) {
        const res = await t.gql(QUERY, { filter: { ...week, services, attributions } });
        expect(res.errors).toBeUndefined();
        const report = res.data!.doraMetrics as {
          scope: { attributions: string[] | null };
          window: Record<string, unknown>;
        };
        expect(report.scope.attributions).toEqual(attributions);
        expect(report.window).toEqual(expected);

        // Grafana: the same figures from dora_report.
        const [row] = (
          await sqlReport(t.db.dataSource, {
            ...week,
            services: services ?? undefined,
            attributions: attributions ?? [],
          })
        ).filter((r) => r.scope === 'WINDOW');
        expect(row).toMatchObject({
          deployments: 7,
          failed: e.failed,
          change_failure_rate: approx(e.ratio),
          failed_unrecovered: e.failedNotRecovered,
          recovery_p50_seconds: approx(e.recovery[0]),
          recovery_p90_seconds: approx(e.recovery[1]),
          recoveries: e.recovery[2],
          reworked: e.reworked,
          rework_rate: approx(e.reworkRatio),
          failed_inferred: e.failedInferred,
          reworked_inferred: e.reworkedInferred,
        });
      }

      // Grafana's per-service table and failed-deployments table.
      const [summary] = await t.db.dataSource.query(
        `SELECT failed, change_failure_rate, recoveries, reworked
         FROM dora_service_summary($1, $2, 'production', $3)`,
        [week.from, week.to, attributions],
      );
      expect(summary).toEqual({
        failed: e.failed,
        change_failure_rate: approx(e.ratio),
        recoveries: e.recovery[2],
        reworked: e.reworked,
      });
    },
  );

  it('names each failed deployment’s attribution for Grafana’s table', async () => {
    const rows = await t.db.dataSource.query(
      `SELECT external_id, failure_attribution FROM dora_failed_deployments ORDER BY finished_at`,
    );
    expect(rows).toEqual([
      { external_id: 'd2', failure_attribution: 'EXPLICIT' },
      { external_id: 'd4', failure_attribution: 'CONFIRMED' },
      { external_id: 'd5', failure_attribution: 'INFERRED' },
      { external_id: 'd7', failure_attribution: 'EXPLICIT' },
    ]);
  });

  it('refuses an unknown attribution', async () => {
    const res = await t.gql(QUERY, { filter: { ...week, attributions: ['GUESSED'] } });
    expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    await expect(
      t.db.dataSource.query(
        `SELECT * FROM dora_report($1, $2, p_attributions => ARRAY['GUESSED'])`,
        [week.from, week.to],
      ),
    ).rejects.toThrow('attributions must be EXPLICIT, CONFIRMED or INFERRED');
  });
});
