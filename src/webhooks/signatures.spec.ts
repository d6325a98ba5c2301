import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  githubSignature,
  safeEqual,
  standardWebhooksSignature,
  verifyFluxSignature,
  verifyGithubSignature,
  slackSignature,
  verifyPagerdutySignature,
  verifySlackSignature,
  verifyStandardWebhook,
} from './signatures.js';

describe('verifyGithubSignature', () => {
  const secret = "It's a Secret to Everybody";
  const body = Buffer.from('Hello, World!');

  it('accepts the example of GitHub\u2019s validating-webhook-deliveries page', () => {
    // docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
    const header = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
    expect(verifyGithubSignature(secret, body, header)).toBeNull();
    expect(githubSignature(secret, body)).toBe(header);
  });

  it('refuses a missing, malformed or wrong signature, and a changed body', () => {
    const good = githubSignature(secret, body);
    expect(verifyGithubSignature(secret, body, undefined)).toContain('missing');
    expect(verifyGithubSignature(secret, body, 'sha1=abc')).toContain('not "sha256=');
    expect(verifyGithubSignature('another secret', body, good)).toContain('does not match');
    expect(verifyGithubSignature(secret, Buffer.from('Hello, World?'), good)).toContain(
      'does not match',
    );
  });
});

describe('verifyFluxSignature (generic-hmac Provider)', () => {
  // notification-controller's own test vector (internal/notifier/forwarder_test.go)
  const key = '7152fed34dd6149a7c75a276c510da27cb6f82b0';
  const body = readFileSync(
    join(import.meta.dirname, '../../test/fixtures/flux/forwarder-test-event.json'),
  );
  const header = 'sha256=65b018549b1254e7226d1c08f9567ee45bc9de0fc4e7b1a40253f9a018b08be7';

  it('accepts the signature of Flux’s forwarder test, and the other hashes Flux documents', () => {
    expect(verifyFluxSignature(key, body, header)).toBeNull();
    for (const hash of ['sha224', 'sha384', 'sha512']) {
      const mac = createHmac(hash, key).update(body).digest('hex');
      expect(verifyFluxSignature(key, body, `${hash}=${mac}`)).toBeNull();
    }
  });

  it('refuses a missing, malformed or wrong signature, and a changed body', () => {
    expect(verifyFluxSignature(key, body, undefined)).toContain('missing');
    expect(verifyFluxSignature(key, body, 'md5=abc')).toContain('is not');
    expect(verifyFluxSignature(key, body, 'sha256=abcd')).toContain('is not');
    expect(verifyFluxSignature(key, body, header.replace('sha256=', 'sha512='))).toContain(
      'is not',
    );
    expect(verifyFluxSignature('another key', body, header)).toContain('does not match');
    expect(verifyFluxSignature(key, Buffer.concat([body, Buffer.from('\n')]), header)).toContain(
      'does not match',
    );
  });
});

describe('verifyStandardWebhook (GitLab signing tokens)', () => {
  const key = Buffer.alloc(32, 7);
  const secret = `whsec_${key.toString('base64')}`;
  const body = Buffer.from('{"object_kind":"push"}');
  const now = new Date('2026-11-30T12:00:00Z');
  const timestamp = String(now.getTime() / 1000);
  const sign = (s = secret, id = 'msg_1', ts = timestamp, b: Buffer = body) =>
    standardWebhooksSignature(s, id, ts, b);

  it('signs v1,<base64 HMAC-SHA256(decoded whsec_ key, "id.timestamp.body")>', () => {
    const expected = createHmac('sha256', key)
      .update(`msg_1.${timestamp}.${body.toString()}`)
      .digest('base64');
    expect(sign()).toBe(`v1,${expected}`);
  });

  it('accepts a valid signature, also among several (key rotation)', () => {
    const headers = { id: 'msg_1', timestamp, signature: sign() };
    expect(verifyStandardWebhook(secret, body, headers, now)).toBeNull();
    const rotated = `v1,${Buffer.alloc(32).toString('base64')} ${sign()}`;
    expect(verifyStandardWebhook(secret, body, { ...headers, signature: rotated }, now)).toBeNull();
  });

  it('refuses missing headers, a wrong key, a changed body or id, and an old timestamp', () => {
    const headers = { id: 'msg_1', timestamp, signature: sign() };
    expect(verifyStandardWebhook(secret, body, { id: 'msg_1' }, now)).toContain('must all');
    expect(verifyStandardWebhook('whsec_' + 'A'.repeat(44), body, headers, now)).toContain(
      'does not match',
    );
    expect(verifyStandardWebhook(secret, Buffer.from('{}'), headers, now)).toContain(
      'does not match',
    );
    expect(verifyStandardWebhook(secret, body, { ...headers, id: 'msg_2' }, now)).toContain(
      'does not match',
    );
    const late = new Date(now.getTime() + 6 * 60_000);
    expect(verifyStandardWebhook(secret, body, headers, late)).toContain('away from the server');
    expect(verifyStandardWebhook(secret, body, { ...headers, timestamp: 'x' }, now)).toContain(
      'Unix seconds',
    );
  });
});

