/**
 * What a Slack button click asks (a `block_actions` interaction payload,
 * docs.slack.dev/reference/interaction-payloads/block_actions-payload): Slack posts it
 * form-encoded as `payload=<JSON>`. The buttons Shipwatch puts on an advised FAILED release
 * (senders/slack.payload.ts) carry the verification id as their value. Pure.
 */
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
  return {
    ok: true,
    decision: {
      verificationId,
      action,
      actor: { id: `slack:${userId}`, name },
      reason: `${action === 'APPROVE_ROLLBACK' ? 'Approve rollback' : 'Mark healthy'} button in Slack${channel ? ` (#${channel})` : ''}`,
    },
  };
}
