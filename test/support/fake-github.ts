import { createVerify } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the fake GitHub received, with what it made of it. */
export interface FakeGithubCall {
  readonly path: string;
  readonly authorization: string | undefined;
  readonly json: unknown;
  readonly status: number;
  /** For a token request: whether the JWT verified with the App's public key (RS256, claims). */
  readonly jwtValid?: boolean;
}

export interface FakeGithub {
  readonly url: string;
  readonly tokens: FakeGithubCall[];
  readonly callbacks: FakeGithubCall[];
  /** The installation token it hands out. */
  readonly token: string;
  /** Decides the status of each callback (`n` counts callbacks from 1); default 204. */
  callbackStatus(status: (n: number) => number): void;
  reset(): void;
  stop(): Promise<void>;
}

/**
 * The GitHub endpoints a GitHub App answering deployment protection rules calls, on 127.0.0.1:
 * `POST /app/installations/{id}/access_tokens` (answers 201 with a token only for a JWT signed
 * with the App's key, `iss` the App ID, issued in the past and expiring within 10 minutes, like
 * GitHub), and `POST .../deployment_protection_rule` (the callback: recorded, 204).
 */
export async function startFakeGithub(app: {
  readonly appId: number;
  readonly publicKey: string;
}): Promise<FakeGithub> {
  const tokens: FakeGithubCall[] = [];
  const callbacks: FakeGithubCall[] = [];
  const token = 'ghs_fakeInstallationToken0123456789';
  let statusOf: (n: number) => number = () => 204;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const json: unknown = text ? JSON.parse(text) : null;
      const path = req.url ?? '';
      const authorization = req.headers.authorization;
      if (req.method === 'POST' && /^\/app\/installations\/\d+\/access_tokens$/.test(path)) {
        const jwtValid = verifyAppJwt(authorization, app);
        const status = jwtValid ? 201 : 401;
        tokens.push({ path, authorization, json, status, jwtValid });
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify(
            jwtValid
              ? { token, expires_at: new Date(Date.now() + 3_600_000).toISOString() }
              : { message: 'A JSON web token could not be decoded' },
          ),
        );
        return;
      }
      if (req.method === 'POST' && path.endsWith('/deployment_protection_rule')) {
        const status = authorization === `Bearer ${token}` ? statusOf(callbacks.length + 1) : 401;
        callbacks.push({ path, authorization, json, status });
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(status === 204 ? undefined : JSON.stringify({ message: `HTTP ${status}` }));
        return;
      }
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ message: 'Not Found' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tokens,
    callbacks,
    token,
    callbackStatus: (s) => {
      statusOf = s;
    },
    reset: () => {
      tokens.length = 0;
      callbacks.length = 0;
      statusOf = () => 204;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function verifyAppJwt(
  authorization: string | undefined,
  app: { readonly appId: number; readonly publicKey: string },
): boolean {
  const jwt = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
  const parts = jwt?.split('.') ?? [];
  if (parts.length !== 3) return false;
  const [header, claims, signature] = parts;
  const decode = (s: string) =>
    JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Record<string, unknown>;
  try {
    if (decode(header).alg !== 'RS256') return false;
    const c = decode(claims);
    const now = Math.floor(Date.now() / 1000);
    const iat = Number(c.iat);
    const exp = Number(c.exp);
    if (c.iss !== String(app.appId) || iat > now || exp <= now || exp - iat > 600) return false;
  } catch {
    return false;
  }
  return createVerify('RSA-SHA256')
    .update(`${header}.${claims}`)
    .verify(app.publicKey, Buffer.from(signature, 'base64url'));
}
