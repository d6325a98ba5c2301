import { DEFAULT_HOTFIX_RULES, hotfixMatch } from './hotfix.rule.js';

describe('hotfixMatch', () => {
  it('matches the default label, branch prefixes and title patterns', () => {
    expect(hotfixMatch({ labels: ['bug', 'HotFix'] }, DEFAULT_HOTFIX_RULES)).toBe('label "hotfix"');
    expect(hotfixMatch({ branch: 'hotfix/login' }, DEFAULT_HOTFIX_RULES)).toBe(
      'branch "hotfix/login" starts with "hotfix/"',
    );
    expect(hotfixMatch({ title: '[HOTFIX] login loop' }, DEFAULT_HOTFIX_RULES)).toBe(
      'title contains "[hotfix]"',
    );
  });

  it('does not match ordinary pull requests', () => {
    expect(
      hotfixMatch(
        { title: 'Add hotfixes page', branch: 'feature/hotfixes', labels: ['feature'] },
        DEFAULT_HOTFIX_RULES,
      ),
    ).toBeNull();
  });

  it('uses a service’s own rules, and empty patterns match nothing', () => {
    const rules = { labels: ['sev1-fix'], branchPrefixes: ['', 'fix/'], titlePatterns: [''] };
    expect(hotfixMatch({ labels: ['sev1-fix'] }, rules)).toBe('label "sev1-fix"');
    expect(hotfixMatch({ branch: 'hotfix/login', title: 'x' }, rules)).toBeNull();
    expect(hotfixMatch({ branch: 'fix/login' }, rules)).toBe(
      'branch "fix/login" starts with "fix/"',
    );
  });
});
