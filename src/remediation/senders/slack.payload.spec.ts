import {
  aChangeFact,
  aRelease,
  anAlert,
  anExplanation,
} from '../../../test/factories/remediation-actions.js';
import {
  SLACK_MAX_BLOCKS,
  SLACK_MAX_EXPLANATION_TEXT,
  SLACK_MAX_SECTION_TEXT,
  escapeSlack,
  slackMessage,
} from './slack.payload.js';

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

  it('asks a person about an advised rollback: buttons carrying the verification id', () => {
    const message = slackMessage(
      anAlert({ channel: 'SLACK', awaitsDecision: { verificationId: '17' } }),
    );
    expect(message.blocks.map((b) => b.type)).toEqual(['section', 'actions', 'context']);
    expect(message.blocks[1]).toEqual({
      type: 'actions',
      block_id: 'shipwatch_verification_17',
      elements: [
        {
          type: 'button',
          action_id: 'shipwatch_approve_rollback',
          text: { type: 'plain_text', text: 'Approve rollback' },
          style: 'danger',
          value: '17',
        },
        {
          type: 'button',
          action_id: 'shipwatch_mark_healthy',
          text: { type: 'plain_text', text: 'Mark healthy' },
          style: 'primary',
          value: '17',
        },
      ],
    });
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

describe('slackMessage with the release explanation', () => {
  type Block = { type: string; text?: { type: string; text: string } };
  const texts = (blocks: readonly Record<string, unknown>[]): string[] =>
    (blocks as Block[]).filter((b) => b.type === 'section').map((b) => b.text!.text);

  it('adds the reason and the changes, each pull request linked, between header and context', () => {
    const message = slackMessage(anAlert({ channel: 'SLACK', explanation: anExplanation() }));
    expect(message.blocks.map((b) => b.type)).toEqual(['section', 'section', 'section', 'context']);
    expect(texts(message.blocks).slice(1)).toEqual([
      '*Reason:* errors 8.0% vs baseline 0.1% (p &lt; 1e-9, burn 80x)',
      '*Changes:* 1 change\n• <https://github.com/acme/shop/pull/42|#42 Fix checkout totals> by alice (`a1b2c3d4e5f6`), lead time 3.5h',
    ]);
  });

  it('escapes <, > and & in titles and authors: no <!channel>, no forged link', () => {
    const message = slackMessage(
      anAlert({
        channel: 'SLACK',
        explanation: anExplanation([
          aChangeFact({
            pullRequestTitle: '<!channel> urgent <https://evil.test|click here> & *bold*',
            pullRequestAuthor: '<@U123> & <!here>',
          }),
          aChangeFact({
            sha: 'bb'.repeat(20),
            pullRequestUrl: 'https://evil.test/x|<!channel>',
            pullRequestTitle: 'link kept out',
          }),
        ]),
      }),
    );
    const all = JSON.stringify(message);
    expect(all).not.toMatch(/<!channel>|<!here>|<@U123>|<https:\/\/evil/);
    const changes = texts(message.blocks)[2];
    expect(changes).toContain(
      '|#42 &lt;!channel&gt; urgent &lt;https://evil.test|click here&gt; &amp; *bold*> by &lt;@U123&gt; &amp; &lt;!here&gt;',
    );
    // a link that could break out of <url|label> is not linked
    expect(changes).toContain('• #42 link kept out by alice');
  });

  it('keeps every section under 3,000 characters and the message under 50 blocks', () => {
    const changes = Array.from({ length: 1_000 }, (_, i) =>
      aChangeFact({
        sha: i.toString(16).padStart(40, '0'),
        pullRequestTitle: `${'&'.repeat(2_500)}${'<'.repeat(2_500)}`,
        pullRequestAuthor: '&'.repeat(300),
        pullRequestUrl: `https://github.com/acme/shop/pull/${i}?${'a=1&'.repeat(240)}`,
        startedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000),
      }),
    );
    const message = slackMessage(
      anAlert({
        channel: 'SLACK',
        explanation: anExplanation(changes, { reason: '<'.repeat(5_000) }),
      }),
    );
    expect(message.blocks.length).toBeLessThanOrEqual(SLACK_MAX_BLOCKS);
    const decided = slackMessage(
      anAlert({
        channel: 'SLACK',
        explanation: anExplanation(changes, { reason: '<'.repeat(5_000) }),
        awaitsDecision: { verificationId: '7' },
      }),
    );
    expect(decided.blocks.length).toBeLessThanOrEqual(SLACK_MAX_BLOCKS);
    expect(decided.blocks.at(-2)).toMatchObject({ type: 'actions' });
    for (const text of texts(message.blocks)) {
      expect(text.length).toBeLessThanOrEqual(SLACK_MAX_SECTION_TEXT);
      // no escape sequence cut in half
      expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/);
    }
    const explanation = texts(message.blocks).slice(1);
    expect(explanation.join('').length).toBeLessThanOrEqual(SLACK_MAX_EXPLANATION_TEXT + 100);
    const listed = texts(message.blocks).join('\n').match(/^• /gm) ?? [];
    expect(texts(message.blocks).at(-1)).toBe(`… and ${1_000 - listed.length} more`);
    expect(listed.length).toBeGreaterThan(0);
  });

  it('shows an empty changeset as its note', () => {
    const message = slackMessage(
      anAlert({
        channel: 'SLACK',
        explanation: anExplanation([], {
          changesetNote: 'no new changes since the previous deployment',
        }),
      }),
    );
    expect(texts(message.blocks)[2]).toBe(
      '*Changes:* no new changes since the previous deployment',
    );
  });
});
