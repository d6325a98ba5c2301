import { jest } from '@jest/globals';
import { startDemoApp, type DemoApp } from '../../src/demo/demo-app.js';
import { startPrometheus, type RunningPrometheus } from '../../src/demo/prometheus-process.js';

jest.setTimeout(60_000);

async function eventually<T>(
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined as T);
    if (value !== undefined && ok(value)) return value;
    if (Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('demo app scraped by a real Prometheus', () => {
  let demo: DemoApp;
  let prom: RunningPrometheus;

  beforeAll(async () => {
    demo = await startDemoApp({
      service: 'checkout',
      namespace: 'shop',
      version: '1.0.0',
      requestsPerSecond: 100,
      errorRate: 0,
    });
    prom = await startPrometheus({ scrapeTargets: [demo.target], scrapeInterval: '1s' });
  });
  afterAll(async () => {
    await prom?.stop();
    await demo?.stop();
  });

  it('exposes OpenTelemetry-style series and target_info', async () => {
    const res = await fetch(`${demo.url}/metrics`);
    const text = await res.text();
    expect(text).toContain('# TYPE http_server_request_duration_seconds histogram');
    const labels = (line: string | undefined) =>
      Object.fromEntries([...(line ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const lines = text.split('\n');
    expect(
      labels(
        lines.find((l) => l.startsWith('http_server_request_duration_seconds_bucket{le="0.3"')),
      ),
    ).toEqual({
      le: '0.3',
      http_request_method: 'GET',
      http_response_status_code: '200',
      service_name: 'checkout',
      service_namespace: 'shop',
      service_version: '1.0.0',
      deployment_environment_name: 'production',
    });
    expect(labels(lines.find((l) => l.startsWith('target_info{')))).toEqual({
      service_name: 'checkout',
      service_namespace: 'shop',
      service_version: '1.0.0',
      deployment_environment_name: 'production',
    });
    expect(lines.find((l) => l.startsWith('target_info{'))).toMatch(/ 1$/);
  });

  it('is scraped every second; switching version and error rate shows in PromQL', async () => {
    const total = await eventually(
      () => prom.query('sum(increase(http_server_request_duration_seconds_count[5s]))'),
      (r) => r.length === 1 && r[0].value > 100,
    );
    expect(total[0].value).toBeGreaterThan(100);

    const res = await fetch(`${demo.url}/control`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ version: '2.0.0', errorRate: 0.5 }),
    });
    expect(await res.json()).toMatchObject({ version: '2.0.0', errorRate: 0.5 });
    const errors = await eventually(
      () =>
        prom.query(
          'sum(increase(http_server_request_duration_seconds_count{service_version="2.0.0",http_response_status_code="500"}[5s]))',
        ),
      (r) => r.length === 1 && r[0].value > 20,
    );
    expect(errors[0].value).toBeGreaterThan(20);
    const info = await prom.query('target_info');
    expect(info.map((s) => s.metric.service_version)).toEqual(['2.0.0']);
  });

  it('refuses an invalid control request', async () => {
    const res = await fetch(`${demo.url}/control`, {
      method: 'POST',
      body: JSON.stringify({ errorRate: 2 }),
    });
    expect(res.status).toBe(400);
    expect(demo.state().errorRate).toBe(0.5);
  });

  it('can be stopped and started again with its data', async () => {
    await prom.kill();
    await expect(fetch(`${prom.url}/-/ready`)).rejects.toThrow();
    await prom.start();
    const after = await prom.query('count(http_server_request_duration_seconds_count)');
    expect(after[0].value).toBeGreaterThan(0);
  });
});
