/**
 * The demo's stand-in for Prometheus when no `prometheus` binary is installed: it scrapes the
 * demo app's /metrics every second, keeps the counters in memory, and answers the Prometheus
 * HTTP API (/api/v1/query, GET or POST) for ONE query shape:
 *
 *   sum(increase(<counter>{<label matchers>}[<N>s]))            optionally followed by `or vector(0)`
 *
 * which is what the demo's simulated-signals policy uses. Anything else is answered with a
 * Prometheus-style `bad_data` error. It is labelled "simulated signals" wherever it shows up.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Series {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** [time ms, value], oldest first. */
  readonly samples: [number, number][];
}

export interface SignalSimulator {
  readonly url: string;
  stop(): Promise<void>;
}

/** One Prometheus text-format sample line: name{labels} value. */
export function parseSampleLine(
  line: string,
): { name: string; labels: Record<string, string>; value: number } | null {
  const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
  if (!m) return null;
  const labels: Record<string, string> = {};
  for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
    labels[l[1]] = unescape(l[2]);
  const value = Number(m[3]);
  return Number.isFinite(value) ? { name: m[1], labels, value } : null;
}

const unescape = (s: string): string =>
  s.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));

export interface Matcher {
  readonly label: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

export interface IncreaseQuery {
  readonly metric: string;
  readonly matchers: readonly Matcher[];
  readonly rangeSeconds: number;
  readonly orZero: boolean;
}

const QUERY =
  /^\s*sum\s*\(\s*increase\s*\(\s*([a-zA-Z_:][\w:]*)\s*\{(.*)\}\s*\[\s*(\d+)s\s*\]\s*\)\s*\)\s*(or\s+vector\s*\(\s*0\s*\))?\s*$/s;

export function parseIncreaseQuery(query: string): IncreaseQuery | null {
  const m = QUERY.exec(query);
  if (!m) return null;
  const matchers: Matcher[] = [];
  for (const l of m[2].matchAll(/(\w+)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)) {
    matchers.push({ label: l[1], op: l[2] as Matcher['op'], value: unescape(l[3]) });
  }
  return { metric: m[1], matchers, rangeSeconds: Number(m[3]), orZero: m[4] !== undefined };
}

export function matches(
  labels: Readonly<Record<string, string>>,
  matchers: readonly Matcher[],
): boolean {
  return matchers.every((m) => {
    const v = labels[m.label] ?? '';
    switch (m.op) {
      case '=':
        return v === m.value;
      case '!=':
        return v !== m.value;
      case '=~':
        return new RegExp(`^(?:${m.value})$`).test(v);
      case '!~':
        return !new RegExp(`^(?:${m.value})$`).test(v);
    }
  });
}

/** Counter value at `t`: the newest sample at or before it (0 before the series existed). */
function valueAt(series: Series, t: number): number {
  let value = 0;
  for (const [time, v] of series.samples) {
    if (time > t) break;
    value = v;
  }
  return value;
}

/** increase() over (t - range, t]; null when the series has no sample in or before the range. */
export function increase(series: Series, t: number, rangeMs: number): number | null {
  const first = series.samples[0];
  if (!first || first[0] > t) return null;
  return Math.max(0, valueAt(series, t) - valueAt(series, t - rangeMs));
}

export class SampleStore {
  readonly series = new Map<string, Series>();
  constructor(private readonly retentionMs = 30 * 60_000) {}

  add(time: number, text: string): void {
    for (const line of text.split('\n')) {
      if (line.startsWith('#') || line.trim() === '') continue;
      const sample = parseSampleLine(line);
      if (!sample || !sample.name.endsWith('_count')) continue;
      const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
      let s = this.series.get(key);
      if (!s) this.series.set(key, (s = { name: sample.name, labels: sample.labels, samples: [] }));
      s.samples.push([time, sample.value]);
      while (s.samples.length > 0 && s.samples[0][0] < time - this.retentionMs) s.samples.shift();
    }
  }

  evaluate(q: IncreaseQuery, t: number): number | null {
    let sum: number | null = null;
    for (const s of this.series.values()) {
      if (s.name !== q.metric || !matches(s.labels, q.matchers)) continue;
      const inc = increase(s, t, q.rangeSeconds * 1000);
      if (inc !== null) sum = (sum ?? 0) + inc;
    }
    return sum ?? (q.orZero ? 0 : null);
  }
}

export async function startSignalSimulator(options: {
  /** Metrics URLs to scrape, e.g. http://127.0.0.1:9464/metrics. */
  readonly targets: readonly string[];
  readonly scrapeIntervalMs?: number;
}): Promise<SignalSimulator> {
  const store = new SampleStore();
  const scrape = async (): Promise<void> => {
    const now = Date.now();
    await Promise.all(
      options.targets.map(async (target) => {
        try {
          const res = await fetch(target, { signal: AbortSignal.timeout(900) });
          if (res.ok) store.add(now, await res.text());
        } catch {
          // a missed scrape is a gap, as in Prometheus
        }
      }),
    );
  };
  await scrape();
  const timer = setInterval(() => void scrape(), options.scrapeIntervalMs ?? 1000);

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) =>
      reply(res, 500, { status: 'error', errorType: 'internal', error: String(error) }),
    );
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    if (url.pathname === '/-/ready' || url.pathname === '/-/healthy') {
      res.writeHead(200).end('simulated signals ready\n');
      return;
    }
    if (url.pathname !== '/api/v1/query') {
      reply(res, 404, {
        status: 'error',
        errorType: 'not_found',
        error: `the demo signal simulator does not serve ${url.pathname}`,
      });
      return;
    }
    const params = new URLSearchParams(url.search);
    if (req.method === 'POST') {
      const body = await new Promise<string>((resolve) => {
        let data = '';
        req.on('data', (c: Buffer) => (data += c.toString()));
        req.on('end', () => resolve(data));
      });
      for (const [k, v] of new URLSearchParams(body)) params.set(k, v);
    }
    const query = parseIncreaseQuery(params.get('query') ?? '');
    if (!query) {
      reply(res, 400, {
        status: 'error',
        errorType: 'bad_data',
        error:
          'the demo signal simulator only answers sum(increase(<counter>{...}[<N>s])) [or vector(0)]',
      });
      return;
    }
    const time = params.has('time') ? Number(params.get('time')) * 1000 : Date.now();
    const value = store.evaluate(query, time);
    reply(res, 200, {
      status: 'success',
      data: {
        resultType: 'vector',
        result: value === null ? [] : [{ metric: {}, value: [time / 1000, String(value)] }],
      },
    });
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
