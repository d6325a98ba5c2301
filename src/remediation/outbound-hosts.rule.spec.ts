import {
  allowedOutboundHosts,
  checkOutboundUrl,
  nonPublicRange,
  slackResponseHosts,
} from './outbound-hosts.rule.js';

const config = {
  outboundAllowedHosts: ['Deploy.Example.com', 'hooks.internal:8443'],
  outboundPrivateHosts: ['rollback.svc.cluster.local:8080'],
  alertmanagerUrl: 'http://alertmanager:9093',
  slackWebhookUrl: 'https://hooks.slack.com/services/T0/B0/secret',
  pagerdutyUrl: 'https://events.pagerduty.com/v2/enqueue',
  pagerdutyRoutingKey: undefined,
};

describe('allowedOutboundHosts', () => {
  it('adds the hosts (with their effective port) of the configured alert URLs, which may be private', () => {
    expect(allowedOutboundHosts(config)).toEqual({
      allowed: [
        'deploy.example.com',
        'hooks.internal:8443',
        'rollback.svc.cluster.local:8080',
        'alertmanager:9093',
        'hooks.slack.com:443',
      ],
      mayBePrivate: ['rollback.svc.cluster.local:8080', 'alertmanager:9093', 'hooks.slack.com:443'],
    });
  });

  it('allows the PagerDuty events host only with a routing key', () => {
    expect(
      allowedOutboundHosts({
        outboundAllowedHosts: [],
        outboundPrivateHosts: [],
        alertmanagerUrl: undefined,
        slackWebhookUrl: undefined,
        pagerdutyUrl: 'https://events.pagerduty.com/v2/enqueue',
        pagerdutyRoutingKey: undefined,
      }),
    ).toEqual({ allowed: [], mayBePrivate: [] });
    expect(
      allowedOutboundHosts({
        ...config,
        outboundAllowedHosts: [],
        outboundPrivateHosts: [],
        alertmanagerUrl: undefined,
        slackWebhookUrl: undefined,
        pagerdutyRoutingKey: 'R0UT1NGKEY',
      }).allowed,
    ).toEqual(['events.pagerduty.com:443']);
  });
});

describe('checkOutboundUrl', () => {
  const hosts = {
    allowed: [
      'deploy.example.com',
      'hooks.internal:8443',
      '127.0.0.1:9000',
      '[::1]:7000',
      '10.0.0.7',
      '[::ffff:127.0.0.1]',
      '[fd00::1]',
      '169.254.169.254',
      '0.0.0.0',
    ],
    mayBePrivate: ['127.0.0.1:9000', '[::1]:7000'],
  };

  it.each([
    ['https://deploy.example.com/rollback', false],
    ['http://DEPLOY.example.com:8080/x', false],
    ['https://hooks.internal:8443/a?b=c', false],
    ['http://127.0.0.1:9000/', true],
    ['http://[::1]:7000/hook', true],
  ])('allows %s (may be private: %s)', (url, mayBePrivate) => {
    expect(checkOutboundUrl(url, hosts)).toEqual({ ok: true, mayBePrivate });
  });

  it.each([
    ['https://evil.example.com/', /host evil\.example\.com is not in/],
    ['https://deploy.example.com.evil.io/', /is not in/],
    ['https://hooks.internal/a', /is not in/], // port 443, only 8443 allowed
    ['http://127.0.0.1:9001/', /is not in/],
    ['http://10.0.0.7/', /address 10\.0\.0\.7 is not public \(private\)/],
    ['http://[::ffff:127.0.0.1]/', /address \[::ffff:7f00:1\] is not public \(loopback\)/],
    ['http://[fd00::1]/', /is not public \(uniqueLocal\)/],
    ['http://169.254.169.254/latest/meta-data', /is not public \(linkLocal\)/],
    ['http://0.0.0.0/', /is not public \(unspecified\)/],
    ['file:///etc/passwd', /only http and https/],
    ['ftp://deploy.example.com/', /only http and https/],
    ['https://user:pw@deploy.example.com/', /credentials/],
    ['not a url', /not a valid URL/],
  ])('refuses %s', (url, reason) => {
    const check = checkOutboundUrl(url, hosts);
    expect(check.ok).toBe(false);
    expect(!check.ok && check.reason).toMatch(reason);
  });

  it('refuses everything when nothing is allowed', () => {
    expect(
      checkOutboundUrl('https://api.github.com/repos', { allowed: [], mayBePrivate: [] }).ok,
    ).toBe(false);
  });
});

describe('nonPublicRange', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['[::1]', 'loopback'],
    ['[::ffff:7f00:1]', 'loopback'],
    ['[::ffff:a00:1]', 'private'],
    ['192.168.1.1', 'private'],
    ['172.16.0.1', 'private'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['[fe80::1]', 'linkLocal'],
    ['93.184.215.14', undefined],
    ['[2606:4700::1111]', undefined],
    ['example.com', undefined],
  ])('%s: %s', (host, range) => {
    expect(nonPublicRange(host)).toBe(range);
  });
});

describe('slackResponseHosts', () => {
  const hosts = slackResponseHosts(config);
  const check = (url: string) => checkOutboundUrl(url, hosts);

  it('allows Slack’s hooks host over https and the hosts the operator listed, not the alert URLs', () => {
    expect(check('https://hooks.slack.com/actions/T1/2/abc')).toEqual({
      ok: true,
      mayBePrivate: false,
    });
    expect(check('https://deploy.example.com/x')).toEqual({ ok: true, mayBePrivate: false });
    expect(check('http://rollback.svc.cluster.local:8080/x')).toEqual({
      ok: true,
      mayBePrivate: true,
    });
    expect(check('http://alertmanager:9093/api/v2/alerts')).toMatchObject({ ok: false });
    expect(check('https://events.pagerduty.com/x')).toMatchObject({ ok: false });
  });

  it('refuses another Slack host, another port, a private address not listed', () => {
    expect(check('https://slack.com/api/chat.update')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not in SHIPWATCH_OUTBOUND_ALLOWED_HOSTS/),
    });
    expect(check('https://hooks.slack.com:8443/actions/x')).toMatchObject({ ok: false });
    expect(check('http://127.0.0.1:9/actions/x')).toMatchObject({ ok: false });
    const listed = slackResponseHosts({
      outboundAllowedHosts: ['127.0.0.1:9'],
      outboundPrivateHosts: [],
    });
    expect(checkOutboundUrl('http://127.0.0.1:9/x', listed)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not public/),
    });
  });
});
