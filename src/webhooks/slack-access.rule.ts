/**
 * Who in Slack may act on Shipwatch (the buttons of an advised rollback, the slash command):
 * Slack's signature vouches that Slack sent the request, not for the person's role. When
 * SLACK_ALLOWED_TEAM_IDS is set, only users of those workspaces; when SLACK_ALLOWED_USER_IDS is
 * set, only those users. Unset, any user of a workspace the Slack app is installed in. Pure.
 */
export interface SlackAllowlist {
  readonly teamIds: readonly string[];
  readonly userIds: readonly string[];
}

/** Why this Slack user may not act, or null when they may. */
export function slackUserRefusal(
  allow: SlackAllowlist,
  who: { readonly teamId: string | null; readonly userId: string },
): string | null {
  if (allow.teamIds.length > 0 && (who.teamId === null || !allow.teamIds.includes(who.teamId)))
    return `Slack workspace ${who.teamId ?? '(none)'} is not in SLACK_ALLOWED_TEAM_IDS`;
  if (allow.userIds.length > 0 && !allow.userIds.includes(who.userId))
    return `Slack user ${who.userId} is not in SLACK_ALLOWED_USER_IDS`;
  return null;
}
