/**
 * What a command is and what it gets when it runs. Commands are plain objects declared with
 * `defineCommand`; the runner (cli.ts) parses their options, builds the invocation, and turns
 * errors into exit codes.
 */
import type { OptionSpecs, OptionValues, GlobalValues, PositionalSpec } from './args.js';
import type { Environment } from './ci-context.rule.js';
import type { ExitCode } from './cli.errors.js';
import type { ShipwatchClient } from './graphql.client.js';
import type { Writer } from './output.js';

export type Stream = Writer & { readonly isTTY?: boolean };

/** Everything from the outside world a command may use; tests pass their own. */
export interface CliContext {
  readonly env: Environment;
  readonly cwd: string;
  readonly stdout: Stream;
  readonly stderr: Stream;
  readonly now: () => Date;
  readonly version: string;
  /** Aborted on SIGINT/SIGTERM: long commands stop cleanly. */
  readonly signal?: AbortSignal;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly fetch?: typeof fetch;
}

export interface Invocation<O extends OptionSpecs> {
  readonly ctx: CliContext;
  readonly command: string;
  readonly values: OptionValues<O> & GlobalValues;
  readonly positionals: readonly string[];
  readonly json: boolean;
  /** The Shipwatch server: --server, else SHIPWATCH_URL, else http://localhost:4000. */
  readonly serverUrl: string;
  /** A client for the server and --token/SHIPWATCH_TOKEN. */
  client(): ShipwatchClient;
  /** Prints `human` (unless --json) or `data` as JSON (with --json). */
  result(human: string, data: unknown): void;
  /** A progress or status line on stderr (also with --json, which keeps stdout for the result). */
  info(line: string): void;
  warn(line: string): void;
}

export interface Command<O extends OptionSpecs = OptionSpecs> {
  /** Command words, e.g. ['deployment', 'start']. */
  readonly path: readonly string[];
  readonly summary: string;
  readonly description?: string;
  readonly positionals?: readonly PositionalSpec[];
  readonly options: O;
  readonly examples?: readonly string[];
  run(inv: Invocation<O>): Promise<ExitCode>;
}

export function defineCommand<O extends OptionSpecs>(command: Command<O>): Command<O> {
  return command;
}

/** Groups of commands (`shipwatch deployment ...`), for help. */
export interface CommandGroup {
  readonly name: string;
  readonly summary: string;
}
