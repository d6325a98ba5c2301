import { allowedOutboundHosts, checkOutboundUrl } from './outbound-hosts.rule.js';

describe('allowedOutboundHosts', () => {
  it('adds the hosts (with their effective port) of the configured alert URLs', () => {
    expect(
      allowedOutboundHosts({
        outboundAllowedHosts: ['Deploy.Example.com', 'hooks.internal:8443'],
        alertmanagerUrl: 'http://alertmanager:9093',
        slackWebhookUrl: 'https://hooks.slack.com/services/T0/B0/secret',
        pagerdutyUrl: 'https://events.pagerduty.com/v2/enqueue',
      }),
    ).toEqual([
      'deploy.example.com',
      'hooks.internal:8443',
      'alertmanager:9093',
      'hooks.slack.com:443',
      'events.pagerduty.com:443',
    ]);
  });
});

describe('checkOutboundUrl', () => {
  const allowed = ['deploy.example.com', 'hooks.internal:8443', '127.0.0.1:9000', '[::1]:7000'];

  it.each([
    'https://deploy.example.com/rollback',
    'http://DEPLOY.example.com:8080/x',
    'https://hooks.internal:8443/a?b=c',
    'http://127.0.0.1:9000/',
    'http://[::1]:7000/hook',
  ])('allows %s', (url) => {
    expect(checkOutboundUrl(url, allowed)).toEqual({ ok: true });
  });

  it.each([
    ['https://evil.example.com/', /host evil\.example\.com is not in/],
    ['https://deploy.example.com.evil.io/', /is not in/],
    ['https://hooks.internal/a', /is not in/], // port 443, only 8443 allowed
    ['http://127.0.0.1:9001/', /is not in/],
    ['http://169.254.169.254/latest/meta-data', /is not in/],
    ['file:///etc/passwd', /only http and https/],
    ['ftp://deploy.example.com/', /only http and https/],
    ['https://user:pw@deploy.example.com/', /credentials/],
    ['not a url', /not a valid URL/],
  ])('refuses %s', (url, reason) => {
    const check = checkOutboundUrl(url, allowed);
    expect(check.ok).toBe(false);
    expect(!check.ok && check.reason).toMatch(reason);
  });

  it('refuses everything when nothing is allowed', () => {
    expect(checkOutboundUrl('https://api.github.com/repos', []).ok).toBe(false);
  });
});
