/**
 * The CLI's HTTP client: one POST /graphql per call with Node's fetch, turning every failure into
 * a CliError with the right exit code. GraphQL errors keep the server's `extensions.code`.
 *
 * Retries: a request marked `idempotent` (queries, and events, which carry an eventId) is retried
 * with backoff on connection errors, timeouts, 429 and 502/503/504. Other requests are retried
 * only when the connection was refused (the server never saw them).
 */
import { CliError, ExitCode } from './cli.errors.js';

export interface GraphqlErrorBody {
  readonly message: string;
  readonly path?: readonly (string | number)[];
  readonly extensions?: { readonly code?: string } & Record<string, unknown>;
}

export interface ClientOptions {
  readonly url: string;
  readonly token?: string;
  readonly userAgent?: string;
  readonly timeoutMs?: number;
  /** Attempts after the first one. */
  readonly retries?: number;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface RequestOptions {
  /** Safe to send twice (queries; events with an eventId). Default true. */
  readonly idempotent?: boolean;
  /** Fail locally with AUTH when no token is configured. Default true. */
  readonly needsToken?: boolean;
}

const TRANSIENT_STATUS = new Set([429, 502, 503, 504]);
const REFUSED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class ShipwatchClient {
  readonly url: string;
  private readonly endpoint: string;

  constructor(private readonly options: ClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.endpoint = `${this.url}/graphql`;
  }

  async request<T>(
    query: string,
    variables: Record<string, unknown> = {},
    opts: RequestOptions = {},
  ): Promise<T> {
    if (opts.needsToken !== false && !this.options.token) {
      throw new CliError(
        ExitCode.AUTH,
        'no API token: set SHIPWATCH_TOKEN or pass --token (create one with `shipwatch token create`)',
        'UNAUTHENTICATED',
      );
    }
    const retries = this.options.retries ?? 3;
    const wait = this.options.sleep ?? sleep;
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.once(query, variables);
      if (outcome.ok) return outcome.data as T;
      const retriable =
        outcome.transient &&
        (opts.idempotent !== false || outcome.error.code === 'CONNECTION_REFUSED');
      if (!retriable || attempt >= retries) throw outcome.error;
      await wait(Math.min(8000, 500 * 2 ** attempt));
    }
  }

  private async once(
    query: string,
    variables: Record<string, unknown>,
  ): Promise<{ ok: true; data: unknown } | { ok: false; transient: boolean; error: CliError }> {
    const doFetch = this.options.fetch ?? fetch;
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'User-Agent': this.options.userAgent ?? 'shipwatch-cli',
    };
    if (this.options.token) headers.Authorization = `Bearer ${this.options.token}`;
    let response: Response;
    let text: string;
    try {
      response = await doFetch(this.endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
      text = await response.text();
    } catch (error) {
      return { ok: false, transient: true, error: this.networkError(error) };
    }
    let body: { data?: unknown; errors?: GraphqlErrorBody[] } | undefined;
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = undefined;
    }
    if (body?.errors && body.errors.length > 0) {
      const error = errorFromGraphql(body.errors);
      return { ok: false, transient: error.code === 'RATE_LIMITED', error };
    }
    if (TRANSIENT_STATUS.has(response.status)) {
      return {
        ok: false,
        transient: true,
        error: new CliError(
          ExitCode.UNREACHABLE,
          `Shipwatch at ${this.url} is unavailable (HTTP ${response.status})`,
          'UNAVAILABLE',
        ),
      };
    }
    if (!response.ok || !body || body.data === undefined || body.data === null) {
      return {
        ok: false,
        transient: false,
        error: new CliError(
          ExitCode.FAILURE,
          `unexpected answer from ${this.endpoint} (HTTP ${response.status}${body ? '' : ', not JSON'}): is ${this.url} the Shipwatch base URL?`,
          'BAD_RESPONSE',
        ),
      };
    }
    return { ok: true, data: body.data };
  }

  private networkError(error: unknown): CliError {
    const e = error as {
      name?: string;
      message?: string;
      cause?: { code?: string; message?: string };
    };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') {
      return new CliError(
        ExitCode.UNREACHABLE,
        `Shipwatch at ${this.url} did not answer within ${Math.round((this.options.timeoutMs ?? 30_000) / 1000)}s`,
        'TIMEOUT',
      );
    }
    const code = e.cause?.code;
    const reason = code ?? e.cause?.message ?? e.message ?? String(error);
    return new CliError(
      ExitCode.UNREACHABLE,
      `cannot reach Shipwatch at ${this.url} (${reason}); check SHIPWATCH_URL or --server`,
      code && REFUSED.has(code) ? 'CONNECTION_REFUSED' : 'UNREACHABLE',
    );
  }
}

/** A request the server answered with GraphQL errors: every one of them, beside the first. */
export class GraphqlRequestError extends CliError {
  constructor(
    exitCode: CliError['exitCode'],
    message: string,
    code: string,
    details: Record<string, unknown>,
    readonly errors: readonly GraphqlErrorBody[],
  ) {
    super(exitCode, message, code, details);
    this.name = 'GraphqlRequestError';
  }
}

/** The first GraphQL error as a CliError; authentication problems exit with AUTH. */
export function errorFromGraphql(errors: readonly GraphqlErrorBody[]): GraphqlRequestError {
  const first = errors[0];
  const code = first.extensions?.code ?? 'INTERNAL_SERVER_ERROR';
  const { code: _code, ...details } = first.extensions ?? {};
  const more =
    errors.length > 1
      ? ` (and ${errors.length - 1} more error${errors.length > 2 ? 's' : ''})`
      : '';
  switch (code) {
    case 'UNAUTHENTICATED':
      return new GraphqlRequestError(
        ExitCode.AUTH,
        `${first.message}: check SHIPWATCH_TOKEN or --token`,
        code,
        details,
        errors,
      );
    case 'FORBIDDEN':
      return new GraphqlRequestError(ExitCode.AUTH, first.message, code, details, errors);
    case 'GRAPHQL_VALIDATION_FAILED':
      return new GraphqlRequestError(
        ExitCode.FAILURE,
        `the server does not support this request (${first.message}); is it an older Shipwatch than this CLI?`,
        code,
        details,
        errors,
      );
    default:
      return new GraphqlRequestError(
        ExitCode.FAILURE,
        `${first.message}${more}`,
        code,
        details,
        errors,
      );
  }
}
