import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ownersOf, parseCodeowners, serviceTeam, teamOf } from './codeowners.rule.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'codeowners');
/** GitHub's documented example; each expectation below is a statement of its comments. */
const rules = parseCodeowners(readFileSync(join(FIXTURES, 'github-docs-example'), 'utf8'));

describe('CODEOWNERS as GitHub documents it', () => {
  it.each([
    ['README.md', ['@global-owner1', '@global-owner2']], // `*`: the default owners
    ['src/app.js', ['@js-owner']], // `*.js`: a later match wins
    ['cmd/main.go', ['docs@example.com']],
    ['notes/todo.txt', ['@octo-org/octocats']],
    ['build/logs/today/x.log', ['@doctocat']], // /build/logs/ and any of its subdirectories
    ['docs/getting-started.md', ['@doctocat']], // `/docs/` comes later than `docs/*`
    ['src/apps/x.md', ['@octocat']], // apps/ anywhere
    ['apps/web/x.md', ['@octocat']], // /apps/
    ['apps/github/x.md', []], // /apps/github: owners left empty
  ])('%s is owned by %j', (path, owners) => {
    expect(ownersOf(rules, path)).toEqual(owners);
  });

  it('`docs/*` owns the files directly in docs/, not nested ones', () => {
    const only = parseCodeowners('docs/* docs@example.com\n');
    expect(ownersOf(only, 'docs/getting-started.md')).toEqual(['docs@example.com']);
    expect(ownersOf(only, 'docs/build-app/troubleshooting.md')).toEqual([]);
  });

  it('refuses what GitHub says does not work in CODEOWNERS, with the line', () => {
    expect(() => parseCodeowners('# x\n!docs/ @a')).toThrow('line 2: negation');
    expect(() => parseCodeowners('[ab]/ @a')).toThrow('ranges');
    expect(() => parseCodeowners('\\#file @a')).toThrow('escaping');
    expect(() => parseCodeowners('docs/ not-an-owner')).toThrow('@user, @org/team or an email');
  });

  it('a service’s team: the team owning its folder, not a rule by file type', () => {
    const monorepo = parseCodeowners(
      [
        '* @acme/platform',
        '*.ts @acme/typescript-guild',
        '/services/cart/ @acme/payments @bob',
      ].join('\n'),
    );
    expect(serviceTeam(monorepo, ['services/cart/**', 'libs/cart/**'])).toBe('payments');
    expect(serviceTeam(monorepo, ['services/search/**'])).toBe('platform');
    expect(serviceTeam(monorepo, ['**/*.go'])).toBeNull();
    expect(teamOf(['@bob', 'a@example.com'])).toBeNull();
  });
});
