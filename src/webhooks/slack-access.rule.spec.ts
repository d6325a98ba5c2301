import { slackUserRefusal } from './slack-access.rule.js';

describe('slackUserRefusal', () => {
  const who = { teamId: 'T0001', userId: 'U2147483697' };

  it('lets any Slack user act when no allowlist is set', () => {
    expect(slackUserRefusal({ teamIds: [], userIds: [] }, who)).toBeNull();
    expect(slackUserRefusal({ teamIds: [], userIds: [] }, { ...who, teamId: null })).toBeNull();
  });

  it('keeps to the listed workspaces, then to the listed users', () => {
    expect(slackUserRefusal({ teamIds: ['T0001'], userIds: [] }, who)).toBeNull();
    expect(slackUserRefusal({ teamIds: ['T9'], userIds: [] }, who)).toBe(
      'Slack workspace T0001 is not in SLACK_ALLOWED_TEAM_IDS',
    );
    expect(slackUserRefusal({ teamIds: ['T9'], userIds: [] }, { ...who, teamId: null })).toBe(
      'Slack workspace (none) is not in SLACK_ALLOWED_TEAM_IDS',
    );
    expect(slackUserRefusal({ teamIds: [], userIds: ['U2147483697'] }, who)).toBeNull();
    expect(slackUserRefusal({ teamIds: ['T0001'], userIds: ['U1'] }, who)).toBe(
      'Slack user U2147483697 is not in SLACK_ALLOWED_USER_IDS',
    );
  });
});
