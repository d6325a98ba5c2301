import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCatalogFile, repositoryOf, type CatalogFileError } from './catalog-file.rule.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'backstage');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const errorOf = (text: string): CatalogFileError => {
  try {
    parseCatalogFile(text);
  } catch (e) {
    return e as CatalogFileError;
  }
  throw new Error('parsed');
};

describe('Backstage catalog files, as Backstage ships them', () => {
  it("reads the Backstage repository's own catalog-info.yaml", () => {
    expect(parseCatalogFile(fixture('catalog-info.yaml'))).toEqual({
      teams: [],
      services: [
        {
          entity: 'component:default/backstage-existing',
          name: 'backstage-existing',
          namespace: '',
          owner: 'CNCF',
          lifecycle: 'production',
          repository: 'backstage/backstage',
          paths: null,
        },
      ],
      environments: [],
      ignored: [],
    });
  });

  it('reads a Group file with its Users (ignored), a Component and an Environment', () => {
    const text = [
      fixture('team-a-group.yaml'),
      fixture('artist-lookup-component.yaml'),
      fixture('environment-prod.yaml'),
    ].join('---\n');
    const parsed = parseCatalogFile(text);
    expect(parsed.teams).toEqual([{ name: 'team-a', displayName: null }]);
    expect(parsed.services).toEqual([
      expect.objectContaining({
        name: 'artist-lookup',
        owner: 'team-a',
        lifecycle: 'experimental',
        repository: null,
      }),
    ]);
    expect(parsed.environments).toEqual([{ name: 'prod', tier: 'production' }]);
    expect(parsed.ignored).toEqual([
      'User:breanna.davison',
      'User:janelle.dawe',
      'User:nigel.manning',
      'User:guest',
      'User:guest',
    ]);
  });

  it("refuses Backstage's invalid example (a name with a space) and a User as owner", () => {
    const invalid = errorOf(fixture('invalid-component.yaml'));
    expect([invalid.code, invalid.document, invalid.line]).toEqual([
      'CATALOG_INVALID_ENTITY',
      0,
      1,
    ]);
    expect(invalid.message).toContain('"invalid component"');
    const user = errorOf(fixture('playback-order-component.yaml'));
    expect(user.code).toBe('CATALOG_UNKNOWN_OWNER');
    expect(user.message).toContain('user:guest');
  });
});

describe('the Shipwatch annotations and bad input', () => {
  const component = (annotations: string, extra = '') => `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: cart
  annotations:
${annotations}
spec:
  owner: group:default/payments
  lifecycle: production${extra}
`;

  it('reads the path globs, the repository and the service namespace', () => {
    const [s] = parseCatalogFile(
      component(`    github.com/project-slug: acme/shop
    shipwatch.dev/paths: "services/cart/**, libs/shared/**"
    shipwatch.dev/service-namespace: shop`),
    ).services;
    expect(s).toEqual({
      entity: 'component:default/cart',
      name: 'cart',
      namespace: 'shop',
      owner: 'payments',
      lifecycle: 'production',
      repository: 'acme/shop',
      paths: ['services/cart/**', 'libs/shared/**'],
    });
  });

  it.each([
    ['url:https://github.com/acme/shop/tree/main/services/cart', 'acme/shop'],
    ['url:https://gitlab.com/acme/web/shop/-/tree/main/cart', 'acme/web/shop'],
    ['url:https://git.example.com/acme/shop.git', 'acme/shop'],
    ['dir:.', null],
  ])('source location %s is repository %s', (location, repository) => {
    expect(repositoryOf(null, null, location)).toBe(repository);
  });

  it.each([
    ['kind: Component\nmetadata: [', 'CATALOG_INVALID_YAML', 2],
    ['apiVersion: v1\nkind: Compnent\nmetadata:\n  name: cart\n', 'CATALOG_UNKNOWN_KIND', 1],
    [
      'apiVersion: v1\nkind: Group\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Group\nmetadata:\n  name: a\n',
      'CATALOG_DUPLICATE',
      6,
    ],
    [
      'apiVersion: v1\nkind: Component\nmetadata:\n  name: cart\n  annotations:\n    shipwatch.dev/paths: "a/**"\n',
      'CATALOG_INVALID_ENTITY',
      1,
    ],
    ['- a\n- b\n', 'CATALOG_INVALID_ENTITY', 1],
    [
      'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nkind: Group\n',
      'CATALOG_INVALID_YAML',
      1,
    ],
  ])('%j is %s at line %d', (text, code, line) => {
    const e = errorOf(text);
    expect([e.code, e.line]).toEqual([code, line]);
  });

  it('refuses a file over 1 MB before parsing it', () => {
    expect(errorOf('#'.repeat(1_000_001)).code).toBe('CATALOG_TOO_LARGE');
  });
});
