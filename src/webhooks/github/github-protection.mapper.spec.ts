import { vendorFixture } from '../../../test/support/webhooks.js';
import { MappingError } from '../webhook-mapping.js';
import { protectionRequest } from './github-protection.mapper.js';
import { mapGithubDelivery } from './github.mapper.js';

/** GitHub's deployment_protection_rule (requested): test/fixtures/github/.../README.md. */
const documented = (): Record<string, unknown> =>
  vendorFixture('github', 'deployment_protection_rule/requested.payload.json').payload;

describe('protectionRequest', () => {
  it('reads the documented payload like a deployment: repository name, commit SHA', () => {
    expect(protectionRequest(documented())).toEqual({
      service: 'Hello-World',
      environment: 'production',
      version: 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e',
      ref: 'master',
      repository: 'Codertocat/Hello-World',
      deploymentId: '145988746',
      installationId: '2311213',
      callbackUrl:
        'https://api.github.com/repos/Codertocat/Hello-World/actions/runs/548282931/deployment_protection_rule',
      event: 'push',
    });
  });

  it("takes service, namespace and version from deployment.payload's conventions", () => {
    const payload = documented();
    (payload.deployment as Record<string, unknown>).payload = JSON.stringify({
      service: 'checkout',
      namespace: 'shop',
      version: '2.4.0',
    });
    payload.environment = 'prod-eu';
    expect(protectionRequest(payload)).toMatchObject({
      service: 'checkout',
      namespace: 'shop',
      version: '2.4.0',
      environment: 'prod-eu',
    });
  });

  it.each([
    ['another action', (p: Record<string, unknown>) => (p.action = 'completed'), 'action'],
    ['no installation', (p: Record<string, unknown>) => delete p.installation, 'installation'],
    [
      'a non-numeric installation id',
      (p: Record<string, unknown>) => (p.installation = { id: '1/../../user' }),
      'installation.id',
    ],
    [
      'no callback URL',
      (p: Record<string, unknown>) => delete p.deployment_callback_url,
      'deployment_callback_url',
    ],
    ['no deployment', (p: Record<string, unknown>) => delete p.deployment, 'deployment'],
    [
      'a NUL in the environment',
      (p: Record<string, unknown>) => (p.environment = 'prod\u0000uction'),
      'environment',
    ],
  ])('refuses %s', (_, change, field) => {
    const payload = documented();
    change(payload);
    let thrown: unknown;
    try {
      protectionRequest(payload);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(MappingError);
    expect((thrown as MappingError).field).toBe(field);
  });

  it('is stored by the GitHub mapper with a note, mapping to no event', () => {
    const mapped = mapGithubDelivery(
      { 'x-github-event': 'deployment_protection_rule' },
      documented(),
      {
        source: 'github',
        dedupeKey: 'k',
      },
    );
    expect(mapped).toMatchObject({ kind: 'deployment_protection_rule', events: [] });
    expect(mapped.note).toContain(
      'Hello-World f95f852bd8fca8fcc58a9a2d6c842781e32a215e in production',
    );
  });
});
