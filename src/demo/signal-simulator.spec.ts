import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  parseIncreaseQuery,
  parseSampleLine,
  SampleStore,
  startSignalSimulator,
} from './signal-simulator.js';

const metrics = (ok: number, bad: number, version = '1.0.0') =>
  [
    '# HELP http_server_request_duration_seconds Duration of HTTP server requests.',
    '# TYPE http_server_request_duration_seconds histogram',
    `http_server_request_duration_seconds_bucket{le="0.1",http_response_status_code="200",service_name="checkout",service_version="${version}"} ${ok}`,
    `http_server_request_duration_seconds_count{http_response_status_code="200",service_name="checkout",service_version="${version}"} ${ok}`,
    `http_server_request_duration_seconds_count{http_response_status_code="500",service_name="checkout",service_version="${version}"} ${bad}`,
  ].join('\n');

describe('the demo signal simulator', () => {
  it('parses sample lines and the one query shape it answers', () => {
    expect(parseSampleLine('a_count{x="1",y="q\\"uote"} 12.5')).toEqual({
      name: 'a_count',
      labels: { x: '1', y: 'q"uote' },
      value: 12.5,
    });
    expect(
      parseIncreaseQuery(
        'sum(increase(m_count{service_name="checkout",service_version=~"1\\\\.2\\\\.0",code!~"2.."}[30s])) or vector(0)',
      ),
    ).toEqual({
      metric: 'm_count',
      matchers: [
        { label: 'service_name', op: '=', value: 'checkout' },
        { label: 'service_version', op: '=~', value: '1\\.2\\.0' },
        { label: 'code', op: '!~', value: '2..' },
      ],
      rangeSeconds: 30,
      orZero: true,
    });
    expect(parseIncreaseQuery('rate(m[5m])')).toBeNull();
  });

  it('computes increase over a window at any instant it has samples for', () => {
    const store = new SampleStore();
    store.add(1_000, metrics(100, 1));
    store.add(2_000, metrics(150, 2));
    store.add(3_000, metrics(200, 10));
    const q = (extra: string, range = 2) =>
      parseIncreaseQuery(
        `sum(increase(http_server_request_duration_seconds_count{service_name="checkout"${extra}}[${range}s]))`,
      )!;
    expect(store.evaluate(q(''), 3_000)).toBe(100 + 9);
    expect(store.evaluate(q(',http_response_status_code=~"5.."'), 3_000)).toBe(9);
    expect(store.evaluate(q(',http_response_status_code=~"5.."', 1), 2_000)).toBe(1);
    expect(store.evaluate(q(',service_version=~"9.*"'), 3_000)).toBeNull();
    expect(store.evaluate({ ...q(',service_version=~"9.*"'), orZero: true }, 3_000)).toBe(0);
    // Before the first sample there is no data.
    expect(store.evaluate(q(''), 500)).toBeNull();
  });

  it('answers the Prometheus query API (POST form, as Shipwatch sends it) from scraped counters', async () => {
    let n = 0;
    const target: Server = createServer((_req, res) => {
      n++;
      res.end(metrics(100 * n, n));
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const sim = await startSignalSimulator({
      targets: [`http://127.0.0.1:${(target.address() as AddressInfo).port}/metrics`],
      scrapeIntervalMs: 50,
    });
    try {
      await new Promise((r) => setTimeout(r, 400));
      expect((await fetch(`${sim.url}/-/ready`)).status).toBe(200);
      const post = (query: string) =>
        fetch(`${sim.url}/api/v1/query`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ query, time: String(Date.now() / 1000) }).toString(),
        });
      const ok = (await (
        await post(
          'sum(increase(http_server_request_duration_seconds_count{service_name="checkout"}[60s]))',
        )
      ).json()) as { status: string; data: { result: { value: [number, string] }[] } };
      expect(ok.status).toBe('success');
      expect(Number(ok.data.result[0].value[1])).toBeGreaterThan(0);
      const refused = await post('histogram_quantile(0.9, rate(x[5m]))');
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { errorType: string }).errorType).toBe('bad_data');
    } finally {
      await sim.stop();
      await new Promise((r) => target.close(r));
    }
  });
});
