/**
 * The demo's stand-in for Prometheus when no `prometheus` binary is installed: it scrapes the
 * demo app's /metrics every second like Prometheus does (each sample stamped with its scrape's
 * time; a failed scrape is a gap), keeps the samples in memory, and answers the Prometheus HTTP
 * API (/api/v1/query, GET or POST) with Prometheus' semantics for the queries Shipwatch sends
 * about per-series counter templates (docs/verification.md "Counting"):
 *
 *   last_over_time(<selector>[Ns])  count_over_time(...)  changes(...)   (range [t − N, t])
 *   count(<expr>)  topk(k, <expr>)  label_replace(<expr>, "dst", "replacement", "", "")
 *   <expr> or <expr>   vector(<number>)   <selector>[Ns] (raw samples)
 *
 * with label matchers = != =~ !~. Anything else is answered with a Prometheus-style `bad_data`
 * error. It is labelled "simulated signals" wherever it shows up.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Series {
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

// ---------------------------------------------------------------------------------------------
// The query subset

export type Expr =
  | { readonly kind: 'selector'; readonly matchers: readonly Matcher[]; readonly range?: number }
  | { readonly kind: 'call'; readonly fn: string; readonly args: readonly Arg[] }
  | { readonly kind: 'or'; readonly left: Expr; readonly right: Expr };
type Arg =
  | Expr
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string };

export class QueryError extends Error {}

const RANGE_FUNCTIONS = new Set(['last_over_time', 'count_over_time', 'changes']);

/** Parses the subset (throws QueryError outside it). */
export function parseQuery(query: string): Expr {
  let i = 0;
  const s = query.replace(/#[^\n]*/g, '');
  const space = () => {
    while (/\s/.test(s[i] ?? '')) i++;
  };
  const fail = (what: string): never => {
    throw new QueryError(`the demo signal simulator does not answer this query (${what} at ${i})`);
  };
  const string = (): string => {
    space();
    if (s[i] !== '"') fail('expected a string');
    const m = /^"((?:[^"\\]|\\.)*)"/.exec(s.slice(i)) ?? fail('unterminated string');
    i += m[0].length;
    return unescape(m[1]);
  };
  const ident = (): string => {
    space();
    const m = /^[a-zA-Z_:][\w:]*/.exec(s.slice(i)) ?? fail('expected a name');
    i += m[0].length;
    return m[0];
  };
  const selector = (name: string | null): Expr => {
    const matchers: Matcher[] = name ? [{ label: '__name__', op: '=', value: name }] : [];
    space();
    if (s[i] === '{') {
      i++;
      for (;;) {
        space();
        if (s[i] === '}') break;
        const label = ident();
        space();
        const op = (/^(=~|!~|!=|=)/.exec(s.slice(i)) ?? fail('expected a matcher'))[0];
        i += op.length;
        matchers.push({ label, op: op as Matcher['op'], value: string() });
        space();
        if (s[i] === ',') i++;
      }
      i++;
    }
    space();
    if (s[i] !== '[') return { kind: 'selector', matchers };
    const m = /^\[\s*(\d+)s\s*\]/.exec(s.slice(i)) ?? fail('expected a range in seconds');
    i += m[0].length;
    return { kind: 'selector', matchers, range: Number(m[1]) };
  };
  const arg = (): Arg => {
    space();
    if (s[i] === '"') return { kind: 'string', value: string() };
    const n = /^-?\d+(\.\d+)?/.exec(s.slice(i));
    if (n) {
      i += n[0].length;
      return { kind: 'number', value: Number(n[0]) };
    }
    return expr();
  };
  const term = (): Expr => {
    space();
    if (s[i] === '(') {
      i++;
      const e = expr();
      space();
      if (s[i++] !== ')') fail('expected )');
      return e;
    }
    if (s[i] === '{') return selector(null);
    const name = ident();
    space();
    if (s[i] !== '(') return selector(name);
    i++;
    const args: Arg[] = [];
    for (;;) {
      space();
      if (s[i] === ')') break;
      args.push(arg());
      space();
      if (s[i] === ',') i++;
    }
    i++;
    return { kind: 'call', fn: name, args };
  };
  const expr = (): Expr => {
    let left = term();
    for (;;) {
      space();
      if (!/^or\b/.test(s.slice(i))) return left;
      i += 2;
      left = { kind: 'or', left, right: term() };
    }
  };
  const e = expr();
  space();
  if (i < s.length) fail('unexpected input');
  return e;
}

export interface Sample {
  readonly labels: Record<string, string>;
  readonly value: number;
}
export type QueryResult =
  | { readonly type: 'vector'; readonly samples: readonly Sample[] }
  | {
      readonly type: 'matrix';
      readonly series: readonly { labels: Record<string, string>; samples: [number, number][] }[];
    };

const withoutName = ({ __name__: _, ...rest }: Readonly<Record<string, string>>) => rest;
const key = (labels: Readonly<Record<string, string>>) =>
  JSON.stringify(Object.entries(labels).sort());

