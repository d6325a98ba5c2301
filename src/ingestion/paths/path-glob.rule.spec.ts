import { globProblems, normalisePaths, pathScope, touches } from './path-glob.rule.js';

describe('path globs of services in a shared repository', () => {
  it('matches whole repository-relative paths, dot files included', () => {
    const api = ['services/api/**', 'libs/shared/**'];
    expect(touches(['services/api/src/main.ts'], api)).toBe(true);
    expect(touches(['services/api/.env'], api)).toBe(true);
    expect(touches(['libs/shared/money.ts', 'README.md'], api)).toBe(true);
    expect(touches(['services/apiary/x.ts'], api)).toBe(false);
    expect(touches(['docs/services/api/x.md'], api)).toBe(false);
    expect(touches([], api)).toBe(false);
    // a folder name alone is a file of that name, not the folder
    expect(touches(['services/api/x.ts'], ['services/api'])).toBe(false);
    expect(touches(['go.mod', 'cmd/a/main.go'], ['**/*.go', '{go.mod,go.sum}'])).toBe(true);
  });

  it('tells a service’s change from another’s and from one of unknown paths', () => {
    expect(pathScope(['services/web/a.ts'], ['services/api/**'])).toBe('ELSEWHERE');
    expect(pathScope(['services/web/a.ts', 'libs/shared/b.ts'], ['libs/shared/**'])).toBe(
      'TOUCHES',
    );
    expect(pathScope(null, ['services/api/**'])).toBe('UNKNOWN_PATHS');
    // a commit that changed no file (git commit --allow-empty) touches no service
    expect(pathScope([], ['**'])).toBe('ELSEWHERE');
  });

  it('refuses globs that could never match what they mean', () => {
    expect(globProblems(['services/api/**', 'libs/*/src/**', '*.{js,ts}'])).toEqual([]);
    expect(
      globProblems([
        '',
        ' a/**',
        '/abs/**',
        './rel/**',
        'a/../b',
        '!a/**',
        'a/[b',
        'a/{b',
        '[z-a]',
      ]),
    ).toEqual([
      { index: 0, glob: '', message: 'is empty: it would match nothing' },
      { index: 1, glob: ' a/**', message: 'has leading or trailing spaces' },
      {
        index: 2,
        glob: '/abs/**',
        message: 'must be relative to the repository root (no leading "/" or "./")',
      },
      {
        index: 3,
        glob: './rel/**',
        message: 'must be relative to the repository root (no leading "/" or "./")',
      },
      { index: 4, glob: 'a/../b', message: 'must not contain ".." segments' },
      {
        index: 5,
        glob: '!a/**',
        message: 'is a negation: list the folders that belong to the service instead',
      },
      {
        index: 6,
        glob: 'a/[b',
        message: expect.stringContaining('is not a valid glob: Missing closing: "]"'),
      },
      {
        index: 7,
        glob: 'a/{b',
        message: expect.stringContaining('is not a valid glob: Missing closing: "}"'),
      },
      { index: 8, glob: '[z-a]', message: expect.stringContaining('Range out of order') },
    ]);
    expect(globProblems(['x'.repeat(301)])[0].message).toBe('is longer than 300 characters');
    expect(globProblems(Array.from({ length: 101 }, (_, i) => `d${i}/**`))).toEqual([
      { index: 100, glob: 'd100/**', message: 'at most 100 globs' },
    ]);
  });

  it('stores a commit’s paths relative, unique and sorted', () => {
    expect(normalisePaths(['b.ts', './a.ts', '/a.ts', 'b.ts', 'c/d.ts'])).toEqual([
      'a.ts',
      'b.ts',
      'c/d.ts',
    ]);
  });
});
