import { aRelease, anAlert } from '../../../test/factories/remediation-actions.js';
import { escapeSlack, slackMessage } from './slack.payload.js';

describe('slackMessage (incoming webhook body)', () => {
  it('has a fallback text and section/context blocks', () => {
    const message = slackMessage(anAlert({ channel: 'SLACK' }));
    expect(message.text).toBe(
      ':red_circle: [FAILED] shop/checkout 1.4.2 in production: errors 8.0% vs baseline 0.1% (p &lt; 1e-9, burn 80x)',
    );
    expect(message.blocks).toEqual([
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: ':red_circle: *FAILED* shop/checkout 1.4.2 in production\nerrors 8.0% vs baseline 0.1% (p &lt; 1e-9, burn 80x)',
        },
      },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: '<http://shipwatch.test/deployments/42/verification|Verification evidence>',
          },
          { type: 'mrkdwn', text: 'deployment 42' },
          { type: 'mrkdwn', text: 'previous version 1.4.1' },
          { type: 'mrkdwn', text: 'severity critical' },
        ],
      },
    ]);
  });

  it('marks a resolution and a warning differently', () => {
    expect(slackMessage(anAlert({ state: 'RESOLVED' })).text).toMatch(
      /^:white_check_mark: \[RESOLVED\]/,
    );
    expect(
      slackMessage(
        anAlert({
          verdict: 'INCONCLUSIVE',
          severity: 'warning',
          release: aRelease({ namespace: '' }),
        }),
      ).text,
    ).toMatch(/^:large_orange_circle: \[INCONCLUSIVE\] checkout 1\.4\.2/);
  });

  it('escapes mrkdwn control characters', () => {
    expect(escapeSlack('<a> & <b>')).toBe('&lt;a&gt; &amp; &lt;b&gt;');
  });
});
