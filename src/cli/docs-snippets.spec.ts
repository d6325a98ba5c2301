/**
 * The commands in docs/getting-started.md and the ready-to-paste CI files must stay valid: every
 * `shipwatch ...` line there is parsed with the real command specs (unknown commands or options,
 * bad choices and missing arguments fail here, not in a user's pipeline).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseCommandLine } from './args.js';
import { EXIT_CODE_MEANINGS } from './cli.errors.js';
import { COMMANDS } from './commands/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

/** Every string under run/script keys of a CI file (commented-out workflows included). */
function scripts(yamlText: string): string[] {
  const documents = [yamlText];
  // A commented-out workflow of its own follows a `# --- <file> ---` line.
  const marker = yamlText.indexOf('\n# --- ');
  if (marker >= 0) {
    documents.push(
      yamlText
        .slice(marker + 1)
        .split('\n')
        .slice(1)
        .map((l) => l.replace(/^# ?/, ''))
        .join('\n'),
    );
  }
  const out: string[] = [];
  const walk = (node: unknown, key?: string): void => {
    if (typeof node === 'string' && key && /^(run|script|after_script|before_script)$/.test(key))
      out.push(node);
    else if (Array.isArray(node)) node.forEach((n) => walk(n, key));
    else if (node && typeof node === 'object')
      for (const [k, v] of Object.entries(node)) walk(v, k);
  };
  for (const d of documents) walk(parseYaml(d));
  return out;
}

/** Expansions replaced by a plausible value: ${{ expr }}, $(cmd), $VAR, <placeholder>. */
function expand(shell: string): string {
  const plausible = (expr: string): string =>
    /'(SUCCESS|FAILURE)'|echo (SUCCESS)/.exec(expr)?.slice(1).find(Boolean) ?? 'x';
  return shell
    .replace(/\$\{\{([^}]*)\}\}/g, (_, e: string) => plausible(e))
    .replace(/\$\(([^)]*)\)/g, (_, e: string) => plausible(e))
    .replace(/<[^>\n]*>/g, 'x')
    .replace(/\$\{?\w+\}?/g, 'x');
}

/** Shell words of one command. */
function words(command: string): string[] {
  const out: string[] = [];
  for (const m of command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

/** `shipwatch ...` invocations in a block of shell. */
function invocations(shell: string): string[][] {
  return expand(shell)
    .replace(/\\\n/g, ' ')
    .split(/\n|&&|\|\||;|\{|\}/)
    .map((c) => c.replace(/#.*$/, '').trim())
    .map((c) => c.replace(/^(?:\w+=\S+\s+)+/, '')) // VAR=value prefixes
    .filter((c) => c.startsWith('shipwatch '))
    .map((c) => words(c).slice(1));
}

function check(argv: string[]): void {
  if (argv.length === 0 || argv[0].startsWith('-')) return; // shipwatch --help / --version
  const command = COMMANDS.filter((c) => c.path.every((w, i) => argv[i] === w)).sort(
    (a, b) => b.path.length - a.path.length,
  )[0];
  if (!command) throw new Error(`unknown command: shipwatch ${argv.join(' ')}`);
  parseCommandLine(
    command.path.join(' '),
    argv.slice(command.path.length),
    command.options,
    command.positionals,
  );
}

describe('shipwatch commands in the docs', () => {
  const sources: [string, string[][]][] = [
    [
      'docs/ci/github-actions.yml',
      scripts(read('docs/ci/github-actions.yml')).flatMap(invocations),
    ],
    ['docs/ci/gitlab-ci.yml', scripts(read('docs/ci/gitlab-ci.yml')).flatMap(invocations)],
    [
      'docs/getting-started.md',
      [...read('docs/getting-started.md').matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) =>
        invocations(m[1]),
      ),
    ],
  ];

  it.each(sources)('%s: every shipwatch command line parses', (_file, lines) => {
    expect(lines.length).toBeGreaterThan(2);
    for (const argv of lines) expect(() => check(argv)).not.toThrow();
  });

  it('the CI files gate on the verdict, report tests from JUnit and the rollback', () => {
    for (const [file, lines] of sources.slice(0, 2)) {
      const flat = lines.map((l) => l.join(' '));
      expect([
        file,
        flat.some((l) => l.startsWith('deployment finish') && l.includes('--wait-verdict')),
      ]).toEqual([file, true]);
      expect([file, flat.some((l) => l.startsWith('run') && l.includes('--junit'))]).toEqual([
        file,
        true,
      ]);
      expect([file, flat.some((l) => l.includes('--rolls-back'))]).toEqual([file, true]);
    }
  });

  it('would catch a wrong option', () => {
    expect(() => check(words('deployment finish -s a -e b --wait-verdikt'))).toThrow(
      'unknown option --wait-verdikt',
    );
  });
});

describe('the exit code tables of the docs', () => {
  /** `| code | meaning |` rows of the table that follows `| exit code | meaning |`. */
  const table = (file: string): [number, string][] => {
    const text = read(file);
    const start = text.indexOf('| exit code | meaning');
    expect([file, start >= 0]).toEqual([file, true]);
    return text
      .slice(start)
      .split('\n')
      .slice(2)
      .filter((l, i, all) => l.startsWith('|') && all.slice(0, i).every((p) => p.startsWith('|')))
      .map((l) => l.split('|').map((c) => c.trim()))
      .map(([, code, meaning]) => [Number(code), meaning]);
  };

  it.each(['docs/getting-started.md', 'README.md'])(
    '%s lists every exit code with the meaning the CLI has',
    (file) => {
      expect(table(file)).toEqual(EXIT_CODE_MEANINGS.map(([code, meaning]) => [code, meaning]));
    },
  );
});
