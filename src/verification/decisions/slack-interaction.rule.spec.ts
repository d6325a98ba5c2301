import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decidedMessage, slackInteraction, type SlackDecision } from './slack-interaction.rule.js';

/** Slack's documented block_actions example (test/fixtures/slack/README.md). */
const EXAMPLE = JSON.parse(
  readFileSync(
    join(import.meta.dirname, '../../../test/fixtures/slack/docs-block-actions.json'),
    'utf8',
  ),
) as Record<string, unknown> & { actions: Record<string, unknown>[] };

const form = (payload: unknown): string =>
  new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
const click = (action: Record<string, unknown>, over: Record<string, unknown> = {}) =>
  form({ ...EXAMPLE, ...over, actions: [{ ...EXAMPLE.actions[0], ...action }] });

describe('slackInteraction', () => {
  it('reads the decision of a Shipwatch button and who clicked it', () => {
    expect(
      slackInteraction(click({ action_id: 'shipwatch_approve_rollback', value: '17' })),
    ).toEqual({
      ok: true,
      decision: {
        verificationId: '17',
        action: 'APPROVE_ROLLBACK',
        actor: { id: 'slack:UA8RXUSPL', name: 'jtorrance' },
        reason: 'Approve rollback button in Slack (#review-updates)',
        teamId: 'T9TK3CUKW',
        userId: 'UA8RXUSPL',
        responseUrl: 'https://hooks.slack.com/actions/AABA1ABCD/1232321423432/D09sSasdasdAS9091209',
        messageBlocks: null,
      },
    });
    expect(
      slackInteraction(
        click(
          { action_id: 'shipwatch_mark_healthy', value: '3' },
          {
            channel: undefined,
            team: undefined,
            response_url: '',
            user: { id: 'U1', team_id: 'T2' },
          },
        ),
      ),
    ).toMatchObject({
      ok: true,
      decision: {
        action: 'MARK_HEALTHY',
        actor: { id: 'slack:U1', name: 'U1' },
        reason: 'Mark healthy button in Slack',
        teamId: 'T2',
        responseUrl: null,
      },
    });
  });

  it.each([
    ['no payload field', 'token=x'],
    ['a payload that is not JSON', 'payload=%7Bnope'],
    ['a JSON array', form([1])],
    ['another interaction type', form({ ...EXAMPLE, type: 'view_submission' })],
    ['Slack’s example button itself', form(EXAMPLE)],
    ['no user id', click({ action_id: 'shipwatch_mark_healthy', value: '3' }, { user: {} })],
    ['a value that is no id', click({ action_id: 'shipwatch_mark_healthy', value: '3; drop' })],
    ['two actions', form({ ...EXAMPLE, actions: [EXAMPLE.actions[0], EXAMPLE.actions[0]] })],
    ['an inherited action id', click({ action_id: 'constructor', value: '3' })],
  ])('refuses %s', (_, body) => {
    expect(slackInteraction(body)).toMatchObject({ ok: false, problem: expect.any(String) });
  });
});

describe('decidedMessage', () => {
  const at = new Date('2026-12-04T12:30:00Z');
  const decision = (over: Partial<SlackDecision> = {}): SlackDecision => ({
    verificationId: '17',
    action: 'APPROVE_ROLLBACK',
    actor: { id: 'slack:UA8RXUSPL', name: 'jtorrance' },
    reason: 'Approve rollback button in Slack',
    teamId: 'T9TK3CUKW',
    userId: 'UA8RXUSPL',
    responseUrl: 'https://hooks.slack.com/actions/A/1/x',
    messageBlocks: [
      { type: 'header', text: { type: 'plain_text', text: 'payments 2.0.0 FAILED' } },
      { type: 'actions', block_id: 'shipwatch_verification_17', elements: [] },
      { type: 'actions', block_id: 'someone_else', elements: [] },
    ],
    ...over,
  });

  it('replaces the buttons of the message with who decided what, and when', () => {
    expect(decidedMessage(decision(), at)).toEqual({
      replace_original: true,
      text: 'Rollback approved by jtorrance at 2026-12-04T12:30:00.000Z',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'payments 2.0.0 FAILED' } },
        { type: 'actions', block_id: 'someone_else', elements: [] },
        {
          type: 'context',
          elements: [
            {
              type: 'mrkdwn',
              text: ':rewind: *Rollback approved* by <@UA8RXUSPL> (jtorrance) <!date^1796387400^{date_short_pretty} {time}|2026-12-04T12:30:00.000Z>',
            },
          ],
        },
      ],
    });
  });

  it('says the outcome alone without the original, escapes the name, mentions only a user id', () => {
    const m = decidedMessage(
      decision({
        action: 'MARK_HEALTHY',
        messageBlocks: null,
        userId: '<!channel>',
        actor: { id: 'slack:x', name: '<!here>' },
      }),
      at,
    );
    expect(m.text).toBe('Marked healthy by &lt;!here&gt; at 2026-12-04T12:30:00.000Z');
    expect(m.blocks).toEqual([
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: ':white_check_mark: *Marked healthy* by &lt;!here&gt; <!date^1796387400^{date_short_pretty} {time}|2026-12-04T12:30:00.000Z>',
          },
        ],
      },
    ]);
  });

  it('stays within Slack’s 50 blocks', () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ type: 'section', block_id: `b${i}` }));
    expect(decidedMessage(decision({ messageBlocks: many }), at).blocks).toHaveLength(50);
  });
});
