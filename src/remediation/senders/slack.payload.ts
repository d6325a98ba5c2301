/**
 * Slack incoming webhook message (https://api.slack.com/messaging/webhooks): `text` is the
 * notification fallback, `blocks` the layout. One message per state change of a release; the
 * webhook URL is a secret and is never logged.
 */
import type { AlertAction } from './outbound-request.js';

export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
}

/** Slack mrkdwn needs &, < and > escaped. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
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
    text: escapeSlack(text),
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `${emoji(action)} *${escapeSlack(state)}* ${escapeSlack(headline)}\n${escapeSlack(action.summary)}`,
        },
      },
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
