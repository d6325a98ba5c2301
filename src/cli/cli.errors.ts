/**
 * Exit codes of the `shipwatch` command, part of its public contract (docs/getting-started.md):
 * CI scripts branch on them, so a code never changes meaning.
 */
export const ExitCode = {
  /** Done; for wait-verdict and verify: the release passed (or a verdict that does not fail). */
  OK: 0,
  /** The server refused the request, an event was rejected, or the release failed verification. */
  FAILURE: 1,
  /** Wrong command line: unknown command or option, missing or malformed value. */
  USAGE: 2,
  /** No token, or the token is unknown, revoked or lacks the scope. */
  AUTH: 3,
  /** The server could not be reached (connection refused, DNS, timeout, 502/503/504). */
  UNREACHABLE: 4,
  /** wait-verdict: no final verdict within --timeout. */
  TIMEOUT: 5,
  /** Interrupted (Ctrl-C); an import keeps its checkpoint and resumes where it stopped. */
  INTERRUPTED: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the CLI reports as one line (`shipwatch: <message>`) and turns into an exit code. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    /** The server's `extensions.code`, or a CLI code such as USAGE. */
    readonly code: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export class UsageError extends CliError {
  constructor(
    message: string,
    /** The command whose --help to point at, e.g. `deployment start`. */
    readonly command?: string,
  ) {
    super(ExitCode.USAGE, message, 'USAGE');
    this.name = 'UsageError';
  }
}
