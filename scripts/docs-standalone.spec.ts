import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The user-facing docs stand alone: a user has the repository and nothing beside it, so no page
 * points at a path outside it (the project's private notes live in a `shared/` folder next to
 * the repository) and every relative link resolves to a file of the repository.
 */
const ROOT = join(import.meta.dirname, '..');
const pages = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

describe.each(pages)('%s', (page) => {
  const text = readFileSync(join(ROOT, page), 'utf8');

  it('names no file outside the repository', () => {
    expect(text.match(/(?<![\w/-])(?:\.\.\/)*shared\/[\w./-]+/g) ?? []).toEqual([]);
  });

  it('links only to files of the repository that exist', () => {
    const broken = [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
      .map((m) => m[1])
      .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
      .filter((target) => {
        const path = resolve(dirname(join(ROOT, page)), decodeURI(target));
        return relative(ROOT, path).startsWith('..') || !existsSync(path);
      });
    expect(broken).toEqual([]);
  });
});
