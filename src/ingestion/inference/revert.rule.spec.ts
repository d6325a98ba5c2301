import { isRevertTitle, revertReferences } from './revert.rule.js';

describe('revertReferences', () => {
  const repository = 'octo-org/octo-repo';

  it('reads GitHub’s Revert button: title, "Reverts owner/repo#N" body and revert-N- branch', () => {
    expect(
      revertReferences({
        repository,
        title: 'Revert "Add checkout button"',
        body: 'Reverts octo-org/octo-repo#1347',
        branch: 'revert-1347-checkout-button',
      }),
    ).toEqual(['pr:1347']);
  });

  it('ignores a "Reverts" naming another repository', () => {
    expect(revertReferences({ repository, body: 'Reverts other/repo#12' })).toEqual([]);
    expect(revertReferences({ repository, body: 'Reverts OCTO-ORG/octo-repo#12' })).toEqual([
      'pr:12',
    ]);
  });

  it('reads GitLab’s revert merge requests and revert-<sha8> branches', () => {
    expect(
      revertReferences({
        repository: 'gitlab-org/gitlab-test',
        title: 'Revert "Update file README.md"',
        body: 'This reverts merge request !42',
        branch: 'revert-5c8e8a4b',
      }),
    ).toEqual(['pr:42', 'sha:5c8e8a4b']);
  });

  it('reads git revert commit messages, lower-casing the SHA', () => {
    expect(
      revertReferences({
        repository,
        message:
          'Revert "Add checkout button"\n\nThis reverts commit 9F0E1D2C3B4A59687766554433221100FFEEDDCC.',
      }),
    ).toEqual(['sha:9f0e1d2c3b4a59687766554433221100ffeeddcc']);
  });

  it('needs the Revert title for a branch name alone', () => {
    expect(revertReferences({ repository, branch: 'revert-12-x', title: 'Rework' })).toEqual([]);
    expect(isRevertTitle('Revert "x"')).toBe(true);
    expect(isRevertTitle('Reverting stuff')).toBe(false);
  });

  it('finds nothing in an ordinary change', () => {
    expect(revertReferences({ repository, message: 'Fix the reverse proxy', body: '' })).toEqual(
      [],
    );
  });
});
