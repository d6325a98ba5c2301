import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  busiestSeriesQuery,
  freshSeriesQuery,
  lastValueQuery,
  rawSamplesQuery,
} from '../verification/counter-template.rule.js';
import {
  parseQuery,
  parseSampleLine,
  QueryError,
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

const TOTAL = 'http_server_request_duration_seconds_count{service_name="checkout"}';
const BAD =
  'http_server_request_duration_seconds_count{service_name="checkout",http_response_status_code=~"5.."}';

/** Scrapes every 15 s from t = 1000 s: requests +100 and errors +1 a scrape, a restart at 1075 s. */
function store(): SampleStore {
  const s = new SampleStore(60 * 60_000);
  let [ok, bad] = [0, 0];
  for (let t = 1000; t <= 1120; t += 15) {
    if (t === 1075) [ok, bad] = [0, 0];
    [ok, bad] = [ok + 100, bad + 1];
    s.add(t * 1000, metrics(ok, bad));
  }
  return s;
}

const vector = (s: SampleStore, query: string, t: number) => {
  const r = s.evaluate(parseQuery(query), t * 1000);
  if (r.type !== 'vector') throw new Error('expected a vector');
  return r.samples.map((x) => [x.labels.http_response_status_code ?? '', x.value]);
};

describe('the demo signal simulator', () => {
  it('parses sample lines', () => {
    expect(parseSampleLine('a_count{x="1",y="q\\"uote"} 12.5')).toEqual({
      name: 'a_count',
      labels: { x: '1', y: 'q"uote' },
      value: 12.5,
    });
  });

  it('answers the counter queries Shipwatch sends, with Prometheus semantics', () => {
    const s = store();
    // The last sample at or before the instant, per series, its name dropped.
    expect(vector(s, lastValueQuery(TOTAL), 1050)).toEqual([
      ['200', 400],
      ['500', 4],
    ]);
    // `or` adds what the left side lacks by label set: vector(0)'s {} always (as in Prometheus).
    expect(vector(s, lastValueQuery(`${BAD} or vector(0)`), 1050)).toEqual([
      ['500', 4],
      ['', 0],
    ]);
    expect(vector(s, lastValueQuery(`${BAD.replace('5..', '4..')} or vector(0)`), 1050)).toEqual([
      ['', 0],
    ]);
    // After the restart at 1075 s the counter starts again.
    expect(vector(s, lastValueQuery(TOTAL), 1080)).toEqual([
      ['200', 100],
      ['500', 1],
    ]);
    // Fresh samples in [t − 30, t]: both series scraped at 1030 and 1045.
    expect(vector(s, freshSeriesQuery(TOTAL, 30)!, 1050)).toEqual([['', 2]]);
    expect(vector(s, freshSeriesQuery(TOTAL, 30)!, 1200)).toEqual([]);
    // The busiest series (most changes), its name kept, then its raw samples.
    const busiest = s.evaluate(parseQuery(busiestSeriesQuery(TOTAL, 600)!), 1120_000);
    if (busiest.type !== 'vector') throw new Error('expected a vector');
    const [top] = busiest.samples;
    expect(top.labels.__name__).toBe('http_server_request_duration_seconds_count');
    expect(top.value).toBe(8);
    const raw = s.evaluate(parseQuery(rawSamplesQuery(top.labels, 600)), 1120_000);
    expect(raw.type === 'matrix' && raw.series[0].samples.map(([ms]) => ms / 1000)).toEqual([
      1000, 1015, 1030, 1045, 1060, 1075, 1090, 1105, 1120,
    ]);
  });

  it('refuses what it does not answer with bad_data', () => {
    expect(() => parseQuery('histogram_quantile(0.9, rate(x[5m]))')).toThrow(QueryError);
    expect(() => store().evaluate(parseQuery('rate(x[60s])'), 0)).toThrow(/does not answer rate/);
    expect(() => store().evaluate(parseQuery(TOTAL), 0)).toThrow(/range selectors/);
  });

  it('answers the Prometheus query API (POST form, as Shipwatch sends it) from scraped counters', async () => {
    let n = 0;
    const target: Server = createServer((_req, res) => {
      n++;
      res.end(metrics(100 * n, n));
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    // It has scraped once when it starts.
    const sim = await startSignalSimulator({
      targets: [`http://127.0.0.1:${(target.address() as AddressInfo).port}/metrics`],
      scrapeIntervalMs: 60_000,
    });
    try {
      expect((await fetch(`${sim.url}/-/ready`)).status).toBe(200);
      const post = (query: string) =>
        fetch(`${sim.url}/api/v1/query`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ query, time: String(Date.now() / 1000 + 1) }).toString(),
        });
      const ok = (await (await post(lastValueQuery(TOTAL))).json()) as {
        status: string;
        data: { resultType: string; result: { value: [number, string] }[] };
      };
      expect(ok.status).toBe('success');
      expect(ok.data.resultType).toBe('vector');
      expect(ok.data.result.map((r) => Number(r.value[1]))).toEqual([100, 1]);
      const refused = await post('histogram_quantile(0.9, rate(x[5m]))');
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { errorType: string }).errorType).toBe('bad_data');
    } finally {
      await sim.stop();
      await new Promise((r) => target.close(r));
    }
  });
});
