/**
 * What a Slack button click asks (a `block_actions` interaction payload,
 * docs.slack.dev/reference/interaction-payloads/block_actions-payload): Slack posts it
 * form-encoded as `payload=<JSON>`. The buttons Shipwatch puts on an advised FAILED release
 * (senders/slack.payload.ts) carry the verification id as their value. Pure.
 */
import { escapeSlack, SLACK_MAX_BLOCKS } from '../../remediation/senders/slack.payload.js';
import type { DecisionAction } from './verification-decision.rule.js';

/** The action_id of each button, and the decision it stands for. */
export const SLACK_ACTIONS = {
  shipwatch_approve_rollback: 'APPROVE_ROLLBACK',
  shipwatch_mark_healthy: 'MARK_HEALTHY',
} as const satisfies Record<string, DecisionAction>;
export type SlackActionId = keyof typeof SLACK_ACTIONS;

export interface SlackDecision {
  readonly verificationId: string;
  readonly action: (typeof SLACK_ACTIONS)[SlackActionId];
  /** `slack:<user id>` and the user's name: who decided. */
  readonly actor: { readonly id: string; readonly name: string };
  readonly reason: string;
  /** Who clicked, as Slack names them: their workspace (team) and user ids. */
  readonly teamId: string | null;
  readonly userId: string;
  /** Where the message may be replaced with the outcome (valid 30 minutes), if Slack sent one. */
  readonly responseUrl: string | null;
  /** The blocks of the message clicked on, if Slack sent them. */
  readonly messageBlocks: readonly Record<string, unknown>[] | null;
}

export type SlackInteraction =
  | { readonly ok: true; readonly decision: SlackDecision }
  | { readonly ok: false; readonly problem: string };

const problem = (p: string): SlackInteraction => ({ ok: false, problem: p });
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export function slackInteraction(formBody: string): SlackInteraction {
  const raw = new URLSearchParams(formBody).get('payload');
  if (raw === null) return problem('the body is not form-encoded with a payload field');
  let payload: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return problem('payload is not a JSON object');
    payload = parsed as Record<string, unknown>;
  } catch {
    return problem('payload is not JSON');
  }
  if (payload.type !== 'block_actions')
    return problem(`payload type ${JSON.stringify(payload.type)}: only block_actions is handled`);
  const user = (payload.user ?? {}) as Record<string, unknown>;
  const userId = str(user.id);
  if (!userId) return problem('payload.user.id is missing');
  const actions = Array.isArray(payload.actions) ? (payload.actions as unknown[]) : [];
  if (actions.length !== 1) return problem('payload.actions must hold the one button clicked');
  const a = (actions[0] ?? {}) as Record<string, unknown>;
  const actionId = str(a.action_id);
  if (!actionId || !Object.hasOwn(SLACK_ACTIONS, actionId))
    return problem(`action_id ${JSON.stringify(a.action_id)} is not a Shipwatch button`);
  const verificationId = str(a.value);
  if (!verificationId || !/^[1-9][0-9]{0,17}$/.test(verificationId))
    return problem('the button’s value is not a verification id');
  const name = str(user.username) ?? str(user.name) ?? userId;
  const channel = str((payload.channel as Record<string, unknown> | undefined)?.name);
  const action = SLACK_ACTIONS[actionId as SlackActionId];
  const team = (payload.team ?? {}) as Record<string, unknown>;
  const blocks = (payload.message as Record<string, unknown> | undefined)?.blocks;
  return {
    ok: true,
    decision: {
      verificationId,
      action,
      actor: { id: `slack:${userId}`, name },
      reason: `${action === 'APPROVE_ROLLBACK' ? 'Approve rollback' : 'Mark healthy'} button in Slack${channel ? ` (#${channel})` : ''}`,
      teamId: str(team.id) ?? str(user.team_id),
      userId,
      responseUrl: str(payload.response_url),
      messageBlocks: Array.isArray(blocks)
        ? blocks.filter((b): b is Record<string, unknown> => typeof b === 'object' && b !== null)
        : null,
    },
  };
}

/** What replaces the message (POSTed to response_url): the original, its buttons, an outcome. */
export interface DecidedMessage {
  readonly replace_original: true;
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
}

/**
 * The message clicked on, its buttons replaced by who decided what and when (Slack's `<@user>`
 * mention and `<!date>` formatting, which each reader sees in their own time zone), so that
 * nobody clicks again on a decided release. Without the original blocks: the outcome alone.
 */
export function decidedMessage(d: SlackDecision, at: Date): DecidedMessage {
  const what = d.action === 'APPROVE_ROLLBACK' ? 'Rollback approved' : 'Marked healthy';
  const who = escapeSlack(d.actor.name);
  const mention = /^[A-Z0-9]{1,30}$/.test(d.userId) ? `<@${d.userId}> (${who})` : who;
  const iso = at.toISOString();
  const when = `<!date^${Math.floor(at.getTime() / 1000)}^{date_short_pretty} {time}|${iso}>`;
  const icon = d.action === 'APPROVE_ROLLBACK' ? ':rewind:' : ':white_check_mark:';
  const kept = (d.messageBlocks ?? [])
    .filter(
      (b) => !(b.type === 'actions' && b.block_id === `shipwatch_verification_${d.verificationId}`),
    )
    .slice(0, SLACK_MAX_BLOCKS - 1);
  return {
    replace_original: true,
    text: `${what} by ${who} at ${iso}`,
    blocks: [
      ...kept,
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `${icon} *${what}* by ${mention} ${when}` }],
      },
    ],
  };
}
