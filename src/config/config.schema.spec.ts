import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, describeConfig, loadConfig } from './config.schema.js';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('loadConfig', () => {
  it('applies defaults: port 4000, embedded database under ./data', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(config.databaseKind).toBe('embedded');
    expect(config.dataDir).toBe('./data');
    expect(config.publicUrl).toBe('http://localhost:4000');
    expect(config.schedulerEnabled).toBe(true);
  });

  it('reads SHIPWATCH_TRUST_PROXY as off, a hop count or addresses and CIDRs', () => {
    const trust = (raw: string) => loadConfig({ SHIPWATCH_TRUST_PROXY: raw }).trustProxy;
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(trust('off')).toBe(false);
    expect(trust('on')).toBe(true);
    expect(trust('2')).toBe(2);
    expect(trust('10.0.0.0/8, loopback,2001:db8::/32')).toEqual([
      '10.0.0.0/8',
      'loopback',
      '2001:db8::/32',
    ]);
    for (const bad of ['10.0.0.0/33', 'proxy.example', '::1/129', 'yes'])
      expect(problemsOf({ SHIPWATCH_TRUST_PROXY: bad })).toHaveLength(1);
  });

  it('reads the GitHub App: its ID with a private key, inline (\\n escapes) or from a file', () => {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const escaped = privateKey.replaceAll('\n', '\\n');
    const inline = loadConfig({ GITHUB_APP_ID: '42', GITHUB_APP_PRIVATE_KEY: escaped });
    expect(inline).toMatchObject({ githubAppId: 42, githubAppPrivateKey: privateKey });
    expect(inline.githubApiUrl).toBe('https://api.github.com');
    expect(inline.githubGateIncomplete).toBe('rejected');
    const file = join(mkdtempSync(join(tmpdir(), 'shipwatch-config-')), 'app.pem');
    writeFileSync(file, privateKey);
    expect(
      loadConfig({ GITHUB_APP_ID: '42', GITHUB_APP_PRIVATE_KEY_FILE: file }).githubAppPrivateKey,
    ).toBe(privateKey);
    expect(loadConfig({}).githubAppPrivateKey).toBeUndefined();

    expect(problemsOf({ GITHUB_APP_ID: '42' })).toEqual([
      expect.stringContaining('GITHUB_APP_ID and a private key'),
    ]);
    expect(problemsOf({ GITHUB_APP_PRIVATE_KEY: privateKey })).toHaveLength(1);
    expect(
      problemsOf({
        GITHUB_APP_ID: '42',
        GITHUB_APP_PRIVATE_KEY: privateKey,
        GITHUB_APP_PRIVATE_KEY_FILE: file,
      }),
    ).toEqual(['set GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE, not both']);
    const badKey = problemsOf({ GITHUB_APP_ID: '42', GITHUB_APP_PRIVATE_KEY: 'not-a-key-at-all' });
    expect(badKey).toEqual([expect.stringContaining('GITHUB_APP_PRIVATE_KEY="***" is invalid')]);
    expect(
      problemsOf({ GITHUB_APP_ID: '42', GITHUB_APP_PRIVATE_KEY_FILE: join(file, 'missing') }),
    ).toHaveLength(1);
    expect(problemsOf({ GITHUB_GATE_INCOMPLETE: 'maybe' })).toHaveLength(1);
  });

  it('refuses an outbox lease that a delivery could outlast', () => {
    expect(problemsOf({ OUTBOX_LEASE_SECONDS: '10' })).toEqual([
      'OUTBOX_LEASE_SECONDS must be above the delivery timeout (10 s)',
    ]);
    expect(loadConfig({ OUTBOX_LEASE_SECONDS: '11' }).outboxLeaseSeconds).toBe(11);
    expect(loadConfig({}).outboxLeaseSeconds).toBe(30);
  });

  it('refuses a headers timeout longer than the request timeout', () => {
    expect(
      problemsOf({ SHIPWATCH_HEADERS_TIMEOUT_MS: '90000', SHIPWATCH_REQUEST_TIMEOUT_MS: '60000' }),
    ).toEqual(['SHIPWATCH_HEADERS_TIMEOUT_MS must not exceed SHIPWATCH_REQUEST_TIMEOUT_MS']);
    expect(
      loadConfig({ SHIPWATCH_ANONYMOUS_RATE_LIMIT_RPS: '0.5' }).anonymousRateLimitPerSecond,
    ).toBe(0.5);
  });

  it('uses PostgreSQL when DATABASE_URL is set', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/shipwatch' });
    expect(config.databaseKind).toBe('postgres');
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT="abc" is invalid: expected an integer from 0 to 65535'],
    [{ PORT: '70000' }, 'PORT="70000" is invalid'],
    [
      { DATABASE_URL: 'not-a-url' },
      'DATABASE_URL="not-a-url" is invalid: expected a postgres:// or postgresql:// URL',
    ],
    [{ DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL="mysql://x/y" is invalid'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL="loud" is invalid: expected error | warn | info | debug'],
    [
      { PROMETHEUS_URL: 'localhost:9090' },
      'PROMETHEUS_URL="localhost:9090" is invalid: expected an http(s) URL',
    ],
    [{ SHIPWATCH_SCHEDULER: 'maybe' }, 'SHIPWATCH_SCHEDULER="maybe" is invalid: expected on | off'],
  ])('refuses %o naming the variable and what is expected', (env, message) => {
    expect(problemsOf(env)).toEqual([expect.stringContaining(message)]);
  });

  it('reports every problem at once', () => {
    expect(problemsOf({ PORT: 'abc', DATABASE_URL: 'nope' })).toHaveLength(2);
  });

  it('never echoes a secret in an error', () => {
    const [problem] = problemsOf({ SHIPWATCH_BOOTSTRAP_TOKEN: 'short' });
    expect(problem).toContain('SHIPWATCH_BOOTSTRAP_TOKEN="***"');
    expect(problem).not.toContain('short');
  });

  it('describes every variable for the README table', () => {
    const rows = describeConfig();
    expect(rows.map((r) => r.name)).toContain('PORT');
    for (const row of rows) expect(row.description.length).toBeGreaterThan(5);
  });

  it('reads one webhook secret per Git host, and refuses a secret shared by two hosts', () => {
    const config = loadConfig({
      GITHUB_WEBHOOK_SECRET: 'secret-of-github',
      GITHUB_WEBHOOK_SECRETS: '{"GHE.example.com":"secret-of-ghe"}',
    });
    expect(config.githubWebhookHost).toBe('github.com');
    expect(config.githubWebhookSecrets).toEqual({ 'ghe.example.com': 'secret-of-ghe' });
    expect(
      problemsOf({
        GITHUB_WEBHOOK_SECRET: 'the-same-secret',
        GITHUB_WEBHOOK_SECRETS: '{"ghe.example.com":"the-same-secret"}',
      }),
    ).toEqual([expect.stringContaining('the same secret')]);
    expect(
      problemsOf({
        GITLAB_WEBHOOK_TOKEN: 'token-one',
        GITLAB_WEBHOOK_HOST: 'gitlab.example.com',
        GITLAB_WEBHOOK_TOKENS: '{"gitlab.example.com":"token-two"}',
      }),
    ).toEqual([expect.stringContaining('name each host once')]);
    const [problem] = problemsOf({ GITHUB_WEBHOOK_SECRETS: '{"ghe.example.com":"short"}' });
    expect(problem).toContain('GITHUB_WEBHOOK_SECRETS="***"');
  });
});