describe('safeEqual', () => {
  it('compares strings of any length', () => {
    expect(safeEqual('test-secret', 'test-secret')).toBe(true);
    expect(safeEqual('test-secret', 'test-secre')).toBe(false);
    expect(safeEqual('', 'x')).toBe(false);
  });
});

describe('verifyPagerdutySignature (the test vector of PagerDuty go-pagerduty webhookv3)', () => {
  const secret = 'lDQHScfUeXUKaQRNF+8XIiDKZ7XX3itBAYzwU0TARw8lJqRnkKl2iB1anSb0Z+IK';
  const body = readFileSync(
    join(import.meta.dirname, '../../test/fixtures/pagerduty/go-pagerduty-priority-updated.json'),
  );
  const valid = 'v1=0c0b9495b893a39e70d1fea2fe11fbe0a825f88b9f67846f6cc07dd2bc5476cd';
  const mismatch = 'v1=7020c8a7ec668a9b7012bc3dd82e483394b038f4230acc6785efbf2a7d8bcaf5';

  it('accepts the SDK-signed body, also among the signatures of a secret rotation', () => {
    expect(verifyPagerdutySignature(secret, body, valid)).toBeNull();
    expect(verifyPagerdutySignature(secret, body, `${mismatch},${valid}`)).toBeNull();
  });

  it('refuses the mismatching signature, a malformed or missing header, a changed body', () => {
    expect(verifyPagerdutySignature(secret, body, mismatch)).toContain('does not match');
    expect(verifyPagerdutySignature(secret, body, undefined)).toContain('missing');
    expect(verifyPagerdutySignature(secret, body, 'sha256=abc')).toContain('no "v1=');
    expect(verifyPagerdutySignature(secret, Buffer.from(`${body.toString()} `), valid)).toContain(
      'does not match',
    );
  });
});

describe('verifySlackSignature (the worked example of Slack’s request signing guide)', () => {
  // docs.slack.dev/authentication/verifying-requests-from-slack: secret, timestamp, body, signature
  const secret = '8f742231b10e8888abcd99yyyzzz85a5';
  const timestamp = '1531420618';
  const body = Buffer.from(
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  );
  const signature = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
  const at = (s: number) => new Date((1531420618 + s) * 1000);

  it('accepts the documented request within five minutes of its timestamp', () => {
    expect(slackSignature(secret, timestamp, body)).toBe(signature);
    expect(verifySlackSignature(secret, body, { timestamp, signature }, at(299))).toBeNull();
    expect(verifySlackSignature(secret, body, { timestamp, signature }, at(-299))).toBeNull();
  });

  it('refuses a stale timestamp, another body or secret, and malformed headers', () => {
    expect(verifySlackSignature(secret, body, { timestamp, signature }, at(301))).toMatch(
      /301 s away/,
    );
    expect(
      verifySlackSignature(
        secret,
        Buffer.from(`${body.toString()}x`),
        { timestamp, signature },
        at(0),
      ),
    ).toMatch(/does not match/);
    expect(verifySlackSignature('another-secret', body, { timestamp, signature }, at(0))).toMatch(
      /does not match/,
    );
    expect(verifySlackSignature(secret, body, { timestamp }, at(0))).toMatch(
      /must both be present/,
    );
    expect(verifySlackSignature(secret, body, { timestamp: '1e9', signature }, at(0))).toMatch(
      /Unix seconds/,
    );
    expect(verifySlackSignature(secret, body, { timestamp, signature: 'v1=abc' }, at(0))).toMatch(
      /v0=<64 hex digits>/,
    );
  });
});
