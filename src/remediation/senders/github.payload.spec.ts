import { aRollback } from '../../../test/factories/remediation-actions.js';
import {
  WORKFLOW_INPUTS,
  githubRepositoryDispatchRequest,
  githubWorkflowDispatchRequest,
} from './github.payload.js';

const ctx = {
  idempotencyKey: 'rollback:42',
  requestedAt: new Date('2026-03-01T10:03:00Z'),
  sentAt: new Date('2026-03-01T10:03:05Z'),
  userAgent: 'Shipwatch/test',
};
const token = 'ghp_secretsecretsecret';

describe('githubRepositoryDispatchRequest', () => {
  const target = { kind: 'GITHUB_REPOSITORY_DISPATCH', repository: 'acme/shop', token } as const;
  const request = githubRepositoryDispatchRequest(aRollback({ target }), target, ctx);

  it('posts event_type and client_payload to /repos/{owner}/{repo}/dispatches', () => {
    expect(request.url).toBe('https://api.github.com/repos/acme/shop/dispatches');
    const body = JSON.parse(request.body);
    expect(body).toEqual({
      event_type: 'shipwatch-rollback',
      client_payload: {
        idempotency_key: 'rollback:42',
        deployment_id: '42',
        service: 'checkout',
        namespace: 'shop',
        environment: 'production',
        from_version: '1.4.2',
        to_version: '1.4.1',
        reason: expect.stringContaining('CRITICAL'),
      },
    });
    // GitHub accepts at most 10 top-level client_payload properties.
    expect(Object.keys(body.client_payload).length).toBeLessThanOrEqual(10);
  });

  it('authenticates with the token, the API version header and a User-Agent', () => {
    expect(request.headers).toMatchObject({
      Authorization: `Bearer ${token}`,
      Accept: 'application/vnd.github+json',
      'X-GitHub-Api-Version': '2022-11-28',
      'User-Agent': 'Shipwatch/test',
      'Idempotency-Key': 'rollback:42',
    });
    expect(request.secrets).toEqual([token]);
    expect(request.body).not.toContain(token);
  });

  it('uses a custom event type and a GitHub Enterprise API URL', () => {
    const ghe = {
      ...target,
      eventType: 'rollback-prod',
      apiUrl: 'https://ghe.example.com/api/v3/',
    } as const;
    const r = githubRepositoryDispatchRequest(aRollback({ target: ghe }), ghe, ctx);
    expect(r.url).toBe('https://ghe.example.com/api/v3/repos/acme/shop/dispatches');
    expect(JSON.parse(r.body).event_type).toBe('rollback-prod');
  });
});

describe('githubWorkflowDispatchRequest', () => {
  const target = {
    kind: 'GITHUB_WORKFLOW_DISPATCH',
    repository: 'acme/shop',
    workflow: 'rollback.yml',
    ref: 'main',
    token,
  } as const;

  it('posts ref and string inputs to the workflow dispatches endpoint', () => {
    const request = githubWorkflowDispatchRequest(
      aRollback({ target, release: { ...aRollback().release, version: null } }),
      target,
      ctx,
    );
    expect(request.url).toBe(
      'https://api.github.com/repos/acme/shop/actions/workflows/rollback.yml/dispatches',
    );
    const body = JSON.parse(request.body);
    expect(body.ref).toBe('main');
    expect(Object.keys(body.inputs).sort()).toEqual([...WORKFLOW_INPUTS].sort());
    expect(body.inputs.from_version).toBe('');
    expect(Object.values(body.inputs).every((v) => typeof v === 'string')).toBe(true);
  });
});