export class SampleStore {
  readonly series = new Map<string, Series>();
  constructor(private readonly retentionMs = 30 * 60_000) {}

  /** One scrape's exposition, stamped `time` (ms). */
  add(time: number, text: string): void {
    for (const line of text.split('\n')) {
      if (line.startsWith('#') || line.trim() === '') continue;
      const sample = parseSampleLine(line);
      if (!sample) continue;
      const labels = { __name__: sample.name, ...sample.labels };
      const k = key(labels);
      let s = this.series.get(k);
      if (!s) this.series.set(k, (s = { labels, samples: [] }));
      s.samples.push([time, sample.value]);
      while (s.samples.length > 0 && s.samples[0][0] < time - this.retentionMs) s.samples.shift();
    }
  }

  /** Samples of the selector's series in [t − range, t] (Prometheus 2.x range selection). */
  private select(e: Extract<Expr, { kind: 'selector' }>, t: number, rangeMs: number) {
    const out: { labels: Record<string, string>; samples: [number, number][] }[] = [];
    for (const s of this.series.values()) {
      if (!matches(s.labels, e.matchers)) continue;
      const samples = s.samples.filter(([at]) => at >= t - rangeMs && at <= t);
      if (samples.length > 0) out.push({ labels: { ...s.labels }, samples });
    }
    return out;
  }

  evaluate(e: Expr, t: number): QueryResult {
    if (e.kind === 'selector') {
      if (e.range === undefined) {
        throw new QueryError(
          'the demo signal simulator answers range selectors and functions of them',
        );
      }
      return { type: 'matrix', series: this.select(e, t, e.range * 1000) };
    }
    return { type: 'vector', samples: this.vector(e, t) };
  }

  private vector(e: Expr, t: number): Sample[] {
    if (e.kind === 'or') {
      const left = this.vector(e.left, t);
      const seen = new Set(left.map((s) => key(s.labels)));
      return [...left, ...this.vector(e.right, t).filter((s) => !seen.has(key(s.labels)))];
    }
    if (e.kind === 'selector') throw new QueryError('a plain selector: wrap it in last_over_time');
    const [first, ...rest] = e.args;
    const sub = (a: Arg | undefined): Sample[] => {
      if (!a || a.kind === 'number' || a.kind === 'string')
        throw new QueryError(`${e.fn}: expected an expression`);
      return this.vector(a, t);
    };
    if (RANGE_FUNCTIONS.has(e.fn)) {
      if (!first || first.kind !== 'selector' || first.range === undefined) {
        throw new QueryError(`${e.fn}: expected a range selector`);
      }
      return this.select(first, t, first.range * 1000).map(({ labels, samples }) => ({
        labels: withoutName(labels),
        value:
          e.fn === 'last_over_time'
            ? samples[samples.length - 1][1]
            : e.fn === 'count_over_time'
              ? samples.length
              : samples.filter((p, i) => i > 0 && p[1] !== samples[i - 1][1]).length,
      }));
    }
    switch (e.fn) {
      case 'vector':
        if (first?.kind !== 'number') throw new QueryError('vector: expected a number');
        return [{ labels: {}, value: first.value }];
      case 'count': {
        const v = sub(first);
        return v.length === 0 ? [] : [{ labels: {}, value: v.length }];
      }
      case 'topk': {
        if (first?.kind !== 'number') throw new QueryError('topk: expected a number');
        return [...sub(rest[0])].sort((a, b) => b.value - a.value).slice(0, first.value);
      }
      case 'label_replace': {
        const [dst, replacement, src, regex] = rest.map((a) =>
          a.kind === 'string' ? a.value : null,
        );
        if (dst == null || replacement == null || src !== '' || regex !== '') {
          throw new QueryError('label_replace: only label_replace(v, "dst", "value", "", "")');
        }
        return sub(first).map((x) => ({
          labels: { ...x.labels, [dst]: replacement },
          value: x.value,
        }));
      }
      default:
        throw new QueryError(`the demo signal simulator does not answer ${e.fn}()`);
    }
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
    const time = params.has('time') ? Number(params.get('time')) * 1000 : Date.now();
    let result: QueryResult;
    try {
      result = store.evaluate(parseQuery(params.get('query') ?? ''), time);
    } catch (error) {
      if (!(error instanceof QueryError)) throw error;
      reply(res, 400, { status: 'error', errorType: 'bad_data', error: error.message });
      return;
    }
    reply(res, 200, {
      status: 'success',
      data:
        result.type === 'vector'
          ? {
              resultType: 'vector',
              result: result.samples.map((s) => ({
                metric: s.labels,
                value: [time / 1000, String(s.value)],
              })),
            }
          : {
              resultType: 'matrix',
              result: result.series.map((s) => ({
                metric: s.labels,
                values: s.samples.map(([ms, v]) => [ms / 1000, String(v)]),
              })),
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
