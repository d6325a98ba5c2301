import picomatch from 'picomatch';

/**
 * CODEOWNERS read the way GitHub documents it ("About code owners",
 * https://docs.github.com/en/repositories/managing-your-repositorys-settings-and-features/customizing-your-repository/about-code-owners):
 * each line is a gitignore-style pattern followed by owners (`@user`, `@org/team`, an email);
 * the last matching line wins; a line with a pattern and no owners takes ownership away. Pure.
 *
 * Patterns become picomatch globs (the matcher the service path globs use):
 * - a pattern with a `/` at its start or in its middle is anchored at the repository root,
 *   any other matches at any depth (`*.js`, `apps/`);
 * - a trailing `/` means a folder: everything below it (`/build/logs/`);
 * - a pattern whose last segment has no wildcard also covers what is below it (`/apps/github`),
 *   while `docs/*` covers the files directly in docs/ only, as GitHub documents.
 * - What GitHub documents as not working in CODEOWNERS is refused: `!` negation, `[ ]` ranges,
 *   and `\#` escapes.
 */

export interface CodeownersRule {
  readonly line: number;
  readonly pattern: string;
  readonly owners: readonly string[];
  readonly matches: (path: string) => boolean;
}

export class CodeownersError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`CODEOWNERS line ${line}: ${message}`);
    this.name = 'CodeownersError';
  }
}

export const MAX_CODEOWNERS_BYTES = 3_000_000; // GitHub ignores larger files

export function parseCodeowners(text: string): CodeownersRule[] {
  if (Buffer.byteLength(text, 'utf8') > MAX_CODEOWNERS_BYTES)
    throw new CodeownersError(`the file is over ${MAX_CODEOWNERS_BYTES} bytes`, 0);
  const rules: CodeownersRule[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const [pattern, ...rest] = trimmed.split(/\s+/);
    const hash = rest.findIndex((w) => w.startsWith('#'));
    const owners = hash >= 0 ? rest.slice(0, hash) : rest;
    if (pattern.startsWith('!'))
      throw new CodeownersError('negation (!) does not work in CODEOWNERS', line);
    if (pattern.startsWith('\\#'))
      throw new CodeownersError('escaping # does not work in CODEOWNERS', line);
    if (/[[\]]/.test(pattern))
      throw new CodeownersError('[ ] ranges do not work in CODEOWNERS', line);
    for (const owner of owners) {
      if (!/^@[\w.-]+(\/[\w.-]+)?$/.test(owner) && !/^[^@\s]+@[^@\s]+$/.test(owner))
        throw new CodeownersError(
          `${JSON.stringify(owner)} is not @user, @org/team or an email`,
          line,
        );
    }
    rules.push({ line, pattern, owners, matches: matcher(pattern) });
  });
  return rules;
}

function matcher(pattern: string): (path: string) => boolean {
  const folder = pattern.endsWith('/');
  const body = pattern.replace(/^\/+/, '').replace(/\/+$/, '');
  const anchored = pattern.startsWith('/') || body.includes('/');
  const glob = anchored ? body : `**/${body}`;
  const last = body.split('/').pop() ?? '';
  const globs = folder ? [`${glob}/**`] : /[*?]/.test(last) ? [glob] : [glob, `${glob}/**`];
  return picomatch(globs, { dot: true });
}

/** The owners of a repository-relative file path: the last matching rule's (none: []). */
export function ownersOf(rules: readonly CodeownersRule[], path: string): readonly string[] {
  for (let i = rules.length - 1; i >= 0; i--) if (rules[i].matches(path)) return rules[i].owners;
  return [];
}

/** `@org/team` -> `team`; the first team among the owners, or null (users and emails only). */
export function teamOf(owners: readonly string[]): string | null {
  for (const o of owners) {
    const m = /^@[\w.-]+\/([\w.-]+)$/.exec(o);
    if (m) return m[1];
  }
  return null;
}

/**
 * The team CODEOWNERS gives a service: the owner of a file directly in the folder its first
 * glob names (`services/cart/**` -> `services/cart/`), so that rules by file type (`*.js`) do not
 * decide; null when the glob names no folder or the owners hold no team.
 */
export function serviceTeam(
  rules: readonly CodeownersRule[],
  globs: readonly string[],
): string | null {
  const first = globs[0];
  if (!first) return null;
  const staticPart = first
    .split('/')
    .filter((_, i, all) => !all.slice(0, i + 1).some((s) => /[*?{[]/.test(s)));
  if (staticPart.length === 0) return null;
  return teamOf(ownersOf(rules, `${staticPart.join('/')}/\u0001`));
}
