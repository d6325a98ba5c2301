/**
 * The `shipwatch` runner: finds the command, parses its options, runs it, and reports errors as
 * one line on stderr (or one JSON document on stdout with --json) with a documented exit code.
 */
import { columns, parseCommandLine, renderHelp, type OptionSpecs } from './args.js';
import { CliError, EXIT_CODE_MEANINGS, ExitCode, UsageError } from './cli.errors.js';
import type { CliContext, Command, CommandGroup, Invocation } from './command.js';
import { ShipwatchClient } from './graphql.client.js';
import { writeJson } from './output.js';
import { serverUrlProblem } from './url-role.rule.js';

export const DEFAULT_URL = 'http://localhost:4000';

export const EXIT_CODES_HELP = EXIT_CODE_MEANINGS.map(
  ([code, meaning]) => `  ${String(code).padEnd(4)} ${meaning.replace(/`/g, '')}`,
);

export function topHelp(commands: readonly Command[], groups: readonly CommandGroup[]): string {
  const rows: [string, string][] = [];
  for (const group of groups) {
    const members = commands.filter((c) => c.path[0] === group.name);
    if (members.length === 1 && members[0].path.length === 1) {
      rows.push([group.name, members[0].summary]);
    } else {
      for (const c of members) rows.push([c.path.join(' '), c.summary]);
    }
  }
  return [
    'Usage: shipwatch <command> [options]',
    '',
    'Report deployments, pipeline runs, changes and incidents to Shipwatch, gate a pipeline on',
    'the release verdict, backfill history, and read DORA metrics.',
    '',
    'Commands:',
    ...columns(rows),
    '',
    'Environment:',
    ...columns([
      ['SHIPWATCH_URL', `Shipwatch server base URL, like --server (default ${DEFAULT_URL})`],
      ['SHIPWATCH_TOKEN', 'API token (create one with `shipwatch token create`)'],
      [
        'SHIPWATCH_SOURCE',
        'Source of the events sent (default: the CI system, else shipwatch-cli)',
      ],
    ]),
    '',
    'Exit codes:',
    ...EXIT_CODES_HELP,
    '',
    'Run `shipwatch <command> --help` for the options of a command; every command takes --json.',
    '',
  ].join('\n');
}

export function commandHelp(command: Command): string {
  const positionals = (command.positionals ?? []).map((p) =>
    p.required === false ? `[${p.name}]` : `<${p.name}>`,
  );
  return renderHelp({
    usage: ['shipwatch', ...command.path, ...positionals, '[options]'].join(' '),
    summary: command.summary,
    description: command.description,
    positionals: command.positionals,
    options: command.options,
    examples: command.examples,
  });
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [
    i,
    ...new Array<number>(b.length).fill(0),
  ]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(
        d[i - 1][j] + 1,
        d[i][j - 1] + 1,
        d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
  }
  return d[a.length][b.length];
}

function suggestion(word: string, candidates: readonly string[]): string {
  const best = candidates
    .map((c) => ({ c, d: editDistance(word, c) }))
    .sort((x, y) => x.d - y.d)[0];
  return best && best.d <= 2 ? ` (did you mean ${JSON.stringify(best.c)}?)` : '';
}

export async function runCli(
  argv: readonly string[],
  ctx: CliContext,
  commands: readonly Command[],
  groups: readonly CommandGroup[],
): Promise<number> {
  const json = argv.includes('--json');
  try {
    return await dispatch(argv, ctx, commands, groups);
  } catch (error) {
    return report(error, ctx, json);
  }
}

async function dispatch(
  argv: readonly string[],
  ctx: CliContext,
  commands: readonly Command[],
  groups: readonly CommandGroup[],
): Promise<number> {
  const first = argv[0];
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
    ctx.stdout.write(topHelp(commands, groups));
    return first === undefined ? ExitCode.USAGE : ExitCode.OK;
  }
  if (first === '--version' || first === '-V' || first === 'version') {
    ctx.stdout.write(`shipwatch ${ctx.version}\n`);
    return ExitCode.OK;
  }
  const words: string[] = [];
  for (const a of argv) {
    if (a.startsWith('-')) break;
    words.push(a);
  }
  const command = commands
    .filter((c) => c.path.every((w, i) => words[i] === w))
    .sort((a, b) => b.path.length - a.path.length)[0];
  if (!command) {
    const group = groups.find((g) => g.name === first);
    if (group) {
      const members = commands.filter((c) => c.path[0] === group.name);
      const wantsHelp = argv.includes('--help') || argv.includes('-h');
      const help = [
        `Usage: shipwatch ${group.name} <${members.map((m) => m.path[1]).join('|')}> [options]`,
        '',
        group.summary,
        '',
        'Commands:',
        ...columns(members.map((m) => [m.path.join(' '), m.summary])),
        '',
      ].join('\n');
      if (wantsHelp) {
        ctx.stdout.write(help);
        return ExitCode.OK;
      }
      const sub = words[1];
      throw new UsageError(
        sub === undefined
          ? `${group.name} needs a command: ${members.map((m) => m.path[1]).join(', ')}`
          : `unknown command "${group.name} ${sub}"${suggestion(
              sub,
              members.map((m) => m.path[1]),
            )}`,
        group.name,
      );
    }
    throw new UsageError(
      `unknown command ${JSON.stringify(first)}${suggestion(
        first,
        groups.map((g) => g.name),
      )}`,
    );
  }
  const name = command.path.join(' ');
  const { values, positionals } = parseCommandLine(
    name,
    argv.slice(command.path.length),
    command.options,
    command.positionals,
  );
  if (values.help) {
    ctx.stdout.write(commandHelp(command));
    return ExitCode.OK;
  }
  const json = values.json === true;
  const serverUrl = resolveServerUrl(command, values, ctx);
  let client: ShipwatchClient | undefined;
  const inv: Invocation<OptionSpecs> = {
    ctx,
    command: name,
    values,
    positionals,
    json,
    serverUrl,
    client: () =>
      (client ??= new ShipwatchClient({
        url: serverUrl,
        token: values.token ?? (ctx.env.SHIPWATCH_TOKEN || undefined),
        userAgent: `shipwatch-cli/${ctx.version}`,
        fetch: ctx.fetch,
        sleep: ctx.sleep,
      })),
    result: (human, data) => {
      if (json) writeJson(ctx.stdout, data);
      else if (human !== '') ctx.stdout.write(human.endsWith('\n') ? human : `${human}\n`);
    },
    info: (line) => {
      ctx.stderr.write(`${line}\n`);
    },
    warn: (line) => {
      ctx.stderr.write(`shipwatch: warning: ${line}\n`);
    },
  };
  return command.run(inv);
}

/**
 * The Shipwatch server: --server, else SHIPWATCH_URL, else the default; refused when it looks
 * like a CI run's link. The old --url is an alias of --server only in commands without a --link
 * (where it named the server and nothing else); elsewhere it named both and is refused.
 */
function resolveServerUrl(
  command: Command,
  values: { readonly server?: string; readonly url?: string },
  ctx: CliContext,
): string {
  const name = command.path.join(' ');
  if (values.url !== undefined) {
    if ('link' in command.options) {
      throw new UsageError(
        `--url is ambiguous here and no longer accepted: pass Shipwatch's URL with --server (or SHIPWATCH_URL) and the link of the CI run with --link`,
        name,
      );
    }
    if (values.server !== undefined) {
      throw new UsageError(
        '--url is the deprecated spelling of --server: pass only --server',
        name,
      );
    }
    ctx.stderr.write('shipwatch: warning: --url is deprecated: use --server\n');
  }
  const [value, from] =
    values.server !== undefined
      ? [values.server, '--server']
      : values.url !== undefined
        ? [values.url, '--url']
        : ctx.env.SHIPWATCH_URL
          ? [ctx.env.SHIPWATCH_URL, 'SHIPWATCH_URL']
          : [DEFAULT_URL, 'the default server'];
  const problem = serverUrlProblem(value, from, ctx.env);
  if (problem) throw new UsageError(problem, name);
  return value;
}

function report(error: unknown, ctx: CliContext, json: boolean): number {
  const e =
    error instanceof CliError
      ? error
      : new CliError(
          ExitCode.FAILURE,
          error instanceof Error ? error.message : String(error),
          error instanceof Error && error.name !== 'Error' ? error.name : 'ERROR',
        );
  if (json) {
    writeJson(ctx.stdout, {
      error: {
        code: e.code,
        message: e.message,
        exitCode: e.exitCode,
        ...(e.details ? { details: e.details } : {}),
      },
    });
    return e.exitCode;
  }
  const lines = [
    `shipwatch: ${e.code !== 'USAGE' && e.code !== 'ERROR' ? `${e.code}: ` : ''}${e.message}`,
  ];
  const fieldErrors = (e.details?.errors ?? []) as { field?: string; message?: string }[];
  if (Array.isArray(fieldErrors)) {
    for (const f of fieldErrors.slice(0, 20))
      lines.push(`  ${f.field ? `${f.field}: ` : ''}${f.message}`);
  }
  if (e instanceof UsageError) {
    lines.push(`Run 'shipwatch ${e.command ? `${e.command} ` : ''}--help' for usage.`);
  }
  ctx.stderr.write(`${lines.join('\n')}\n`);
  return e.exitCode;
}
