/**
 * Slack incoming webhook message (https://api.slack.com/messaging/webhooks): `text` is the
 * notification fallback, `blocks` the layout. One message per state change of a release; the
 * webhook URL is a secret and is never logged.
 */
import {
  changesetSummary,
  type ExplainedChange,
  type ReleaseExplanation,
} from '../release-explanation.rule.js';
import type { AlertAction } from './outbound-request.js';

/** Slack's limits: blocks per message, characters of a section's text. */
export const SLACK_MAX_BLOCKS = 50;
export const SLACK_MAX_SECTION_TEXT = 3_000;
/**
 * Characters of all the explanation's sections together: Slack also refuses messages whose blocks
 * are long in total (`msg_blocks_too_long` near 13,000 characters, below every documented limit:
 * github.com/slackapi/bolt-js/issues/2509), so the changes stop well before.
 */
export const SLACK_MAX_EXPLANATION_TEXT = 8_000;

export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
}

/** Slack mrkdwn needs &, < and > escaped. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** At most `max` characters, cut before an escape sequence rather than inside one. */
function clip(mrkdwn: string, max = SLACK_MAX_SECTION_TEXT): string {
  if (mrkdwn.length <= max) return mrkdwn;
  const cut = mrkdwn.slice(0, max - 1);
  return `${cut.replace(/&[a-z]{0,4}$/, '')}…`;
}

const MAX_LISTED_LINK = 1_000;

/** `• <url|#42 Fix totals> by alice (`a1b2c3d4e5f6`), lead time 3.5h`, everything escaped. */
function changeItem(c: ExplainedChange): string {
  const label = escapeSlack(
    [c.pullRequest ? `#${c.pullRequest}` : null, c.title].filter((s) => s !== null).join(' ') ||
      c.sha,
  );
  // safeLink admits no <, > or |, so the link cannot be broken out of; & is escaped. A link too
  // long to list (escaped, it may grow fivefold) is left out.
  const url = c.url ? escapeSlack(c.url) : null;
  const what = url && url.length <= MAX_LISTED_LINK ? `<${url}|${label}>` : label;
  return (
    `• ${what} by ${escapeSlack(c.author ?? 'unknown author')} ` +
    `(\`${escapeSlack(c.sha)}\`), lead time ${escapeSlack(c.leadTime)}`
  );
}

/**
 * The explanation as blocks: the reason, then the changes in sections of at most
 * SLACK_MAX_SECTION_TEXT characters, in at most `maxBlocks` blocks (the rest counted).
 */
export function explanationBlocks(
  e: ReleaseExplanation,
  maxBlocks: number,
): Record<string, unknown>[] {
  const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
  const blocks = [section(clip(`*Reason:* ${escapeSlack(e.reason)}`))];
  const items = e.changeset.changes.map(changeItem);
  let current = `*Changes:* ${escapeSlack(changesetSummary(e))}`;
  let listed = 0;
  let total = blocks[0].text.text.length + current.length;
  for (const item of items) {
    // one block is kept for "… and N more"
    const room = maxBlocks - blocks.length - 1;
    if (total + 1 + item.length > SLACK_MAX_EXPLANATION_TEXT) break;
    total += 1 + item.length;
    if (current.length + 1 + item.length <= SLACK_MAX_SECTION_TEXT) {
      current = `${current}\n${item}`;
    } else if (room > 1) {
      blocks.push(section(current));
      current = clip(item);
    } else break;
    listed += 1;
  }
  blocks.push(section(current));
  const more = e.changeset.total - listed;
  if (more > 0) blocks.push(section(`… and ${more} more`));
  return blocks.slice(0, maxBlocks);
}

function emoji(action: AlertAction): string {
  if (action.state === 'RESOLVED') return ':white_check_mark:';
  switch (action.severity) {
    case 'critical':
      return ':red_circle:';
    case 'warning':
      return ':large_orange_circle:';
    case 'info':
      return ':information_source:';
  }
}

/**
 * Approve rollback / Mark healthy, for an advised FAILED release: Slack posts a click to the
 * app's Request URL (/webhooks/slack/interactions), the verification id as the value.
 */
export function decisionButtons(verificationId: string): Record<string, unknown> {
  const button = (actionId: string, text: string, style: string) => ({
    type: 'button',
    action_id: actionId,
    text: { type: 'plain_text', text },
    style,
    value: verificationId,
  });
  return {
    type: 'actions',
    block_id: `shipwatch_verification_${verificationId}`,
    elements: [
      button('shipwatch_approve_rollback', 'Approve rollback', 'danger'),
      button('shipwatch_mark_healthy', 'Mark healthy', 'primary'),
    ],
  };
}

export function slackMessage(action: AlertAction): SlackMessage {
  const r = action.release;
  const service = r.namespace ? `${r.namespace}/${r.service}` : r.service;
  const state = action.state === 'RESOLVED' ? 'RESOLVED' : action.verdict;
  const headline = `${service} ${r.version ?? '(unknown version)'} in ${r.environment}`;
  const text = `${emoji(action)} [${state}] ${headline}: ${action.summary}`;
  const context = [
    `<${action.generatorUrl}|Verification evidence>`,
    `deployment ${r.deploymentId}`,
    ...(r.previousVersion ? [`previous version ${r.previousVersion}`] : []),
    `severity ${action.severity}`,
  ];
  return {
    text: clip(escapeSlack(text)),
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: clip(
            `${emoji(action)} *${escapeSlack(state)}* ${escapeSlack(headline)}\n${escapeSlack(action.summary)}`,
          ),
        },
      },
      // the header and the context take two blocks
      // the header, the context and the buttons take at most three blocks
      ...(action.explanation ? explanationBlocks(action.explanation, SLACK_MAX_BLOCKS - 3) : []),
      ...(action.awaitsDecision ? [decisionButtons(action.awaitsDecision.verificationId)] : []),
      {
        type: 'context',
        elements: context.map((c, i) => ({
          type: 'mrkdwn',
          // the first element is a link and must keep its <url|label> brackets
          text: i === 0 ? c : escapeSlack(c),
        })),
      },
    ],
  };
}
