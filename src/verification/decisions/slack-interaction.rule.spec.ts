import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { slackInteraction } from './slack-interaction.rule.js';

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
      },
    });
    expect(
      slackInteraction(
        click(
          { action_id: 'shipwatch_mark_healthy', value: '3' },
          { channel: undefined, user: { id: 'U1' } },
        ),
      ),
    ).toMatchObject({
      ok: true,
      decision: {
        action: 'MARK_HEALTHY',
        actor: { id: 'slack:U1', name: 'U1' },
        reason: 'Mark healthy button in Slack',
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
