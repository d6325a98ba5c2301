import { validateRollbackTarget } from './rollback-target.rule.js';

const allowed = {
  allowed: ['deploy.example.com', 'api.github.com', 'gitlab.com', '169.254.169.254'],
  mayBePrivate: [],
};

describe('validateRollbackTarget', () => {
  it('accepts well-formed targets on allowed hosts', () => {
    expect(
      validateRollbackTarget(
        { kind: 'WEBHOOK', url: 'https://deploy.example.com/rb', secret: 's'.repeat(16) },
        allowed,
      ),
    ).toEqual([]);
    expect(
      validateRollbackTarget(
        { kind: 'GITHUB_REPOSITORY_DISPATCH', repository: 'acme/shop', token: 't' },
        allowed,
      ),
    ).toEqual([]);
    expect(
      validateRollbackTarget(
        { kind: 'GITLAB_PIPELINE_TRIGGER', projectId: '1', ref: 'main', token: 't' },
        allowed,
      ),
    ).toEqual([]);
  });

  it('refuses a host that is not allowed or not public, and the default GitHub API when not listed', () => {
    expect(
      validateRollbackTarget(
        { kind: 'WEBHOOK', url: 'http://169.254.169.254/x', secret: 's'.repeat(16) },
        allowed,
      ),
    ).toEqual([
      {
        code: 'OUTBOUND_HOST_NOT_ALLOWED',
        message:
          'target URL address 169.254.169.254 is not public (linkLocal); list 169.254.169.254 in SHIPWATCH_OUTBOUND_PRIVATE_HOSTS to allow it',
      },
    ]);
    expect(
      validateRollbackTarget(
        { kind: 'GITHUB_REPOSITORY_DISPATCH', repository: 'acme/shop', token: 't' },
        { allowed: ['deploy.example.com'], mayBePrivate: [] },
      ).map((p) => p.code),
    ).toEqual(['OUTBOUND_HOST_NOT_ALLOWED']);
  });

  it('lists malformed fields without quoting secrets', () => {
    const problems = validateRollbackTarget(
      {
        kind: 'GITHUB_WORKFLOW_DISPATCH',
        repository: 'not-a-repo',
        workflow: '',
        ref: '',
        token: '',
      },
      allowed,
    );
    expect(problems.map((p) => p.message)).toEqual([
      'repository must be owner/name',
      'token is required',
      'workflow (file name or id) is required',
      'ref is required',
    ]);
    const weak = validateRollbackTarget(
      { kind: 'WEBHOOK', url: 'https://deploy.example.com/rb', secret: 'short-secret' },
      allowed,
    );
    expect(weak).toEqual([
      { code: 'INVALID_ROLLBACK_TARGET', message: 'secret must have at least 16 characters' },
    ]);
    expect(JSON.stringify(weak)).not.toContain('short-secret');
  });
});
