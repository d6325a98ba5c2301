import { jest } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import {
  freePort,
  startAlertmanager,
  startPrometheus,
  type RunningAlertmanager,
  type RunningPrometheus,
} from '../../src/demo/prometheus-process.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

jest.setTimeout(90_000);

/**
 * The whole loop with the real binaries: a Prometheus rule over a scraped metric fires, the real
 * Alertmanager posts the alert group to Shipwatch's receiver over HTTP, the incident names the
 * deployment of the version in the alert's labels, and DORA counts that deployment as failed
 * and recovered when the alert resolves.
 */
describe('Prometheus rule → Alertmanager → /webhooks/alertmanager → incident → DORA', () => {
  let t: TestApp;
  let am: RunningAlertmanager;
  let prom: RunningPrometheus;
  let target: Server;
  let errorRatio = 0.12;

  beforeAll(async () => {
    t = await startTestApp();
    const created = await t.gql(
      'mutation { createApiToken(input: { name: "alertmanager", scopes: [INGEST] }) { token } }',
    );
    const token = (created.data!.createApiToken as { token: string }).token;
    const appPort = await freePort();
    await t.app.listen(appPort, '127.0.0.1');

    target = createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/plain; version=0.0.4');
      res.end(
        `# TYPE checkout_error_ratio gauge\ncheckout_error_ratio{service="checkout",environment="production",version="1.4.2"} ${errorRatio}\n`,
      );
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const address = target.address();
    const targetPort = typeof address === 'object' && address ? address.port : 0;

    am = await startAlertmanager({
      config: [
        'route:',
        '  receiver: shipwatch',
        '  group_by: [alertname, service]',
        '  group_wait: 1s',
        '  group_interval: 1s',
        'receivers:',
        '  - name: shipwatch',
        '    webhook_configs:',
        `      - url: http://127.0.0.1:${appPort}/webhooks/alertmanager`,
        '        send_resolved: true',
        '        http_config:',
        `          authorization: { credentials: ${JSON.stringify(token)} }`,
        '',
      ].join('\n'),
    });

    // The release: checkout 1.4.2 reached production a minute ago.
    const finished = new Date(Date.now() - 60_000);
    const deployed = await t.gql(
      `mutation($d: DeploymentInput!) { recordDeployment(input: $d) { result } }`,
      {
        d: {
          source: 'ci',
          eventId: 'deploy-checkout-1.4.2',
          deploymentId: 'checkout-1.4.2',
          service: 'checkout',
          environment: 'production',
          version: '1.4.2',
          status: 'SUCCEEDED',
          startedAt: new Date(finished.getTime() - 120_000).toISOString(),
          finishedAt: finished.toISOString(),
        },
      },
    );
    if (deployed.errors) throw new Error(JSON.stringify(deployed.errors));

    prom = await startPrometheus({
      scrapeTargets: [`127.0.0.1:${targetPort}`],
      alertmanagerUrl: am.url,
      ruleFiles: [
        [
          'groups:',
          '  - name: checkout',
          '    rules:',
          '      - alert: CheckoutErrorRatioHigh',
          '        expr: checkout_error_ratio > 0.05',
          '        labels: { severity: critical }',
          '        annotations:',
          '          summary: "checkout {{ $labels.version }} fails {{ $value | humanizePercentage }} of requests"',
          '',
        ].join('\n'),
      ],
    });
  });

  afterAll(async () => {
    await prom?.stop();
    await am?.stop();
    await t?.close();
    await new Promise((resolve) => target?.close(resolve));
  });

  const incident = async () =>
    (
      await t.db.dataSource.query<Record<string, unknown>[]>(
        `SELECT i.title, i.severity, i.impact_started_at, i.resolved_at, e.name AS environment,
                (SELECT array_agg(c.deployment_external_id) FROM incident_causes c WHERE c.incident_id = i.id) AS causes
         FROM incidents i LEFT JOIN environments e ON e.id = i.environment_id
         WHERE i.source = 'alertmanager'`,
      )
    )[0];

  async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const value = await probe();
      if (value !== undefined) return value;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  it('opens the incident, attributes it to the deployment, and resolves it', async () => {
    const opened = await until('the incident', async () => {
      const row = await incident();
      return row && row.causes ? row : undefined;
    });
    expect(opened).toMatchObject({
      title: 'checkout 1.4.2 fails 12% of requests',
      severity: 'critical',
      environment: 'production',
      resolved_at: null,
      causes: ['checkout-1.4.2'],
    });

    errorRatio = 0.01;
    const resolved = await until('the resolution', async () => {
      const row = await incident();
      return row?.resolved_at ? row : undefined;
    });
    expect((resolved.resolved_at as Date) > (resolved.impact_started_at as Date)).toBe(true);

    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const dora = await t.gql(
      `query($f: DoraMetricsFilter!) { doraMetrics(filter: $f) { window {
         changeFailureRate { failed total }
         failedDeploymentRecoveryTime { count }
         dataQuality { incidents incidentsAttributed } } } }`,
      { f: { from, to } },
    );
    expect(dora.errors).toBeUndefined();
    expect((dora.data!.doraMetrics as { window: unknown }).window).toEqual({
      changeFailureRate: { failed: 1, total: 1 },
      failedDeploymentRecoveryTime: { count: 1 },
      dataQuality: { incidents: 1, incidentsAttributed: 1 },
    });
  });
});
