/**
 * Command specs and argument parsing on node:util parseArgs: every command declares its options
 * once, and the same declaration drives parsing, validation and `--help`.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './cli.errors.js';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  readonly description: string;
  /** Shown in help after the flag, e.g. `<name>`. */
  readonly placeholder?: string;
  /** Accepted values (case-insensitive); the parsed value is the spelling given here. */
  readonly choices?: readonly string[];
  /** Parsed but not shown in help (a deprecated spelling). */
  readonly hidden?: boolean;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean'
  ? boolean | undefined
  : S['multiple'] extends true
    ? string[]
    : string | undefined;

export type OptionValues<O extends OptionSpecs> = { -readonly [K in keyof O]: ValueOf<O[K]> };

export interface PositionalSpec {
  readonly name: string;
  readonly description: string;
  readonly required?: boolean;
}

/** Options every command accepts. */
export const GLOBAL_OPTIONS = {
  server: {
    type: 'string',
    placeholder: '<url>',
    description: 'Shipwatch server base URL (default: $SHIPWATCH_URL, else http://localhost:4000)',
  },
  url: {
    type: 'string',
    placeholder: '<url>',
    hidden: true,
    description:
      'Deprecated spelling of --server; refused by commands that take a --link, where it was ambiguous',
  },
  token: {
    type: 'string',
    placeholder: '<token>',
    description: 'API token (default: $SHIPWATCH_TOKEN)',
  },
  json: { type: 'boolean', description: 'Print the result as JSON (for scripts)' },
  help: { type: 'boolean', short: 'h', description: 'Show this help' },
} as const satisfies OptionSpecs;

export type GlobalValues = OptionValues<typeof GLOBAL_OPTIONS>;

export interface ParsedCommandLine<O extends OptionSpecs> {
  readonly values: OptionValues<O> & GlobalValues;
  readonly positionals: string[];
}

