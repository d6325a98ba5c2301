import type { RollbackTarget } from './remediation-action.js';
import {
  resolveTargetSecret,
  secretReferenceProblems,
  validateRollbackTarget,
} from './rollback-target.rule.js';

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

describe('secrets by reference', () => {
  const byRef = {
    kind: 'GITHUB_WORKFLOW_DISPATCH',
    repository: 'acme/shop',
    workflow: 'rollback.yml',
    ref: 'main',
    tokenFrom: { env: 'GH_ROLLBACK_TOKEN' },
  } as unknown as RollbackTarget;
  const reserved = new Set(['DATABASE_URL']);

  it('reads the referenced variable when resolved, and leaves it absent when unset', () => {
    expect(resolveTargetSecret(byRef, { GH_ROLLBACK_TOKEN: 'ghs_x' })).toEqual({
      ...byRef,
      token: 'ghs_x',
    });
    const unset = resolveTargetSecret(byRef, { GH_ROLLBACK_TOKEN: '' });
    expect(unset).toEqual(byRef);
    expect(validateRollbackTarget(unset, allowed)).toEqual([
      {
        code: 'INVALID_ROLLBACK_TARGET',
        message:
          'tokenFrom: the environment variable GH_ROLLBACK_TOKEN is not set on the Shipwatch server',
      },
    ]);
    expect(
      validateRollbackTarget(resolveTargetSecret(byRef, { GH_ROLLBACK_TOKEN: 't' }), allowed),
    ).toEqual([]);
    const hook = {
      kind: 'WEBHOOK',
      url: 'https://deploy.example.com/rb',
      secretFrom: { env: 'H' },
    };
    expect(validateRollbackTarget(hook as unknown as RollbackTarget, allowed)).toEqual([
      {
        code: 'INVALID_ROLLBACK_TARGET',
        message: 'secretFrom: the environment variable H is not set on the Shipwatch server',
      },
    ]);
  });

  it('refuses a variable the server lacks, a bad name, its own configuration, and value with reference', () => {
    const problems = (target: unknown, env = {}) =>
      secretReferenceProblems(target as RollbackTarget, env, reserved).map(
        (p) => `${p.code} ${p.field}: ${p.message}`,
      );
    expect(problems(byRef, { GH_ROLLBACK_TOKEN: 'x' })).toEqual([]);
    expect(problems({ kind: 'WEBHOOK', url: 'u', secret: 's' })).toEqual([]);
    expect(problems(byRef)).toEqual([
      'SECRET_ENV_NOT_SET rollbackTarget.tokenFrom.env: the environment variable GH_ROLLBACK_TOKEN is not set on the Shipwatch server',
    ]);
    expect(problems({ ...byRef, tokenFrom: { env: 'A-B' } })).toEqual([
      'INVALID_ROLLBACK_TARGET rollbackTarget.tokenFrom.env: "A-B" is not an environment variable name',
    ]);
    expect(
      problems({ ...byRef, tokenFrom: { env: 'DATABASE_URL' } }, { DATABASE_URL: 'x' }),
    ).toEqual([
      "INVALID_ROLLBACK_TARGET rollbackTarget.tokenFrom.env: DATABASE_URL is a variable of Shipwatch's own configuration, never sent out",
    ]);
    expect(problems({ ...byRef, token: 't' }, { GH_ROLLBACK_TOKEN: 'x' })).toEqual([
      'INVALID_ROLLBACK_TARGET rollbackTarget.tokenFrom.env: give token or tokenFrom, not both',
    ]);
  });
});
