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
  /** wait-verdict: not judged, the server has no Prometheus (PROMETHEUS_URL unset). */
  NOT_JUDGED_NO_PROMETHEUS: 10,
  /** wait-verdict: not judged, no verification policy applies (verdict NONE). */
  NOT_JUDGED_NO_POLICY: 11,
  /** wait-verdict: INCONCLUSIVE, the signals could not be read (Prometheus unreachable, errors, no data). */
  NOT_JUDGED_INCONCLUSIVE: 12,
  /** wait-verdict: UNVERIFIED, too little traffic to judge before the maximum verification time. */
  NOT_JUDGED_UNVERIFIED: 13,
  /** wait-verdict: ENV_DEGRADED, the environment was already degraded: the release was not judged. */
  NOT_JUDGED_ENV_DEGRADED: 14,
  /** wait-verdict: SUPERSEDED, a newer deployment replaced it before a verdict. */
  NOT_JUDGED_SUPERSEDED: 15,
  /** gate: DENY (or WARN with --deny-on-warn): do not deploy now. */
  GATE_DENY: 20,
  /** gate: a check could not be made (e.g. Prometheus unreachable) and nothing denied. */
  GATE_UNDECIDED: 21,
  /** policy diff: applying the files would change policies. */
  POLICY_CHANGES: 30,
  /** Interrupted (Ctrl-C); an import keeps its checkpoint and resumes where it stopped. */
  INTERRUPTED: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * Every exit code with its meaning, as `shipwatch --help`, docs/getting-started.md and README.md
 * print it (docs-snippets.spec.ts checks the two documents against this list).
 */
export const EXIT_CODE_MEANINGS: readonly (readonly [ExitCode, string])[] = [
  [ExitCode.OK, 'success; `wait-verdict`: the release passed (HEALTHY, HEALTHY_LOW_CONFIDENCE)'],
  [
    ExitCode.FAILURE,
    'the server refused the request, an event was `REJECTED`, the release failed verification (`FAILED`, `DEGRADED`, a verdict in `--fail-on`) or the deployment itself failed',
  ],
  [ExitCode.USAGE, 'usage error: unknown command or option, missing or malformed value'],
  [ExitCode.AUTH, 'authentication: no token, or the token is unknown, revoked or lacks the scope'],
  [
    ExitCode.UNREACHABLE,
    'server unreachable: connection refused, DNS, timeout, HTTP 502/503/504 (after 3 retries with backoff)',
  ],
  [ExitCode.TIMEOUT, '`wait-verdict`: no final verdict within `--timeout`'],
  [
    ExitCode.NOT_JUDGED_NO_PROMETHEUS,
    '`wait-verdict`: not judged: Shipwatch has no Prometheus (`PROMETHEUS_URL` unset)',
  ],
  [
    ExitCode.NOT_JUDGED_NO_POLICY,
    '`wait-verdict`: not judged: no verification policy applies (verdict `NONE`: not production, no policy, history)',
  ],
  [
    ExitCode.NOT_JUDGED_INCONCLUSIVE,
    '`wait-verdict`: `INCONCLUSIVE`: the signals could not be read (Prometheus unreachable, query errors, no data)',
  ],
  [
    ExitCode.NOT_JUDGED_UNVERIFIED,
    '`wait-verdict`: `UNVERIFIED`: too little traffic to judge before the maximum verification time',
  ],
  [
    ExitCode.NOT_JUDGED_ENV_DEGRADED,
    '`wait-verdict`: `ENV_DEGRADED`: the environment was already degraded, the release was not judged',
  ],
  [
    ExitCode.NOT_JUDGED_SUPERSEDED,
    '`wait-verdict`: `SUPERSEDED`: a newer deployment replaced it before a verdict',
  ],
  [ExitCode.GATE_DENY, '`gate`: `DENY` (or `WARN` with `--deny-on-warn`): do not deploy now'],
  [
    ExitCode.GATE_UNDECIDED,
    '`gate`: could not decide: a check could not be made (Prometheus unreachable) and none denied',
  ],
  [
    ExitCode.POLICY_CHANGES,
    '`policy diff`: applying the files would add, change or delete (`--prune`) policies or freeze windows',
  ],
  [ExitCode.INTERRUPTED, 'interrupted; an import resumes from its checkpoint'],
];

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