/** Parses the arguments after the command words; unknown options are usage errors. */
export function parseCommandLine<O extends OptionSpecs>(
  command: string,
  args: readonly string[],
  options: O,
  positionals: readonly PositionalSpec[] = [],
): ParsedCommandLine<O> {
  const all: OptionSpecs = { ...GLOBAL_OPTIONS, ...options };
  const config: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> =
    {};
  for (const [name, spec] of Object.entries(all)) {
    config[name] = {
      type: spec.type,
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.multiple ? { multiple: true } : {}),
    };
  }
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...args], options: config, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(parseArgsMessage(error), command);
  }
  const values = parsed.values;
  if (values.help === true) {
    return { values: values as OptionValues<O> & GlobalValues, positionals: parsed.positionals };
  }
  for (const [name, spec] of Object.entries(all)) {
    const raw = values[name];
    if (spec.multiple && raw === undefined) values[name] = [];
    if (spec.choices && typeof raw === 'string')
      values[name] = choice(`--${name}`, raw, spec.choices);
    if (spec.choices && Array.isArray(raw)) {
      values[name] = (raw as string[]).map((v) => choice(`--${name}`, v, spec.choices!));
    }
    if (spec.type === 'string' && typeof raw === 'string' && raw.trim() === '') {
      throw new UsageError(`--${name} needs a non-empty value`, command);
    }
  }
  const required = positionals.filter((p) => p.required !== false);
  if (parsed.positionals.length < required.length) {
    const missing = required.slice(parsed.positionals.length).map((p) => `<${p.name}>`);
    throw new UsageError(`missing ${missing.join(' ')}`, command);
  }
  if (parsed.positionals.length > positionals.length) {
    const extra = parsed.positionals.slice(positionals.length);
    throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`, command);
  }
  return { values: values as OptionValues<O> & GlobalValues, positionals: parsed.positionals };
}

function parseArgsMessage(error: unknown): string {
  const e = error as { code?: string; message?: string };
  const message = (e.message ?? String(error)).split('\n')[0];
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'([^']+)'/.exec(message)?.[1];
    return flag ? `unknown option ${flag}` : message;
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const flag = /Option '([^']+)'/
      .exec(message)?.[1]
      ?.replace(/^-\w, /, '')
      .split(' ')[0];
    if (flag && message.includes('ambiguous')) {
      return `the value of ${flag} starts with "-": write ${flag}=<value> (e.g. ${flag}=-15m)`;
    }
    return flag ? `option ${flag} needs a value` : message;
  }
  return message;
}

/** The spelling of `value` among `choices`, compared case-insensitively (`-`/`_` alike). */
export function choice<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  const norm = (s: string): string => s.toLowerCase().replace(/-/g, '_');
  const found = choices.find((c) => norm(c) === norm(value));
  if (found === undefined) {
    throw new UsageError(
      `${flag} must be one of ${choices.join(', ')} (got ${JSON.stringify(value)})`,
    );
  }
  return found;
}

/** A non-negative duration such as `90`, `90s`, `5m`, `1h30m`, in seconds. */
export function parseDuration(flag: string, value: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s?)?$/.exec(value.trim());
  if (!m || value.trim() === '' || (m[1] === undefined && m[2] === undefined && m[3] === undefined))
    throw new UsageError(
      `${flag} must be a duration such as 90s, 15m or 1h (got ${JSON.stringify(value)})`,
    );
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

export function parsePositiveInt(
  flag: string,
  value: string,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || Number(value) > max) {
    throw new UsageError(
      `${flag} must be an integer from 1 to ${max} (got ${JSON.stringify(value)})`,
    );
  }
  return Number(value);
}

const RFC3339 =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** An RFC 3339 time given in full, not one read from the clock (`now`, `15m ago`). */
export function isAbsoluteTime(value: string | undefined): boolean {
  return value !== undefined && RFC3339.test(value.trim());
}

/** An RFC 3339 time (a date alone means its UTC midnight), `now`, or `15m ago` / `-15m`. */
export function parseTime(flag: string, value: string, now: Date): Date {
  const v = value.trim();
  if (v === 'now') return now;
  const relative = /^-(.+)$/.exec(v) ?? /^(.+?)\s+ago$/.exec(v);
  if (relative && !RFC3339.test(v)) {
    return new Date(now.getTime() - parseDuration(flag, relative[1]) * 1000);
  }
  if (!RFC3339.test(v)) {
    throw new UsageError(
      `${flag} must be an RFC 3339 time such as 2026-01-31T12:00:00Z, "now" or "15m ago" (got ${JSON.stringify(value)})`,
    );
  }
  const hasTime = /[T ]/i.test(v);
  const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(v);
  const date = new Date(hasTime && !hasZone ? `${v}Z` : v);
  if (Number.isNaN(date.getTime())) {
    throw new UsageError(`${flag} is not a valid time (got ${JSON.stringify(value)})`);
  }
  return date;
}

// ---------------------------------------------------------------------------------------------
// Help

export interface HelpSpec {
  readonly usage: string;
  readonly summary: string;
  readonly description?: string;
  readonly positionals?: readonly PositionalSpec[];
  readonly options?: OptionSpecs;
  readonly examples?: readonly string[];
}

export function renderHelp(spec: HelpSpec): string {
  const lines = [`Usage: ${spec.usage}`, '', spec.summary];
  if (spec.description) lines.push('', spec.description);
  if (spec.positionals && spec.positionals.length > 0) {
    lines.push('', 'Arguments:');
    lines.push(...columns(spec.positionals.map((p) => [`<${p.name}>`, p.description])));
  }
  const optionRows = (opts: OptionSpecs): [string, string][] =>
    Object.entries(opts)
      .filter(([, o]) => o.hidden !== true)
      .map(([name, o]) => {
        const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.placeholder ?? '<value>'}` : ''}`;
        const extra = [
          o.choices ? `one of ${o.choices.join(', ')}` : '',
          o.multiple ? 'repeatable' : '',
        ].filter((s) => s !== '');
        return [flag, extra.length > 0 ? `${o.description} (${extra.join('; ')})` : o.description];
      });
  if (spec.options && Object.keys(spec.options).length > 0) {
    lines.push('', 'Options:', ...columns(optionRows(spec.options)));
  }
  lines.push('', 'Global options:', ...columns(optionRows(GLOBAL_OPTIONS)));
  if (spec.examples && spec.examples.length > 0) {
    lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  }
  return `${lines.join('\n')}\n`;
}

export function columns(rows: readonly (readonly [string, string])[], indent = 2): string[] {
  const width = Math.min(40, Math.max(...rows.map(([left]) => left.length)));
  return rows.map(([left, right]) =>
    left.length > width
      ? `${' '.repeat(indent)}${left}\n${' '.repeat(indent + width + 2)}${right}`
      : `${' '.repeat(indent)}${left.padEnd(width)}  ${right}`,
  );
}
