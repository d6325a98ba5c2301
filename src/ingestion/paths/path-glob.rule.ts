import picomatch from 'picomatch';

/**
 * Path globs of services in shared repositories (docs/dora.md, "Services in a shared
 * repository"). Pure. Matching is picomatch's (the matcher of micromatch, fast-glob, chokidar
 * and tinyglobby: maintained, no dependencies, each glob compiled once to a regular expression),
 * with `dot: true` so that `services/api/**` covers `services/api/.env` too. A glob matches a
 * whole repository-relative path: `services/api/**` covers the folder, `services/api` only a
 * file of that name.
 */

export const MAX_GLOBS = 100;
export const MAX_GLOB_LENGTH = 300;

const OPTIONS = { dot: true, strictBrackets: true };

export interface GlobProblem {
  readonly index: number;
  readonly glob: string;
  readonly message: string;
}

/** What is wrong with a list of globs (empty: nothing). */
export function globProblems(globs: readonly string[]): GlobProblem[] {
  if (globs.length > MAX_GLOBS)
    return [{ index: MAX_GLOBS, glob: globs[MAX_GLOBS], message: `at most ${MAX_GLOBS} globs` }];
  return globs.flatMap((glob, index) => {
    const message = globProblem(glob);
    return message ? [{ index, glob, message }] : [];
  });
}

function globProblem(glob: string): string | null {
  if (glob.trim() === '') return 'is empty: it would match nothing';
  if (glob !== glob.trim()) return 'has leading or trailing spaces';
  if (glob.length > MAX_GLOB_LENGTH) return `is longer than ${MAX_GLOB_LENGTH} characters`;
  if (glob.includes('\u0000')) return 'contains a NUL character';
  if (glob.startsWith('/') || glob.startsWith('./'))
    return 'must be relative to the repository root (no leading "/" or "./")';
  if (glob.split('/').includes('..')) return 'must not contain ".." segments';
  if (glob.startsWith('!'))
    return 'is a negation: list the folders that belong to the service instead';
  try {
    // debug: a glob whose regular expression does not compile (a range such as [z-a]) throws,
    // instead of silently becoming a pattern that matches nothing
    picomatch.makeRe(glob, { ...OPTIONS, debug: true });
  } catch (e) {
    return `is not a valid glob: ${(e as Error).message}`;
  }
  return null;
}

/** A compiled matcher per glob list, kept while the list is in use (bounded). */
const compiled = new Map<string, (path: string) => boolean>();
const MAX_COMPILED = 1_000;

/** Whether any path matches any of the globs (the globs are valid: see globProblems). */
export function touches(paths: readonly string[], globs: readonly string[]): boolean {
  const key = globs.join('\u0000');
  let match = compiled.get(key);
  if (!match) {
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    match = picomatch([...globs], OPTIONS);
    compiled.set(key, match);
  }
  return paths.some((p) => match(p));
}

/** How a change relates to a service that declares path globs in the change's repository. */
export type PathScope = 'TOUCHES' | 'UNKNOWN_PATHS' | 'ELSEWHERE';

/**
 * `TOUCHES`: one of its paths matches a glob (shared paths count for every service that
 * declares them); `ELSEWHERE`: its paths are known and none matches (another service's change);
 * `UNKNOWN_PATHS`: no producer said which files it changed.
 */
export function pathScope(paths: readonly string[] | null, globs: readonly string[]): PathScope {
  if (paths === null) return 'UNKNOWN_PATHS';
  return touches(paths, globs) ? 'TOUCHES' : 'ELSEWHERE';
}

/** A changed file's path relative to the repository root: a leading "./" or "/" is dropped. */
export const relativePath = (path: string): string => path.replace(/^(\.\/|\/)+/, '');

/** A commit's changed files as stored: relative, unique and sorted. */
export function normalisePaths(paths: readonly string[]): string[] {
  return [...new Set(paths.map(relativePath).filter((p) => p !== ''))].sort();
}
