import { isRetryableStatus } from '../remediation/retry.rule.js';
import type { DeliveryResult } from '../remediation/senders/outbound-request.js';
import { appJwt } from './app-jwt.js';

export interface GithubAppCredentials {
  readonly appId: number;
  readonly privateKey: string;
  /** GITHUB_API_URL, without a trailing slash. */
  readonly apiUrl: string;
  readonly userAgent: string;
  readonly timeoutMs: number;
}

type Failure = Extract<DeliveryResult, { ok: false }>;

/**
 * The two GitHub calls of a protection rule answer: the App's JWT exchanged for an installation
 * token, then the review posted to the deployment callback with that token. GITHUB_API_URL is
 * configuration (trusted), and the callback URL was checked to be on it (callbackUrlRefusal).
 * Redirects are not followed; error texts name the host and status, never a token.
 */
export class GithubAppClient {
  constructor(private readonly credentials: GithubAppCredentials) {}

  async installationToken(
    installationId: string,
    now: Date,
  ): Promise<{ readonly ok: true; readonly token: string } | Failure> {
    const url = `${this.credentials.apiUrl}/app/installations/${installationId}/access_tokens`;
    const jwt = appJwt(this.credentials.appId, this.credentials.privateKey, now);
    const answer = await this.post(url, jwt, undefined, 'the installation token');
    if (!answer.ok) return answer;
    let token: unknown;
    try {
      token = (JSON.parse(answer.text) as { token?: unknown }).token;
    } catch {
      token = undefined;
    }
    if (typeof token !== 'string' || token === '') {
      return {
        ok: false,
        retryable: true,
        error: `the installation token answer of ${new URL(url).host} has no token`,
      };
    }
    return { ok: true, token };
  }

  async review(
    callbackUrl: string,
    token: string,
    body: { environment_name: string; state: string; comment: string },
  ): Promise<DeliveryResult> {
    const answer = await this.post(callbackUrl, token, JSON.stringify(body), 'the review');
    return answer.ok ? { ok: true, status: answer.status } : answer;
  }

  private async post(
    url: string,
    bearer: string,
    body: string | undefined,
    what: string,
  ): Promise<{ readonly ok: true; readonly status: number; readonly text: string } | Failure> {
    const host = new URL(url).host;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(this.credentials.timeoutMs),
        headers: {
          Accept: 'application/vnd.github+json',
          Authorization: `Bearer ${bearer}`,
          'User-Agent': this.credentials.userAgent,
          'X-GitHub-Api-Version': '2022-11-28',
          ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        },
        body,
      });
    } catch (error) {
      const name = (error as Error).name;
      const reason =
        name === 'TimeoutError' || name === 'AbortError'
          ? `timed out after ${this.credentials.timeoutMs} ms`
          : 'could not connect';
      return { ok: false, retryable: true, error: `${what}: ${reason} calling ${host}` };
    }
    const text = await res.text();
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, text };
    const message = githubMessage(text);
    return {
      ok: false,
      retryable: isRetryableStatus(res.status),
      error: `${what}: HTTP ${res.status} from ${host}${message ? `: ${message}` : ''}`,
    };
  }
}

/** GitHub's error `message`, short. */
function githubMessage(text: string): string {
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    return typeof message === 'string' ? message.slice(0, 200) : '';
  } catch {
    return '';
  }
}
