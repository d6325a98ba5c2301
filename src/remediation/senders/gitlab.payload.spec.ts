import { aRollback } from '../../../test/factories/remediation-actions.js';
import { gitlabPipelineTriggerRequest } from './gitlab.payload.js';

const ctx = {
  idempotencyKey: 'rollback:42',
  requestedAt: new Date('2026-03-01T10:03:00Z'),
  sentAt: new Date('2026-03-01T10:03:05Z'),
  userAgent: 'Shipwatch/test',
};

describe('gitlabPipelineTriggerRequest', () => {
  it('posts token, ref and SHIPWATCH_* variables to /projects/:id/trigger/pipeline', () => {
    const target = {
      kind: 'GITLAB_PIPELINE_TRIGGER',
      projectId: 'acme/shop',
      ref: 'main',
      token: 'glptt-secret-token',
    } as const;
    const request = gitlabPipelineTriggerRequest(aRollback({ target }), target, ctx);
    expect(request.url).toBe('https://gitlab.com/api/v4/projects/acme%2Fshop/trigger/pipeline');
    expect(JSON.parse(request.body)).toEqual({
      token: 'glptt-secret-token',
      ref: 'main',
      variables: {
        SHIPWATCH_ACTION: 'rollback',
        SHIPWATCH_IDEMPOTENCY_KEY: 'rollback:42',
        SHIPWATCH_DEPLOYMENT_ID: '42',
        SHIPWATCH_SERVICE: 'checkout',
        SHIPWATCH_NAMESPACE: 'shop',
        SHIPWATCH_ENVIRONMENT: 'production',
        SHIPWATCH_FROM_VERSION: '1.4.2',
        SHIPWATCH_TO_VERSION: '1.4.1',
        SHIPWATCH_REASON: expect.stringContaining('CRITICAL'),
      },
    });
    expect(request.headers['Idempotency-Key']).toBe('rollback:42');
    expect(request.secrets).toEqual(['glptt-secret-token']);
  });

  it('uses a self-managed GitLab API URL and a numeric project id', () => {
    const target = {
      kind: 'GITLAB_PIPELINE_TRIGGER',
      projectId: '278964',
      ref: 'release',
      token: 'glptt-x',
      apiUrl: 'https://gitlab.example.com/api/v4/',
    } as const;
    expect(gitlabPipelineTriggerRequest(aRollback({ target }), target, ctx).url).toBe(
      'https://gitlab.example.com/api/v4/projects/278964/trigger/pipeline',
    );
  });
});
