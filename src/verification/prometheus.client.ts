/**
 * A small Prometheus HTTP API client (fetch, Node 20): instant queries and range queries with a
 * timeout. It tells three outcomes apart, because the verdict depends on it: a value, no data
 * (an empty result or NaN), and an error — either the query is wrong (PrometheusQueryError,
 * the policy's fault) or Prometheus cannot answer (PrometheusUnavailableError).
 */
import { prometheusQueryErrors } from './verification.metrics.js';

export class PrometheusUnavailableError extends Error {
  readonly code = 'PROMETHEUS_UNAVAILABLE';
}

export class PrometheusQueryError extends Error {
  readonly code = 'INVALID_QUERY';
  constructor(
    message: string,
    readonly errorType: string,
  ) {
    super(message);
  }
}

export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export type InstantResult =
  | { readonly type: 'vector'; readonly samples: readonly Sample[] }
  | { readonly type: 'scalar'; readonly value: number };

export interface RangeSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly points: readonly { readonly time: Date; readonly value: number }[];
}

interface ApiBody {
  status?: 'success' | 'error';
  errorType?: string;
  error?: string;
  data?: { resultType?: 'vector' | 'scalar' | 'matrix' | 'string'; result?: unknown };
}

const parseValue = (raw: unknown): number => Number((raw as [number, string])[1]);

function matrix(data: NonNullable<ApiBody['data']>): RangeSeries[] {
  const result = (data.result ?? []) as { metric: Record<string, string>; values: unknown[] }[];
  return result.map((r) => ({
    labels: r.metric,
    points: r.values.map((v) => ({
      time: new Date((v as [number, string])[0] * 1000),
      value: parseValue(v),
    })),
  }));
}

export class PrometheusClient {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async query(expr: string, time: Date): Promise<InstantResult> {
    const data = await this.call('/api/v1/query', { query: expr, time: seconds(time) });
    switch (data.resultType) {
      case 'vector': {
        const result = (data.result ?? []) as { metric: Record<string, string>; value: unknown }[];
        return {
          type: 'vector',
          samples: result.map((r) => ({ labels: r.metric, value: parseValue(r.value) })),
        };
      }
      case 'scalar':
        return { type: 'scalar', value: parseValue(data.result) };
      case 'matrix':
      case 'string':
      case undefined:
        throw new PrometheusQueryError(
          `the query returns a ${String(data.resultType)}, expected an instant vector or a scalar`,
          'bad_data',
        );
    }
  }

  /** The raw samples of a range selector (`x{...}[10m]`) at an instant. */
  async rawSamples(expr: string, time: Date): Promise<RangeSeries[]> {
    const data = await this.call('/api/v1/query', { query: expr, time: seconds(time) });
    if (data.resultType !== 'matrix') {
      throw new PrometheusQueryError(
        `the query returns a ${String(data.resultType)}, expected a range vector`,
        'bad_data',
      );
    }
    return matrix(data);
  }

  async queryRange(
    expr: string,
    start: Date,
    end: Date,
    stepSeconds: number,
  ): Promise<RangeSeries[]> {
    const data = await this.call('/api/v1/query_range', {
      query: expr,
      start: seconds(start),
      end: seconds(end),
      step: String(stepSeconds),
    });
    return matrix(data);
  }

  /**
   * One number: the sum of the vector's samples (or the scalar). null = no data (empty vector,
   * or NaN). `single` refuses a vector of several series (threshold checks must aggregate).
   */
  async value(expr: string, time: Date, single = false): Promise<number | null> {
    const result = await this.query(expr, time);
    if (result.type === 'scalar') return Number.isNaN(result.value) ? null : result.value;
    const values = result.samples.map((s) => s.value).filter((v) => !Number.isNaN(v));
    if (values.length === 0) return null;
    if (single && values.length > 1) {
      throw new PrometheusQueryError(
        `the query returns ${values.length} series; aggregate it to one (e.g. sum(...))`,
        'bad_data',
      );
    }
    return values.reduce((a, b) => a + b, 0);
  }

  /** Reachable and ready (GET /-/ready). */
  async ready(): Promise<boolean> {
    try {
      const res = await fetch(`${this.baseUrl}/-/ready`, {
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      return res.ok;
    } catch {
      return false;
    }
  }

  private async call(
    path: string,
    params: Record<string, string>,
  ): Promise<NonNullable<ApiBody['data']>> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          // Uncompressed: gzip made every answer cost Shipwatch about twice the CPU (inflate, on
          // the verification loop's hot path) and Prometheus more; answers are small and local.
          'Accept-Encoding': 'identity',
        },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      prometheusQueryErrors.inc({ reason: 'unavailable' });
      const cause = error as Error & { cause?: { code?: string; message?: string } };
      // Node's fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND...) is its cause.
      const network = cause.cause?.code ?? cause.cause?.message;
      const message =
        cause.name === 'TimeoutError'
          ? `timed out after ${this.timeoutMs} ms`
          : `${cause.message}${network ? ` (${network})` : ''}`;
      throw new PrometheusUnavailableError(
        `Prometheus at ${this.baseUrl} is unavailable: ${message}`,
        {
          cause,
        },
      );
    }
    let body: ApiBody;
    try {
      body = (await res.json()) as ApiBody;
    } catch {
      prometheusQueryErrors.inc({ reason: 'unavailable' });
      throw new PrometheusUnavailableError(
        `Prometheus at ${this.baseUrl} answered ${res.status} without a JSON body`,
      );
    }
    if (res.ok && body.status === 'success' && body.data) return body.data;
    // 400 bad_data / 422 execution: the query is at fault. 503 / timeout / 5xx: Prometheus is.
    if (res.status === 400 || res.status === 422) {
      prometheusQueryErrors.inc({ reason: 'query' });
      throw new PrometheusQueryError(
        body.error ?? `HTTP ${res.status}`,
        body.errorType ?? 'bad_data',
      );
    }
    prometheusQueryErrors.inc({ reason: 'unavailable' });
    throw new PrometheusUnavailableError(
      `Prometheus at ${this.baseUrl} answered ${res.status}: ${body.error ?? 'no error message'}`,
    );
  }
}

const seconds = (d: Date): string => (d.getTime() / 1000).toFixed(3);
